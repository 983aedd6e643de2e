package dev.walarchive.core.restore;

import java.io.IOException;

/**
 * No complete base backup in the archive can reach the recovery target: none at all, none that
 * finished before the target, none on a timeline that leads to the target timeline, or the named
 * backup is missing, incomplete or after the target. The message says which, in one line.
 */
public final class NoSuitableBackupException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with its one-line message. */
  public NoSuitableBackupException(String message) {
    super(message);
  }
}
