package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Opens an {@link ArchiveStorage} by URL, choosing the backend by scheme. */
public final class ArchiveStorages {
  private ArchiveStorages() {}

  /**
   * Opens the storage for {@code url} with the provider registered for its scheme.
   *
   * @throws IllegalArgumentException if the URL is malformed or no provider handles its scheme (the
   *     message lists the schemes available on the class path)
   */
  public static ArchiveStorage open(String url, Map<String, String> options) throws IOException {
    requireNonNull(url, "url is null");
    requireNonNull(options, "options is null");
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "invalid archive URL '" + redact(url) + "': " + e.getReason(), e);
    }
    String scheme = uri.getScheme();
    if (scheme == null) {
      throw new IllegalArgumentException(
          "archive URL '"
              + redact(url)
              + "' has no scheme; use e.g. file:/path or s3://bucket/prefix");
    }
    scheme = scheme.toLowerCase(Locale.ROOT);
    TreeSet<String> known = new TreeSet<>();
    for (ArchiveStorageProvider provider :
        ServiceLoader.load(ArchiveStorageProvider.class, ArchiveStorages.class.getClassLoader())) {
      if (provider.scheme().equals(scheme)) {
        return provider.open(uri, options);
      }
      known.add(provider.scheme() + ":");
    }
    throw new IllegalArgumentException(
        "no storage backend for scheme '"
            + scheme
            + ":' in archive URL '"
            + redact(url)
            + "'; available: "
            + String.join(", ", known));
  }

  /** A new, empty storage that holds its objects in memory, for tests and as a fake archive. */
  public static ArchiveStorage memory() {
    return new MemoryArchiveStorage(java.time.Clock.systemUTC());
  }

  /** Like {@link #memory()}, with object times taken from {@code clock}. */
  public static ArchiveStorage memory(java.time.Clock clock) {
    return new MemoryArchiveStorage(clock);
  }

  /**
   * A storage that keeps objects as files below {@code root} (created on first write if its parent
   * directory exists; no directory above it is ever created). Creates are atomic and durable:
   * temporary file, fsync, hard link (never replaces), fsync of the directory.
   */
  public static ArchiveStorage filesystem(java.nio.file.Path root) {
    return new FileArchiveStorage(root);
  }

  /** Removes query string and user info from a URL so it can appear in a message. */
  public static String redact(String url) {
    String s = url;
    int q = s.indexOf('?');
    if (q >= 0) {
      s = s.substring(0, q) + "?...";
    }
    int at = s.indexOf('@');
    int schemeEnd = s.indexOf("://");
    if (at > 0 && schemeEnd >= 0 && at > schemeEnd) {
      s = s.substring(0, schemeEnd + 3) + "***@" + s.substring(at + 1);
    }
    return s;
  }
}
