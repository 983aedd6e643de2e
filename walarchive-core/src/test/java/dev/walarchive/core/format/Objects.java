package dev.walarchive.core.format;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

/** Test helpers: fixed keys, codecs, plaintexts, encoding and decoding in memory, object layout. */
final class Objects {
  static final String NAME = "000000010000000A000000FF";
  static final byte[] KEY_1 = sequence(0x00, 32);
  static final byte[] KEY_2 = sequence(0x40, 32);
  static final byte[] KEY_1_OTHER = sequence(0x80, 32);

  /** Passphrase keys with tiny Argon2id costs so that tests stay fast. */
  static final int TEST_MEMORY_KIB = 64;

  static final int TEST_ITERATIONS = 1;

  static final Keyring RAW_K1 = Keyring.builder().addKey("k1", KEY_1).build();
  static final Keyring PASSPHRASE_P1 =
      Keyring.builder()
          .addPassphrase(
              "p1",
              "correct horse battery staple".toCharArray(),
              TEST_MEMORY_KIB,
              TEST_ITERATIONS,
              1)
          .build();

  private Objects() {}

  static byte[] sequence(int start, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (start + i);
    }
    return bytes;
  }

  /** Random bytes, or (compressible) text-like bytes, of the given length. */
  static byte[] plaintext(int length, long seed, boolean compressible) {
    Random random = new Random(seed);
    byte[] bytes = new byte[length];
    if (!compressible) {
      random.nextBytes(bytes);
      return bytes;
    }
    String[] words = {"wal ", "segment ", "0000000100000000 ", "checkpoint ", "\n", "tuple "};
    int i = 0;
    while (i < length) {
      byte[] word = words[random.nextInt(words.length)].getBytes();
      int n = Math.min(word.length, length - i);
      System.arraycopy(word, 0, bytes, i, n);
      i += n;
    }
    return bytes;
  }

  static ObjectCodec codec(Compression compression, Keyring keyring, int chunkSize) {
    Random random = new Random(42);
    return new ObjectCodec(compression, keyring, random::nextBytes, chunkSize);
  }

  static byte[] encode(ObjectCodec codec, String name, byte[] plaintext) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncodeResult result = codec.encode(name, new ByteArrayInputStream(plaintext), out);
    if (result.encodedLength() != out.size()) {
      throw new AssertionError("encodedLength " + result.encodedLength() + " != " + out.size());
    }
    return out.toByteArray();
  }

  static byte[] decode(ObjectCodec codec, String name, byte[] object) throws IOException {
    try (var in = codec.decode(name, new ByteArrayInputStream(object))) {
      return in.readAllBytes();
    }
  }

  /** Offset of the first frame: envelope prefix, header body, CRC. */
  static int headerLength(byte[] object) {
    return HeaderV1.PREFIX_LENGTH + ByteBuffer.wrap(object, 10, 4).getInt() + 4;
  }

  /** Start offsets of every frame, followed by the object's length. */
  static List<Integer> frameOffsets(byte[] object, boolean encrypted) {
    int overhead = encrypted ? ChunkCrypto.GCM_TAG_LENGTH : ChunkCrypto.CRC_LENGTH;
    List<Integer> offsets = new ArrayList<>();
    int offset = headerLength(object);
    while (offset < object.length) {
      offsets.add(offset);
      int length = ByteBuffer.wrap(object, offset, 4).getInt() & 0x7fffffff;
      offset += 4 + length + overhead;
    }
    offsets.add(offset);
    return offsets;
  }

  /** Rewrites the header's CRC after the header was modified on purpose. */
  static void fixHeaderCrc(byte[] object) {
    int crcOffset = headerLength(object) - 4;
    CRC32C crc = new CRC32C();
    crc.update(object, 0, crcOffset);
    ByteBuffer.wrap(object, crcOffset, 4).putInt((int) crc.getValue());
  }
}
