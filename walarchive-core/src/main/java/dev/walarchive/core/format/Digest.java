package dev.walarchive.core.format;

import static java.util.Objects.requireNonNull;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The digest of an archived file's plaintext, as recorded in its object and in the storage object's
 * metadata. Without encryption it is the SHA-256 of the plaintext ({@code sha256:<hex>}). With
 * encryption it is an HMAC-SHA256 under a key derived from the master key ({@code
 * hmac-sha256:<keyId>:<hex>}), so that it reveals nothing about the plaintext to whoever lacks the
 * key. Two digests are comparable only if they have the same algorithm and key id; see {@link
 * ObjectCodec#digest}.
 *
 * @param algorithm {@value #SHA256} or {@value #HMAC_SHA256}
 * @param keyId the key id of the HMAC key, null for {@value #SHA256}
 * @param value the 32-byte digest value (copied in and out)
 */
public record Digest(String algorithm, String keyId, byte[] value) {
  /** Plain SHA-256 of the plaintext, used for unencrypted objects. */
  public static final String SHA256 = "sha256";

  /** HMAC-SHA256 under a key derived from a master key, used for encrypted objects. */
  public static final String HMAC_SHA256 = "hmac-sha256";

  private static final int LENGTH = 32;
  private static final Pattern FORM =
      Pattern.compile("(sha256|hmac-sha256:([A-Za-z0-9._-]{1,64})):([0-9a-f]{64})");

  public Digest {
    requireNonNull(algorithm, "algorithm is null");
    requireNonNull(value, "value is null");
    if (algorithm.equals(SHA256)) {
      if (keyId != null) {
        throw new IllegalArgumentException("a sha256 digest has no key id, got '" + keyId + "'");
      }
    } else if (algorithm.equals(HMAC_SHA256)) {
      requireNonNull(keyId, "keyId is null for an hmac-sha256 digest");
      Keyring.checkKeyId(keyId);
    } else {
      throw new IllegalArgumentException(
          "unknown digest algorithm '" + algorithm + "': expected sha256 or hmac-sha256");
    }
    if (value.length != LENGTH) {
      throw new IllegalArgumentException(
          "digest value has " + value.length + " bytes, expected " + LENGTH);
    }
    value = value.clone();
  }

  /** A SHA-256 digest with the given 32-byte value. */
  public static Digest sha256(byte[] value) {
    return new Digest(SHA256, null, value);
  }

  /** An HMAC-SHA256 digest under the key derived from key {@code keyId}. */
  public static Digest hmacSha256(String keyId, byte[] value) {
    return new Digest(HMAC_SHA256, keyId, value);
  }

  /**
   * Parses the form {@link #toString()} prints: {@code sha256:<64 hex digits>} or {@code
   * hmac-sha256:<keyId>:<64 hex digits>}, lowercase hex.
   *
   * @throws IllegalArgumentException naming the input if it is not in that form
   */
  public static Digest parse(String text) {
    requireNonNull(text, "text is null");
    var matcher = FORM.matcher(text);
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "invalid digest '"
              + text
              + "': expected sha256:<64 lowercase hex digits> or"
              + " hmac-sha256:<key id>:<64 lowercase hex digits>");
    }
    byte[] value = Hex.decodeLowercase(matcher.group(3));
    return matcher.group(2) == null ? sha256(value) : hmacSha256(matcher.group(2), value);
  }

  /** A copy of the 32-byte digest value. */
  @Override
  public byte[] value() {
    return value.clone();
  }

  /** Whether {@code other} was computed with the same algorithm and key id. */
  public boolean sameScheme(Digest other) {
    return algorithm.equals(other.algorithm) && java.util.Objects.equals(keyId, other.keyId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest other
        && algorithm.equals(other.algorithm)
        && java.util.Objects.equals(keyId, other.keyId)
        && MessageDigest.isEqual(value, other.value);
  }

  @Override
  public int hashCode() {
    return (algorithm.hashCode() * 31 + java.util.Objects.hashCode(keyId)) * 31
        + Arrays.hashCode(value);
  }

  /** {@code sha256:<hex>} or {@code hmac-sha256:<keyId>:<hex>}. */
  @Override
  public String toString() {
    return keyId == null
        ? algorithm + ":" + Hex.encode(value)
        : algorithm + ":" + keyId + ":" + Hex.encode(value);
  }
}
