package dev.walarchive.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one line the CLI prints. */
final class Errors {
  private Errors() {}

  static String oneLine(Throwable e) {
    String message;
    if (e instanceof AccessDeniedException a && a.getReason() == null) {
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
}
