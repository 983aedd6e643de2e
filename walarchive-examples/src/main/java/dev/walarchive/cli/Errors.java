package dev.walarchive.cli;

import dev.walarchive.core.storage.StorageConfigurationException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one line the CLI prints, and tells configuration errors apart. */
final class Errors {
  private Errors() {}

  static String oneLine(Throwable e) {
    String message;
    if (e instanceof AccessDeniedException a) {
      message = "permission denied: " + a.getFile();
    } else if (e instanceof NoSuchFileException n && n.getReason() == null) {
      message = "no such file: " + n.getFile();
    } else if (e instanceof FileSystemException f && f.getReason() != null) {
      message = (f.getFile() == null ? "" : f.getFile() + ": ") + f.getReason();
    } else {
      message = e.getMessage();
    }
    if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    return message.replace('\n', ' ').replace('\r', ' ');
  }

  /**
   * Whether {@code e} (or what caused it) is a usage or configuration error: a bad or unknown
   * setting, an unreadable settings file, a backend that cannot work as configured (no region, no
   * credentials). Every command exits with its {@link ExitCodes#usage()} code for these, whatever
   * else it maps; a broken set-up must never look like a storage outage or bad input.
   */
  static boolean isConfiguration(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CliException || t instanceof StorageConfigurationException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
