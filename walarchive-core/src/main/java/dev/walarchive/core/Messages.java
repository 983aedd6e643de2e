package dev.walarchive.core;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import java.io.IOException;

/** Texts of failures: one-line messages, abbreviations, the copy a failure happened in. */
final class Messages {
  private Messages() {}

  static String oneLine(Exception e) {
    String m = e.getMessage();
    return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m)
        .replace('\n', ' ')
        .replace('\r', ' ');
  }

  /** {@code e}, of the same kind, with a message that names the copy it happened in. */
  static IOException inCopy(WalArchive copy, IOException e) {
    String m = "copy " + copy.location() + ": " + Messages.oneLine(e);
    if (e instanceof ArchiveConflictException) {
      return new ArchiveConflictException(m);
    }
    if (e instanceof ArchiveMismatchException) {
      return new ArchiveMismatchException(m);
    }
    if (e instanceof ArchiveConfigurationException) {
      return new ArchiveConfigurationException(m, e);
    }
    if (e instanceof dev.walarchive.core.storage.StorageConfigurationException) {
      return new dev.walarchive.core.storage.StorageConfigurationException(m, e);
    }
    if (e instanceof InvalidWalFileException) {
      return e;
    }
    return new IOException(m, e);
  }

  static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
