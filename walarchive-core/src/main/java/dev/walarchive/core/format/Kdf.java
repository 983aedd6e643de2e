package dev.walarchive.core.format;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The key derivations of format v1: HKDF-SHA256 (RFC 5869, on the JDK's HmacSHA256) and Argon2id
 * (from Bouncy Castle, for passphrase keys only).
 *
 * <p>HKDF was Bouncy Castle's too; it is the JDK's HMAC now because Bouncy Castle's jar is signed:
 * the JVM verifies its signature, in the interpreter, before the first class loads from it, and
 * every encrypted fetch and push needed HKDF first (measured: about 0.1 to 0.2 s of the start of
 * each CLI call and of the async worker, on 2 cores). The bytes derived are the same
 * (KnownAnswerVectorsTest).
 */
final class Kdf {
  static final int KEY_LENGTH = 32;
  static final int KEY_CHECK_LENGTH = 16;

  private static final byte[] INFO_DATA_KEY = "walarchive v1 data key".getBytes(US_ASCII);
  private static final byte[] INFO_KEY_CHECK = "walarchive v1 key check".getBytes(US_ASCII);
  private static final byte[] INFO_DIGEST_KEY = "walarchive v1 digest key".getBytes(US_ASCII);
  private static final byte[] INFO_ARCHIVE_KEY_CHECK =
      "walarchive v1 archive key check".getBytes(US_ASCII);
  private static final byte[] ARCHIVE_KEY_CHECK_LABEL =
      "walarchive archive key check value".getBytes(US_ASCII);
  private static final byte[] PASSPHRASE_SALT_DOMAIN =
      "walarchive v1 passphrase salt\0".getBytes(US_ASCII);

  private Kdf() {}

  /** The AES-256 key of one object: HKDF(master, objectSalt, "walarchive v1 data key"). */
  static byte[] dataKey(byte[] master, byte[] objectSalt) {
    return hkdf(master, objectSalt, INFO_DATA_KEY, KEY_LENGTH);
  }

  /**
   * A value recorded in the header that tells a wrong key from a damaged object before anything is
   * decrypted (and commits the object to one key, which GCM alone does not).
   */
  static byte[] keyCheck(byte[] master, byte[] objectSalt) {
    return hkdf(master, objectSalt, INFO_KEY_CHECK, KEY_CHECK_LENGTH);
  }

  /**
   * The HMAC key of plaintext digests. It depends on the master key only (no per-object salt) so
   * that the same file always has the same digest under the same key id.
   */
  static byte[] digestKey(byte[] master) {
    return hkdf(master, null, INFO_DIGEST_KEY, KEY_LENGTH);
  }

  /**
   * The key check value an archive manifest records for a key id: HMAC-SHA256 of a fixed label
   * under HKDF(master, archiveSalt, "walarchive v1 archive key check"). It proves that a key is the
   * one the archive was written with and, being a MAC under a derived key, reveals nothing about
   * the key; the per-archive salt keeps values of one key unrelated across archives.
   */
  static byte[] archiveKeyCheck(byte[] master, byte[] archiveSalt) {
    byte[] key = hkdf(master, archiveSalt, INFO_ARCHIVE_KEY_CHECK, KEY_LENGTH);
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(ARCHIVE_KEY_CHECK_LABEL);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    } finally {
      java.util.Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * The Argon2id salt of a passphrase key: derived from its key id, so that every process using the
   * same passphrase and key id derives the same master key (and so the same digests) without
   * sharing state. It is recorded in each object's header nonetheless, so that a later version may
   * choose salts differently and still read today's objects.
   */
  static byte[] passphraseSalt(String keyId) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(PASSPHRASE_SALT_DOMAIN);
      sha256.update(keyId.getBytes(US_ASCII));
      byte[] salt = new byte[KdfSpec.SALT_LENGTH];
      System.arraycopy(sha256.digest(), 0, salt, 0, salt.length);
      return salt;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  static byte[] argon2id(byte[] passphrase, KdfSpec spec) {
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withSalt(spec.salt())
            .withMemoryAsKB(spec.memoryKiB())
            .withIterations(spec.iterations())
            .withParallelism(spec.parallelism())
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] master = new byte[KEY_LENGTH];
    generator.generateBytes(passphrase, master);
    return master;
  }

  static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
    if (length < 1 || length > 255 * 32) {
      throw new IllegalArgumentException("HKDF-SHA256 output length out of range: " + length);
    }
    byte[] prk = null;
    byte[] block = new byte[0];
    try {
      // extract: PRK = HMAC(salt, IKM); no salt means HashLen zeros (RFC 5869, 2.2)
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(salt == null || salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      prk = mac.doFinal(ikm);
      // expand: T(i) = HMAC(PRK, T(i-1) | info | i)
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      byte[] out = new byte[length];
      int done = 0;
      for (int i = 1; done < length; i++) {
        mac.update(block);
        if (info != null) {
          mac.update(info);
        }
        mac.update((byte) i);
        Arrays.fill(block, (byte) 0);
        block = mac.doFinal();
        int n = Math.min(block.length, length - done);
        System.arraycopy(block, 0, out, done, n);
        done += n;
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    } finally {
      if (prk != null) {
        Arrays.fill(prk, (byte) 0);
      }
      Arrays.fill(block, (byte) 0);
    }
  }
}
