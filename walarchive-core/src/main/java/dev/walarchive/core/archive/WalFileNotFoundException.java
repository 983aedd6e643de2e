package dev.walarchive.core.archive;

import java.nio.file.NoSuchFileException;

/** The archive holds no file of that name. For {@code restore_command} this is the normal end. */
public final class WalFileNotFoundException extends NoSuchFileException {
  private static final long serialVersionUID = 1L;

  /**
   * @param fileName the WAL file name that was asked for
   */
  public WalFileNotFoundException(String fileName) {
    super(fileName, null, "not in the archive");
  }
}
