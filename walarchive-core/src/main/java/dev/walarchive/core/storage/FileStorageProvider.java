package dev.walarchive.core.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code file:} URLs ({@code file:/var/lib/walarchive} or {@code file:///var/lib/walarchive}; a
 * relative {@code file:archive} is refused): objects as files below that directory, which the first
 * write creates if its parent directory exists.
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
      // relative to whatever directory the process happens to run in (PostgreSQL runs
      // archive_command in the data directory, a restore elsewhere): never the same archive
      throw new IllegalArgumentException(
          "file: archive URL '"
              + url
              + "' is relative; use an absolute path, e.g. file:"
              + Path.of(part).toAbsolutePath().normalize());
    }
    String path = url.getPath();
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("file: archive URL '" + url + "' has no path");
    }
    return Path.of(path);
  }
}
