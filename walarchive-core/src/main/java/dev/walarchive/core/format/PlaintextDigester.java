package dev.walarchive.core.format;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Computes a {@link Digest} of a plaintext incrementally. */
abstract class PlaintextDigester {
  abstract void update(byte[] bytes, int offset, int length);

  abstract Digest finish();

  /** {@code value} as a digest of this digester's scheme (and key id), computed elsewhere. */
  abstract Digest of(byte[] value);

  static PlaintextDigester sha256() {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return new PlaintextDigester() {
        @Override
        void update(byte[] bytes, int offset, int length) {
          sha256.update(bytes, offset, length);
        }

        @Override
        Digest finish() {
          return Digest.sha256(sha256.digest());
        }

        @Override
        Digest of(byte[] value) {
          return Digest.sha256(value);
        }
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  static PlaintextDigester hmacSha256(String keyId, byte[] digestKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(digestKey, "HmacSHA256"));
      return new PlaintextDigester() {
        @Override
        void update(byte[] bytes, int offset, int length) {
          mac.update(bytes, offset, length);
        }

        @Override
        Digest finish() {
          return Digest.hmacSha256(keyId, mac.doFinal());
        }

        @Override
        Digest of(byte[] value) {
          return Digest.hmacSha256(keyId, value);
        }
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
