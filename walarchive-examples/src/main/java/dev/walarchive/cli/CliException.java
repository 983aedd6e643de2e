package dev.walarchive.cli;

import java.io.IOException;

/** A usage or configuration error; its message is printed as the one-line error. */
final class CliException extends IOException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }
}
