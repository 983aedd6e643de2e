package dev.walarchive.core.format;

import static dev.walarchive.core.testing.Properties.anyLong;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.walarchive.core.testing.Properties;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class ObjectCodecRoundTripTest {
  enum Encryption {
    NONE,
    RAW_KEY,
    PASSPHRASE
  }

  enum ReadStyle {
    ALL,
    ONE_BYTE,
    ODD_BUFFERS
  }

  record Case(
      int chunkSize,
      int size,
      Compression compression,
      Encryption encryption,
      long seed,
      boolean compressible,
      ReadStyle readStyle) {}

  /** Sizes around every chunk boundary, or anything up to four chunks, for each chunk size. */
  static Gen<Case> cases() {
    Gen<Integer> chunkSizes = Properties.oneOf(64, 1000, ObjectCodec.DEFAULT_CHUNK_SIZE);
    Gen<Compression> compressions =
        Properties.oneOf(
            Compression.none(),
            Compression.zstd(1),
            Compression.zstdDefault(),
            Compression.zstd(-5),
            Compression.zstd(19));
    Gen<Encryption> encryptions = Generate.enumValues(Encryption.class);
    Gen<Long> seeds = anyLong();
    Gen<Boolean> compressible = Generate.booleans();
    Gen<ReadStyle> readStyles = Generate.enumValues(ReadStyle.class);
    return chunkSizes.flatMap(
        chunkSize -> {
          Gen<Integer> sizes =
              Generate.oneOf(
                  Properties.oneOf(
                      0,
                      1,
                      chunkSize - 1,
                      chunkSize,
                      chunkSize + 1,
                      2 * chunkSize,
                      3 * chunkSize + 1),
                  integers().between(0, 4 * chunkSize));
          return in ->
              new Case(
                  chunkSize,
                  sizes.generate(in),
                  compressions.generate(in),
                  encryptions.generate(in),
                  seeds.generate(in),
                  compressible.generate(in),
                  readStyles.generate(in));
        });
  }

  private static Keyring keyring(Encryption encryption) {
    return switch (encryption) {
      case NONE -> Keyring.none();
      case RAW_KEY -> Objects.RAW_K1;
      case PASSPHRASE -> Objects.PASSPHRASE_P1;
    };
  }

  @Test
  void decodeReturnsWhatWasEncoded() {
    qt().withExamples(300)
        .forAll(cases())
        .checkAssert(
            c -> {
              try {
                byte[] plaintext = Objects.plaintext(c.size(), c.seed(), c.compressible());
                ObjectCodec codec =
                    Objects.codec(c.compression(), keyring(c.encryption()), c.chunkSize());

                ByteArrayOutputStream out = new ByteArrayOutputStream();
                EncodeResult result =
                    codec.encode(Objects.NAME, new ByteArrayInputStream(plaintext), out);
                byte[] object = out.toByteArray();

                assertThat(result.plaintextLength()).isEqualTo(plaintext.length);
                assertThat(result.encodedLength()).isEqualTo(object.length);
                assertThat(result.digest())
                    .isEqualTo(codec.digestOf(new ByteArrayInputStream(plaintext)));
                try (InputStream in =
                    codec.decode(Objects.NAME, new ByteArrayInputStream(object))) {
                  assertThat(read(in, c.readStyle(), c.seed())).isEqualTo(plaintext);
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  @Test
  void readHeaderReportsWhatWasWritten() {
    qt().withExamples(50)
        .forAll(cases())
        .checkAssert(
            c -> {
              try {
                byte[] plaintext = Objects.plaintext(c.size(), c.seed(), c.compressible());
                Keyring keyring = keyring(c.encryption());
                ObjectCodec codec = Objects.codec(c.compression(), keyring, c.chunkSize());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                EncodeResult result =
                    codec.encode("00000002.history", new ByteArrayInputStream(plaintext), out);

                ObjectHeader header = codec.readHeader(new ByteArrayInputStream(out.toByteArray()));

                assertThat(header.formatVersion()).isEqualTo(1);
                assertThat(header.compression()).isEqualTo(c.compression().algorithm());
                assertThat(header.fileName()).isEqualTo("00000002.history");
                assertThat(header.plaintextLength()).isEqualTo(plaintext.length);
                assertThat(header.digest()).isEqualTo(result.digest());
                assertThat(header.chunkSize()).isEqualTo(c.chunkSize());
                assertThat(header.keyId()).isEqualTo(keyring.activeKeyId().orElse(null));
                assertThat(header.encrypted()).isEqualTo(c.encryption() != Encryption.NONE);
                assertThat(header.encryption())
                    .isEqualTo(c.encryption() == Encryption.NONE ? "none" : "aes-256-gcm-chunked");
                assertThat(header.keyDerivation())
                    .isEqualTo(
                        switch (c.encryption()) {
                          case NONE -> null;
                          case RAW_KEY -> "raw";
                          case PASSPHRASE -> "argon2id(m=64,t=1,p=1)";
                        });
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  @Test
  void digestIsSha256WithoutEncryptionAndKeyedWithIt() throws Exception {
    byte[] plaintext = "the same file".getBytes();
    Digest plain =
        new ObjectCodec(Compression.none(), Keyring.none())
            .digestOf(new ByteArrayInputStream(plaintext));
    Digest keyed =
        new ObjectCodec(Compression.none(), Objects.RAW_K1)
            .digestOf(new ByteArrayInputStream(plaintext));

    assertThat(plain.toString())
        .isEqualTo("sha256:" + Hex.encode(MessageDigest.getInstance("SHA-256").digest(plaintext)));
    assertThat(plain.algorithm()).isEqualTo("sha256");
    assertThat(keyed.algorithm()).isEqualTo("hmac-sha256");
    assertThat(keyed.keyId()).isEqualTo("k1");
    assertThat(keyed.value()).isNotEqualTo(plain.value());
  }

  @Test
  void objectsOfTheSameFileHaveTheSameDigestButDifferentBytes() throws IOException {
    byte[] plaintext = Objects.plaintext(5000, 1, true);
    ObjectCodec codec = new ObjectCodec(Compression.zstdDefault(), Objects.RAW_K1);
    ByteArrayOutputStream first = new ByteArrayOutputStream();
    ByteArrayOutputStream second = new ByteArrayOutputStream();

    EncodeResult a = codec.encode(Objects.NAME, new ByteArrayInputStream(plaintext), first);
    EncodeResult b = codec.encode(Objects.NAME, new ByteArrayInputStream(plaintext), second);

    assertThat(a.digest()).isEqualTo(b.digest());
    assertThat(first.toByteArray()).isNotEqualTo(second.toByteArray());
  }

  private static byte[] read(InputStream in, ReadStyle style, long seed) throws IOException {
    switch (style) {
      case ALL:
        return in.readAllBytes();
      case ONE_BYTE:
        {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          for (int b; (b = in.read()) >= 0; ) {
            out.write(b);
          }
          assertThat(in.read()).isEqualTo(-1);
          return out.toByteArray();
        }
      default:
        {
          java.util.Random random = new java.util.Random(seed);
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          byte[] buffer = new byte[7000];
          for (int n; (n = in.read(buffer, 3, 1 + random.nextInt(buffer.length - 3))) >= 0; ) {
            out.write(buffer, 3, n);
          }
          return out.toByteArray();
        }
    }
  }
}
