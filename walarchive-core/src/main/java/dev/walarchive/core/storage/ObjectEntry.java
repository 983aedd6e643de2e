package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One entry of a listing ({@link ArchiveStorage#list(String)}).
 *
 * @param key the object key, relative to the storage root
 * @param size content length in bytes
 * @param lastModified when the object was created
 */
public record ObjectEntry(String key, long size, Instant lastModified) {
  public ObjectEntry {
    requireNonNull(key, "key is null");
    requireNonNull(lastModified, "lastModified is null");
    if (size < 0) {
      throw new IllegalArgumentException("size is negative: " + size);
    }
  }
}
