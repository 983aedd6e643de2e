package dev.walarchive.core.archive;

import dev.walarchive.core.WalArchiveException;

/**
 * The file belongs to another cluster (system identifier) or another WAL segment size than the
 * archive was created for; nothing was written.
 */
public final class ArchiveMismatchException extends WalArchiveException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message both values, the archive's and the file's
   */
  public ArchiveMismatchException(String message) {
    super(message, Kind.CONFIGURATION);
  }
}
