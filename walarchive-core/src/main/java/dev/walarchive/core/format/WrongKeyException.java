package dev.walarchive.core.format;

/**
 * The keyring holds a key with the object's key id, but not the key the object was encrypted with:
 * the key or passphrase configured for that id is probably wrong. Detected from a key check value
 * in the object's header before any data is decrypted.
 */
public final class WrongKeyException extends ObjectIntegrityException {
  private static final long serialVersionUID = 1L;

  private final String keyId;

  /** Creates an exception for the given key id; the message names the id, never the key. */
  public WrongKeyException(String keyId, String message) {
    super(message, Kind.CONFIGURATION);
    this.keyId = keyId;
  }

  /** The key id whose key did not match. */
  public String keyId() {
    return keyId;
  }
}
