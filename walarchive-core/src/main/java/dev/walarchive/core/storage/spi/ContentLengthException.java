package dev.walarchive.core.storage.spi;

import dev.walarchive.core.storage.ArchiveStorageException;

/**
 * The content handed to {@link dev.walarchive.core.storage.ArchiveStorage#create} does not have the
 * length its {@link dev.walarchive.core.storage.ObjectSource} declares (the file changed while it
 * was read, or the source is wrong); nothing was stored. Of kind {@link Kind#INVALID_INPUT}.
 */
public final class ContentLengthException extends ArchiveStorageException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final long declared;

  /**
   * @param key the key being created
   * @param declared the declared length
   * @param longer whether the content is longer (else shorter) than declared
   * @param read bytes read before the mismatch showed (for a shorter content: all there were)
   */
  public ContentLengthException(String key, long declared, boolean longer, long read) {
    super(
        "content of "
            + key
            + " has "
            + (longer ? "more than " + declared : String.valueOf(read))
            + " bytes, expected "
            + declared
            + "; nothing was stored",
        Kind.INVALID_INPUT,
        null);
    this.key = key;
    this.declared = declared;
  }

  /** The key that was being created. */
  public String key() {
    return key;
  }

  /** The length the content declared. */
  public long declared() {
    return declared;
  }
}
