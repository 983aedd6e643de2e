package dev.walarchive.core.format;

import java.io.IOException;

/**
 * An archived object could not be decoded: it is corrupt, was tampered with, belongs to another
 * file, needs a key the keyring lacks, or was written by a newer format version. The subclasses say
 * which; none of their messages contain key material.
 */
public class ObjectFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that names the object and what is wrong. */
  public ObjectFormatException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the underlying cause. */
  public ObjectFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
