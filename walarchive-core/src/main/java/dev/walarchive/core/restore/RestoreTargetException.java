package dev.walarchive.core.restore;

import java.io.IOException;

/**
 * A restore's destination cannot be used: the data directory or a tablespace directory is not
 * empty, is not a directory, has no parent, or a tablespace remap does not fit the backup. Nothing
 * was written.
 */
public final class RestoreTargetException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with its one-line message. */
  public RestoreTargetException(String message) {
    super(message);
  }
}
