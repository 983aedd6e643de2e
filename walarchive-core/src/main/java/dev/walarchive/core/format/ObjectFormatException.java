package dev.walarchive.core.format;

import dev.walarchive.core.WalArchiveException;

/**
 * An archived object could not be decoded: it is corrupt, was tampered with, belongs to another
 * file, needs a key the keyring lacks, or was written by a newer format version. The subclasses say
 * which; none of their messages contain key material. The {@link #kind()} is {@link
 * Kind#INTEGRITY}, or {@link Kind#CONFIGURATION} where the configured keys or the walarchive
 * version are at fault.
 */
public class ObjectFormatException extends WalArchiveException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that names the object and what is wrong. */
  public ObjectFormatException(String message) {
    super(message, Kind.INTEGRITY);
  }

  /** Creates an exception with a message and the underlying cause. */
  public ObjectFormatException(String message, Throwable cause) {
    super(message, Kind.INTEGRITY, cause);
  }

  /**
   * For subclasses whose failure is of another kind, e.g. {@link Kind#CONFIGURATION} for a key the
   * keyring lacks.
   */
  protected ObjectFormatException(String message, Kind kind, Throwable cause) {
    super(message, kind, cause);
  }
}
