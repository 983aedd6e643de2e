package dev.walarchive.core.format;

/**
 * The object was written for another file than the one it is being decoded as, for example an
 * object copied or renamed to another segment's key. Both names are in the message.
 */
public final class ObjectNameMismatchException extends ObjectFormatException {
  private static final long serialVersionUID = 1L;

  private final String expectedName;
  private final String actualName;

  /** Creates an exception naming the requested and the recorded file name. */
  public ObjectNameMismatchException(String expectedName, String actualName) {
    super(
        "object requested as '"
            + expectedName
            + "' was written for file '"
            + actualName
            + "': it was copied or renamed in the archive and must not be used as '"
            + expectedName
            + "'");
    this.expectedName = expectedName;
    this.actualName = actualName;
  }

  /** The file name the caller asked for. */
  public String expectedName() {
    return expectedName;
  }

  /** The file name recorded in the object's header. */
  public String actualName() {
    return actualName;
  }
}
