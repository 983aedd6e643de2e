package dev.walarchive.core.format;

import java.security.GeneralSecurityException;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the chunks of one object. Encrypted: AES-256-GCM under the object's data key,
 * nonce = chunk index (u64) followed by the final flag (u32), associated data = header hash.
 * Unencrypted: the payload in the clear followed by a CRC32C over header hash, chunk index, frame
 * prefix and payload. Either way a chunk cannot be moved to another position, promoted to or
 * demoted from final, or moved to another object, without detection.
 *
 * <p>One instance per stream; the Cipher is created once and re-initialised per chunk.
 */
abstract class ChunkCrypto {
  static final int GCM_TAG_LENGTH = 16;
  static final int CRC_LENGTH = 4;

  final byte[] headerHash;

  private ChunkCrypto(byte[] headerHash) {
    this.headerHash = headerHash;
  }

  static ChunkCrypto gcm(byte[] dataKey, byte[] headerHash) {
    return new Gcm(dataKey, headerHash);
  }

  static ChunkCrypto crc(byte[] headerHash) {
    return new Crc(headerHash);
  }

  /** Bytes a sealed chunk has beyond its payload. */
  abstract int overhead();

  /**
   * Seals {@code length} payload bytes into {@code out} at {@code outOffset}; returns the sealed
   * length (payload + overhead). {@code prefix} is the frame's length-and-flag word.
   */
  abstract int seal(
      long index, int prefix, byte[] in, int inOffset, int length, byte[] out, int outOffset);

  /**
   * Opens a sealed chunk of {@code sealedLength} bytes into {@code out}; returns the payload length
   * or -1 if the chunk is not authentic.
   */
  abstract int open(long index, int prefix, byte[] in, int sealedLength, byte[] out);

  private static final class Gcm extends ChunkCrypto {
    private final SecretKeySpec key;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];

    Gcm(byte[] dataKey, byte[] headerHash) {
      super(headerHash);
      this.key = new SecretKeySpec(dataKey, "AES");
      try {
        this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES/GCM/NoPadding is not available", e);
      }
    }

    @Override
    int overhead() {
      return GCM_TAG_LENGTH;
    }

    private void init(int mode, long index, int prefix) throws GeneralSecurityException {
      for (int i = 0; i < 8; i++) {
        nonce[i] = (byte) (index >>> (56 - 8 * i));
      }
      nonce[8] = 0;
      nonce[9] = 0;
      nonce[10] = 0;
      nonce[11] = (byte) (prefix < 0 ? 1 : 0);
      cipher.init(mode, key, new GCMParameterSpec(GCM_TAG_LENGTH * 8, nonce));
      cipher.updateAAD(headerHash);
    }

    @Override
    int seal(long index, int prefix, byte[] in, int inOffset, int length, byte[] out, int outOff) {
      try {
        init(Cipher.ENCRYPT_MODE, index, prefix);
        return cipher.doFinal(in, inOffset, length, out, outOff);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM encryption failed", e);
      }
    }

    @Override
    int open(long index, int prefix, byte[] in, int sealedLength, byte[] out) {
      try {
        init(Cipher.DECRYPT_MODE, index, prefix);
        return cipher.doFinal(in, 0, sealedLength, out, 0);
      } catch (AEADBadTagException e) {
        return -1;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM decryption failed", e);
      }
    }
  }

  private static final class Crc extends ChunkCrypto {
    private final CRC32C crc = new CRC32C();
    private final byte[] word = new byte[12];

    Crc(byte[] headerHash) {
      super(headerHash);
    }

    @Override
    int overhead() {
      return CRC_LENGTH;
    }

    private int checksum(long index, int prefix, byte[] payload, int offset, int length) {
      crc.reset();
      crc.update(headerHash);
      for (int i = 0; i < 8; i++) {
        word[i] = (byte) (index >>> (56 - 8 * i));
      }
      for (int i = 0; i < 4; i++) {
        word[8 + i] = (byte) (prefix >>> (24 - 8 * i));
      }
      crc.update(word);
      crc.update(payload, offset, length);
      return (int) crc.getValue();
    }

    @Override
    int seal(long index, int prefix, byte[] in, int inOffset, int length, byte[] out, int outOff) {
      System.arraycopy(in, inOffset, out, outOff, length);
      int value = checksum(index, prefix, in, inOffset, length);
      for (int i = 0; i < 4; i++) {
        out[outOff + length + i] = (byte) (value >>> (24 - 8 * i));
      }
      return length + CRC_LENGTH;
    }

    @Override
    int open(long index, int prefix, byte[] in, int sealedLength, byte[] out) {
      int length = sealedLength - CRC_LENGTH;
      int stored = 0;
      for (int i = 0; i < 4; i++) {
        stored = stored << 8 | (in[length + i] & 0xff);
      }
      if (stored != checksum(index, prefix, in, 0, length)) {
        return -1;
      }
      System.arraycopy(in, 0, out, 0, length);
      return length;
    }
  }
}
