package dev.walarchive.core.format;

import static dev.walarchive.core.format.Objects.NAME;
import static dev.walarchive.core.format.Objects.decode;
import static dev.walarchive.core.format.Objects.encode;
import static dev.walarchive.core.testing.Properties.byteArrays;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Every way an object can be damaged or misused fails decoding with a specific exception. */
class ObjectCodecTamperTest {
  private static final int CHUNK_SIZE = 64;

  /** The four combinations of compression and encryption, each a multi-chunk object. */
  enum Variant {
    PLAIN(Compression.none(), Keyring.none()),
    ZSTD(Compression.zstdDefault(), Keyring.none()),
    ENCRYPTED(Compression.none(), Objects.RAW_K1),
    ZSTD_ENCRYPTED(Compression.zstdDefault(), Objects.RAW_K1);

    final ObjectCodec codec;
    final byte[] plaintext;
    final byte[] object;

    Variant(Compression compression, Keyring keyring) {
      codec = Objects.codec(compression, keyring, CHUNK_SIZE);
      plaintext = Objects.plaintext(700, 7, true);
      try {
        object = encode(codec, NAME, plaintext);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    boolean encrypted() {
      return codec.keyring().encrypts();
    }

    List<Integer> frames() {
      return Objects.frameOffsets(object, encrypted());
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void untouchedObjectsDecode(Variant v) throws IOException {
    assertThat(v.frames()).hasSizeGreaterThan(4);
    assertThat(decode(v.codec, NAME, v.object)).isEqualTo(v.plaintext);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void everySingleBitFlipIsDetected(Variant v) {
    for (int bit = 0; bit < v.object.length * 8; bit++) {
      assertFlipDetected(v, bit);
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void withoutThePlaintextDigestEverySingleBitFlipIsStillDetected(Variant v) throws IOException {
    try (var in = v.codec.decodeCheckedByCaller(NAME, new ByteArrayInputStream(v.object))) {
      assertThat(in.readAllBytes()).isEqualTo(v.plaintext);
      // the digest it reports is the authenticated trailer's, the one a full decode computes
      assertThat(ObjectCodec.verifiedHeader(in).digest())
          .isEqualTo(v.codec.readHeader(new ByteArrayInputStream(v.object)).digest());
    }
    for (int bit = 0; bit < v.object.length * 8; bit++) {
      byte[] flipped = v.object.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(
              () -> {
                try (var in =
                    v.codec.decodeCheckedByCaller(NAME, new ByteArrayInputStream(flipped))) {
                  in.readAllBytes();
                }
              })
          .as("bit %d of %d flipped", bit, v.object.length * 8)
          .isInstanceOf(ObjectIntegrityException.class);
    }
  }

  /** A variant and a bit position (any int, taken modulo the object's length in bits). */
  static Gen<int[]> bitPositionsOfLargeObjects() {
    return integers()
        .between(0, Variant.values().length - 1)
        .zip(
            Generate.oneOf(
                integers().between(0, Integer.MAX_VALUE), integers().between(0, 64 * 1024 * 8)),
            (variant, position) -> new int[] {variant, position})
        .describedAs(Arrays::toString);
  }

  @Test
  void flippedBitsAnywhereInALargeObjectAreDetected() {
    qt().withExamples(400)
        .forAll(bitPositionsOfLargeObjects(), integers().between(1, 3))
        .checkAssert(
            (choice, flips) -> {
              try {
                Variant v = Variant.values()[choice[0]];
                ObjectCodec codec =
                    Objects.codec(
                        v.codec.compression(), v.codec.keyring(), ObjectCodec.DEFAULT_CHUNK_SIZE);
                byte[] object = encode(codec, NAME, LARGE_PLAINTEXT);
                for (int i = 0; i < flips; i++) {
                  int bit = (int) ((choice[1] + (long) i * 7919) % (object.length * 8L));
                  object[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                assertThatThrownBy(() -> decode(codec, NAME, object))
                    .isInstanceOf(ObjectIntegrityException.class);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  private static final byte[] LARGE_PLAINTEXT = Objects.plaintext(300_000, 3, false);

  @ParameterizedTest
  @EnumSource(Variant.class)
  void everyTruncationIsDetected(Variant v) {
    for (int length = 0; length < v.object.length; length++) {
      byte[] truncated = Arrays.copyOf(v.object, length);
      assertThatThrownBy(() -> decode(v.codec, NAME, truncated))
          .as("truncated to %d of %d bytes", length, v.object.length)
          .isInstanceOf(ObjectIntegrityException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void truncationAtChunkBoundariesSaysTheFinalChunkIsMissing(Variant v) {
    List<Integer> frames = v.frames();
    for (int i = 1; i < frames.size() - 1; i++) {
      byte[] truncated = Arrays.copyOf(v.object, frames.get(i));
      assertThatThrownBy(() -> decode(v.codec, NAME, truncated))
          .isInstanceOf(ObjectIntegrityException.class)
          .hasMessageContaining("truncated")
          .hasMessageContaining("without its final chunk");
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void appendedBytesAreDetected(Variant v) {
    List<Integer> frames = v.frames();
    byte[] lastFrame = Arrays.copyOfRange(v.object, frames.get(frames.size() - 2), v.object.length);
    for (byte[] suffix : List.of(new byte[1], new byte[] {1, 2, 3}, lastFrame, v.object)) {
      byte[] extended = Arrays.copyOf(v.object, v.object.length + suffix.length);
      System.arraycopy(suffix, 0, extended, v.object.length, suffix.length);
      assertThatThrownBy(() -> decode(v.codec, NAME, extended))
          .isInstanceOf(ObjectIntegrityException.class)
          .hasMessageContaining("after its final chunk");
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void swappedDroppedOrRepeatedChunksAreDetected(Variant v) {
    List<Integer> frames = v.frames();
    int dataChunks = frames.size() - 2;
    for (int a = 0; a < dataChunks; a++) {
      for (int b = a + 1; b < dataChunks; b++) {
        byte[] swapped = swap(v.object, frames, a, b);
        if (Arrays.equals(swapped, v.object)) {
          continue;
        }
        int first = a;
        int second = b;
        assertThatThrownBy(() -> decode(v.codec, NAME, swapped))
            .as("chunks %d and %d swapped", first, second)
            .isInstanceOf(ObjectIntegrityException.class);
      }
    }
    for (int a = 0; a < dataChunks; a++) {
      byte[] dropped = remove(v.object, frames.get(a), frames.get(a + 1));
      assertThatThrownBy(() -> decode(v.codec, NAME, dropped))
          .isInstanceOf(ObjectIntegrityException.class);
    }
    byte[] repeated = insert(v.object, frames.get(1), frames.get(0), frames.get(1));
    assertThatThrownBy(() -> decode(v.codec, NAME, repeated))
        .isInstanceOf(ObjectIntegrityException.class);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void chunksOfAnotherObjectOfTheSameFileAreDetected(Variant v) throws IOException {
    byte[] other = encode(v.codec, NAME, v.plaintext);
    List<Integer> frames = v.frames();
    byte[] spliced = v.object.clone();
    System.arraycopy(other, frames.get(1), spliced, frames.get(1), frames.get(2) - frames.get(1));
    if (v.encrypted()) {
      assertThatThrownBy(() -> decode(v.codec, NAME, spliced))
          .isInstanceOf(ObjectIntegrityException.class);
    } else {
      // unencrypted objects of the same content are identical: splicing changes nothing
      assertThat(spliced).isEqualTo(v.object);
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void objectsDecodedUnderAnotherNameAreRefused(Variant v) {
    assertThatThrownBy(() -> decode(v.codec, "000000010000000A000000FE", v.object))
        .isInstanceOfSatisfying(
            ObjectNameMismatchException.class,
            e -> {
              assertThat(e.expectedName()).isEqualTo("000000010000000A000000FE");
              assertThat(e.actualName()).isEqualTo(NAME);
            })
        .hasMessageContaining("000000010000000A000000FE")
        .hasMessageContaining(NAME);
  }

  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"ENCRYPTED", "ZSTD_ENCRYPTED"})
  void aRenamedObjectWithARepairedHeaderChecksumFailsAuthentication(Variant v) {
    // what someone who can write to the storage but has no key could do
    byte[] renamed = v.object.clone();
    int nameOffset = indexOf(renamed, NAME.getBytes());
    renamed[nameOffset + NAME.length() - 1] = 'E';
    Objects.fixHeaderCrc(renamed);

    assertThatThrownBy(() -> decode(v.codec, "000000010000000A000000FE", renamed))
        .isInstanceOf(ObjectIntegrityException.class)
        .hasMessageContaining("chunk 0 failed authentication");
  }

  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"ENCRYPTED", "ZSTD_ENCRYPTED"})
  void aChangedHeaderFieldWithARepairedChecksumFailsAuthentication(Variant v) {
    byte[] changed = v.object.clone();
    int chunkSizeOffset = HeaderV1.PREFIX_LENGTH + 2;
    ByteBuffer.wrap(changed, chunkSizeOffset, 4).putInt(CHUNK_SIZE * 2);
    Objects.fixHeaderCrc(changed);

    assertThatThrownBy(() -> decode(v.codec, NAME, changed))
        .isInstanceOf(ObjectIntegrityException.class);
  }

  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"ENCRYPTED", "ZSTD_ENCRYPTED"})
  void aWrongKeyUnderTheRightIdIsReportedAsProbablyWrong(Variant v) {
    ObjectCodec wrong =
        Objects.codec(
            v.codec.compression(),
            Keyring.builder().addKey("k1", Objects.KEY_1_OTHER).build(),
            CHUNK_SIZE);

    assertThatThrownBy(() -> wrong.decode(NAME, new ByteArrayInputStream(v.object)))
        .isInstanceOfSatisfying(WrongKeyException.class, e -> assertThat(e.keyId()).isEqualTo("k1"))
        .isInstanceOf(ObjectIntegrityException.class)
        .hasMessageContaining("'k1'")
        .hasMessageContaining("probably wrong")
        .message()
        .doesNotContain(Base64.getEncoder().encodeToString(Objects.KEY_1_OTHER))
        .doesNotContain(Base64.getEncoder().encodeToString(Objects.KEY_1));
  }

  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"ENCRYPTED", "ZSTD_ENCRYPTED"})
  void aMissingKeyIsNamed(Variant v) {
    for (Keyring keyring :
        List.of(Keyring.none(), Keyring.builder().addKey("k2", Objects.KEY_2).build())) {
      ObjectCodec codec = new ObjectCodec(Compression.none(), keyring);
      assertThatThrownBy(() -> codec.decode(NAME, new ByteArrayInputStream(v.object)))
          .isInstanceOfSatisfying(
              UnknownKeyException.class, e -> assertThat(e.keyId()).isEqualTo("k1"))
          .hasMessageContaining("key id 'k1'")
          .hasMessageContaining(NAME);
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void aNewerFormatVersionAsksForAnUpgrade(Variant v) {
    for (int version : new int[] {2, 3, 65535}) {
      byte[] newer = v.object.clone();
      ByteBuffer.wrap(newer, 8, 2).putShort((short) version);
      Objects.fixHeaderCrc(newer);
      assertThatThrownBy(() -> decode(v.codec, NAME, newer))
          .isInstanceOfSatisfying(
              UnsupportedFormatVersionException.class,
              e -> assertThat(e.formatVersion()).isEqualTo(version))
          .hasMessageContaining("written by a newer walarchive (format " + version)
          .hasMessageContaining("upgrade");
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void formatVersionZeroIsCorrupt(Variant v) {
    byte[] zero = v.object.clone();
    ByteBuffer.wrap(zero, 8, 2).putShort((short) 0);
    Objects.fixHeaderCrc(zero);
    assertThatThrownBy(() -> decode(v.codec, NAME, zero))
        .isInstanceOf(ObjectIntegrityException.class);
  }

  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"PLAIN", "ZSTD"})
  void anEncryptingKeyringRefusesUnencryptedObjectsUnlessAllowed(Variant v) throws IOException {
    ObjectCodec strict = new ObjectCodec(Compression.none(), Objects.RAW_K1);
    ObjectCodec lenient =
        new ObjectCodec(
            Compression.none(),
            Keyring.builder().addKey("k1", Objects.KEY_1).allowUnencryptedObjects(true).build());

    assertThatThrownBy(() -> decode(strict, NAME, v.object))
        .isInstanceOf(ObjectIntegrityException.class)
        .hasMessageContaining("not encrypted");
    assertThat(decode(lenient, NAME, v.object)).isEqualTo(v.plaintext);
  }

  /** Up to 300 bytes: none, a few, or any, and runs of zeros or of the magic's first byte. */
  static Gen<byte[]> junk() {
    return Generate.oneOf(
            byteArrays(0, 300),
            byteArrays(0, 8),
            integers().between(0, 300).map(n -> new byte[n]),
            integers().between(1, 300).map(n -> repeat(HeaderV1.MAGIC[0], n)))
        .describedAs(Arrays::toString);
  }

  private static byte[] repeat(byte b, int n) {
    byte[] bytes = new byte[n];
    Arrays.fill(bytes, b);
    return bytes;
  }

  @Test
  void arbitraryBytesAreNeverAcceptedAsAnObject() {
    qt().withExamples(50)
        .forAll(junk())
        .checkAssert(
            junk -> {
              ObjectCodec codec = Variant.PLAIN.codec;
              assertThatThrownBy(() -> decode(codec, NAME, junk))
                  .isInstanceOf(ObjectFormatException.class);
              byte[] withMagic = Arrays.copyOf(HeaderV1.MAGIC, HeaderV1.MAGIC.length + junk.length);
              System.arraycopy(junk, 0, withMagic, HeaderV1.MAGIC.length, junk.length);
              assertThatThrownBy(() -> decode(codec, NAME, withMagic))
                  .isInstanceOf(ObjectIntegrityException.class);
            });
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void aFailedStreamKeepsFailing(Variant v) throws IOException {
    byte[] truncated = Arrays.copyOf(v.object, v.frames().get(2) + 5);
    var in = v.codec.decode(NAME, new ByteArrayInputStream(truncated));
    assertThatThrownBy(in::readAllBytes).isInstanceOf(ObjectIntegrityException.class);
    assertThatThrownBy(in::read).isInstanceOf(ObjectIntegrityException.class);
  }

  private static void assertFlipDetected(Variant v, int bit) {
    byte[] flipped = v.object.clone();
    flipped[bit / 8] ^= (byte) (1 << (bit % 8));
    assertThatThrownBy(() -> decode(v.codec, NAME, flipped))
        .as("bit %d of %d flipped", bit, v.object.length * 8)
        .isInstanceOf(ObjectIntegrityException.class);
  }

  private static byte[] swap(byte[] object, List<Integer> frames, int a, int b) {
    byte[] frameA = Arrays.copyOfRange(object, frames.get(a), frames.get(a + 1));
    byte[] frameB = Arrays.copyOfRange(object, frames.get(b), frames.get(b + 1));
    byte[] result = new byte[object.length];
    int out = 0;
    for (int i = 0; i < frames.size() - 1; i++) {
      if (i == 0) {
        System.arraycopy(object, 0, result, 0, frames.get(0));
        out = frames.get(0);
      }
      byte[] frame =
          i == a
              ? frameB
              : i == b ? frameA : Arrays.copyOfRange(object, frames.get(i), frames.get(i + 1));
      System.arraycopy(frame, 0, result, out, frame.length);
      out += frame.length;
    }
    return result;
  }

  private static byte[] remove(byte[] object, int from, int to) {
    byte[] result = new byte[object.length - (to - from)];
    System.arraycopy(object, 0, result, 0, from);
    System.arraycopy(object, to, result, from, object.length - to);
    return result;
  }

  private static byte[] insert(byte[] object, int at, int from, int to) {
    byte[] result = new byte[object.length + (to - from)];
    System.arraycopy(object, 0, result, 0, at);
    System.arraycopy(object, from, result, at, to - from);
    System.arraycopy(object, at, result, at + (to - from), object.length - at);
    return result;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
