package dev.walarchive.core.format;

/**
 * The object's bytes are not what the writer produced: a flipped bit, a truncated or extended
 * object, reordered chunks, or a plaintext whose length or digest differs from the one recorded
 * when it was written. Such an object must not be used.
 */
public class ObjectIntegrityException extends ObjectFormatException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that names the object and what failed. */
  public ObjectIntegrityException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the underlying cause. */
  public ObjectIntegrityException(String message, Throwable cause) {
    super(message, cause);
  }

  /** For subclasses whose failure is of another kind. */
  protected ObjectIntegrityException(String message, Kind kind) {
    super(message, kind, null);
  }
}
