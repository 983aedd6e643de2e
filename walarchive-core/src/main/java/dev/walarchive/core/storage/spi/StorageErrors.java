package dev.walarchive.core.storage.spi;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * The SPI's "missing" and "already exists" exceptions as every backend builds them: {@link
 * NoSuchFileException#getFile()} and {@link FileAlreadyExistsException#getFile()} hold the key
 * (relative to the storage root, as the caller passed it), the reason names the full location, and
 * the store's own exception is kept as the cause. For backend authors.
 */
public final class StorageErrors {
  private StorageErrors() {}

  /**
   * There is no object {@code key}.
   *
   * @param location where it was looked for, e.g. {@code s3://bucket/prefix/key}
   * @param cause the store's answer (already free of secrets), or null
   */
  public static NoSuchFileException notFound(String key, String location, Throwable cause) {
    NoSuchFileException e = new NoSuchFileException(key, null, "no such object: " + location);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /**
   * An object {@code key} exists already; it was left untouched.
   *
   * @param location the object's full location
   * @param cause the store's answer (already free of secrets), or null
   */
  public static FileAlreadyExistsException alreadyExists(
      String key, String location, Throwable cause) {
    FileAlreadyExistsException e =
        new FileAlreadyExistsException(key, null, "object already exists: " + location);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }
}
