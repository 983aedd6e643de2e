package dev.walarchive.core.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code file:} URLs ({@code file:/var/lib/walarchive}, {@code file:///var/lib/walarchive}, or a
 * relative {@code file:archive}): objects as files below that directory, created on first write.
 */
public final class FileStorageProvider implements ArchiveStorageProvider {
  /** Used by {@link java.util.ServiceLoader}. */
  public FileStorageProvider() {}

  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public ArchiveStorage open(URI url, Map<String, String> options) {
    return ArchiveStorages.filesystem(path(url));
  }

  static Path path(URI url) {
    if (url.getQuery() != null || url.getFragment() != null) {
      throw new IllegalArgumentException(
          "file: archive URL '" + url + "' must not have a query or fragment");
    }
    if (url.getAuthority() != null && !url.getAuthority().isEmpty()) {
      throw new IllegalArgumentException(
          "file: archive URL '" + url + "' names a host; use file:/absolute/path");
    }
    if (url.isOpaque()) {
      String part = url.getSchemeSpecificPart();
      if (part == null || part.isEmpty()) {
        throw new IllegalArgumentException("file: archive URL '" + url + "' has no path");
      }
      return Path.of(part);
    }
    String path = url.getPath();
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("file: archive URL '" + url + "' has no path");
    }
    return Path.of(path);
  }
}
