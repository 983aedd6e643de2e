package dev.walarchive.core.storage.spi;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.ArchiveStorage;
import java.util.Map;
import java.util.regex.Pattern;

/** Validation of storage keys and metadata shared by every {@link ArchiveStorage}. */
public final class StorageKeys {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._/-]{1,512}");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._/-]{0,512}");
  private static final Pattern METADATA_NAME = Pattern.compile("[a-z][a-z0-9]{0,31}");
  private static final Pattern METADATA_VALUE = Pattern.compile("[\\x20-\\x7e]{0,1024}");

  private StorageKeys() {}

  /**
   * Returns {@code key} if it is a valid object key.
   *
   * @throws IllegalArgumentException naming the key and the rule it breaks
   */
  public static String checkKey(String key) {
    requireNonNull(key, "key is null");
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "invalid storage key '" + key + "': expected 1 to 512 characters of [A-Za-z0-9._/-]");
    }
    checkSegments(key, key);
    return key;
  }

  /**
   * Returns {@code prefix} if it is a valid listing prefix: empty, or a key prefix whose complete
   * segments are valid.
   */
  public static String checkPrefix(String prefix) {
    requireNonNull(prefix, "prefix is null");
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "invalid storage prefix '"
              + prefix
              + "': expected up to 512 characters of [A-Za-z0-9._/-]");
    }
    if (prefix.startsWith("/")) {
      throw new IllegalArgumentException("invalid storage prefix '" + prefix + "': leading '/'");
    }
    return prefix;
  }

  /** Validates user metadata names and values; returns an immutable copy. */
  public static Map<String, String> checkMetadata(Map<String, String> metadata) {
    requireNonNull(metadata, "metadata is null");
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (!METADATA_NAME.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException(
            "invalid metadata name '" + e.getKey() + "': expected [a-z][a-z0-9]{0,31}");
      }
      if (e.getValue() == null || !METADATA_VALUE.matcher(e.getValue()).matches()) {
        throw new IllegalArgumentException(
            "invalid value for metadata '"
                + e.getKey()
                + "': expected up to 1024 printable ASCII characters");
      }
    }
    return Map.copyOf(metadata);
  }

  private static void checkSegments(String key, String original) {
    if (key.startsWith("/") || key.endsWith("/")) {
      throw new IllegalArgumentException(
          "invalid storage key '" + original + "': leading or trailing '/'");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "invalid storage key '" + original + "': empty, '.' or '..' path segment");
      }
    }
  }
}
