package dev.walarchive.core.format;

/**
 * The object was encrypted (or its digest keyed) with a key id the keyring does not hold. The
 * message names the missing key id, never any key.
 */
public final class UnknownKeyException extends ObjectFormatException {
  private static final long serialVersionUID = 1L;

  private final String keyId;

  /** Creates an exception for the missing key id with a message saying what needs it. */
  public UnknownKeyException(String keyId, String message) {
    super(message, Kind.CONFIGURATION, null);
    this.keyId = keyId;
  }

  /** The key id that is not in the keyring. */
  public String keyId() {
    return keyId;
  }
}
