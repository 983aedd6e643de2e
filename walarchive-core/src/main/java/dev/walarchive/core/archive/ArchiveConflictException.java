package dev.walarchive.core.archive;

import dev.walarchive.core.WalArchiveException;

/**
 * The archive already holds a different file under the name being pushed. The archived object is
 * kept untouched: this is a second primary writing the same timeline, or a corrupted local file.
 */
public final class ArchiveConflictException extends WalArchiveException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what differs, naming the file
   */
  public ArchiveConflictException(String message) {
    super(message, Kind.CONFLICT);
  }
}
