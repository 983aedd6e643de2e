package dev.walarchive.core.archive;

import dev.walarchive.core.WalArchiveException;

/**
 * The local file handed to push is not what its name claims: not a regular file, wrong size, or a
 * segment whose page header contradicts its name. Nothing was written.
 */
public final class InvalidWalFileException extends WalArchiveException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what is wrong, naming the file
   */
  public InvalidWalFileException(String message) {
    super(message, Kind.INVALID_INPUT);
  }

  /**
   * @param message what is wrong, naming the file
   * @param cause the parser's complaint
   */
  public InvalidWalFileException(String message, Throwable cause) {
    super(message, Kind.INVALID_INPUT, cause);
  }
}
