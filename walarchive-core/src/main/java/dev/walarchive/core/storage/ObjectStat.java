package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;

/**
 * What {@link ArchiveStorage#stat(String)} returns: size, last modification time and the user
 * metadata written with the object.
 *
 * @param key the object key
 * @param size content length in bytes
 * @param lastModified when the object was created
 * @param metadata user metadata, names as written (lowercase)
 */
public record ObjectStat(
    String key, long size, Instant lastModified, Map<String, String> metadata) {
  public ObjectStat {
    requireNonNull(key, "key is null");
    requireNonNull(lastModified, "lastModified is null");
    metadata = Map.copyOf(requireNonNull(metadata, "metadata is null"));
    if (size < 0) {
      throw new IllegalArgumentException("size is negative: " + size);
    }
  }
}
