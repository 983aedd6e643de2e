package dev.walarchive.core.storage;

/**
 * A storage cannot be used as configured, found when it is first used rather than when it was
 * opened: no region, no credentials, an unreadable credentials file. Retrying does not help; the
 * message says what to configure. Thrown by the storage operations of the backends in place of a
 * plain {@link java.io.IOException}, so callers can tell a broken set-up from an unreachable store.
 * Its {@link #kind()} is always {@link Kind#CONFIGURATION}.
 */
public class StorageConfigurationException extends ArchiveStorageException {
  private static final long serialVersionUID = 1L;

  /** A configuration problem described by {@code message}, which must hold no secret. */
  public StorageConfigurationException(String message) {
    super(message, Kind.CONFIGURATION, null);
  }

  /** Like {@link #StorageConfigurationException(String)}, with the underlying cause. */
  public StorageConfigurationException(String message, Throwable cause) {
    super(message, Kind.CONFIGURATION, cause);
  }
}
