package dev.walarchive.core.backup;

import java.io.IOException;

/**
 * The archive holds no complete base backup of that name: there is none, or it was interrupted (or
 * is still running) and has no completion marker. The message says which.
 */
public class BackupNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  public BackupNotFoundException(String message) {
    super(message);
  }
}
