package dev.walarchive.core;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.ObjectIntegrityException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.format.WrongKeyException;
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
    return retold(e, "copy " + copy.location() + ": " + Messages.oneLine(e));
  }

  /**
   * {@code e} with the message {@code m}, of the same kind as far as callers tell kinds apart
   * (conflict, another cluster, configuration, verification failure with its key id, invalid file);
   * any other failure becomes a plain {@link IOException} with {@code e} as its cause.
   */
  static IOException retold(IOException e, String m) {
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
    if (e instanceof UnknownKeyException u) {
      return new UnknownKeyException(u.keyId(), m);
    }
    if (e instanceof WrongKeyException w) {
      return new WrongKeyException(w.keyId(), m);
    }
    if (e instanceof ObjectIntegrityException) {
      return new ObjectIntegrityException(m, e);
    }
    if (e instanceof ObjectFormatException) {
      return new ObjectFormatException(m, e);
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
