package dev.walarchive.core.format;

/** The object was written by a newer walarchive, in a format version this one cannot read. */
public final class UnsupportedFormatVersionException extends ObjectFormatException {
  private static final long serialVersionUID = 1L;

  private final int formatVersion;

  /** Creates an exception for an object of the given format version. */
  public UnsupportedFormatVersionException(String objectName, int formatVersion) {
    super(
        "object "
            + objectName
            + " was written by a newer walarchive (format "
            + formatVersion
            + "; this version reads format "
            + ObjectCodec.FORMAT_VERSION
            + "); upgrade walarchive to read it",
        Kind.CONFIGURATION,
        null);
    this.formatVersion = formatVersion;
  }

  /** The format version recorded in the object. */
  public int formatVersion() {
    return formatVersion;
  }
}
