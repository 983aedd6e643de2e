package dev.walarchive.core.storage;

/**
 * The storage was used after {@link ArchiveStorage#close()}. Every backend throws this from every
 * operation called after close (file and memory storages included); it is never retryable.
 */
public final class ClosedStorageException extends ArchiveStorageException {
  private static final long serialVersionUID = 1L;

  /**
   * @param location the storage, as its {@code toString()} names it
   */
  public ClosedStorageException(String location) {
    super("storage " + location + " is closed", Kind.CLOSED, null);
  }
}
