package dev.walarchive.core.format;

import static dev.walarchive.core.format.Objects.KEY_1;
import static dev.walarchive.core.format.Objects.KEY_2;
import static dev.walarchive.core.format.Objects.NAME;
import static dev.walarchive.core.format.Objects.decode;
import static dev.walarchive.core.format.Objects.encode;
import static dev.walarchive.core.testing.Properties.qt;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyringTest {
  private static final byte[] PLAINTEXT = Objects.plaintext(10_000, 5, true);

  @Test
  void rotatedKeysReadOldAndNewObjects() throws IOException {
    Keyring before = Keyring.builder().addKey("k1", KEY_1).build();
    Keyring after =
        Keyring.builder().addKey("k1", KEY_1).addKey("k2", KEY_2).activeKeyId("k2").build();
    ObjectCodec oldCodec = new ObjectCodec(Compression.zstdDefault(), before);
    ObjectCodec newCodec = new ObjectCodec(Compression.zstdDefault(), after);

    byte[] oldObject = encode(oldCodec, NAME, PLAINTEXT);
    byte[] newObject = encode(newCodec, NAME, PLAINTEXT);

    assertThat(oldCodec.readHeader(new ByteArrayInputStream(oldObject)).keyId()).isEqualTo("k1");
    assertThat(newCodec.readHeader(new ByteArrayInputStream(newObject)).keyId()).isEqualTo("k2");
    assertThat(decode(newCodec, NAME, oldObject)).isEqualTo(PLAINTEXT);
    assertThat(decode(newCodec, NAME, newObject)).isEqualTo(PLAINTEXT);
    assertThatThrownBy(() -> decode(oldCodec, NAME, newObject))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining("'k2'");
  }

  @Test
  void digestsCompareAcrossKeyRotation() throws IOException {
    Keyring before = Keyring.builder().addKey("k1", KEY_1).build();
    Keyring after =
        Keyring.builder().addKey("k1", KEY_1).addKey("k2", KEY_2).activeKeyId("k2").build();
    Digest written =
        new ObjectCodec(Compression.none(), before).digestOf(new ByteArrayInputStream(PLAINTEXT));
    ObjectCodec rotated = new ObjectCodec(Compression.none(), after);

    assertThat(rotated.digest(new ByteArrayInputStream(PLAINTEXT), written)).isEqualTo(written);
    assertThat(rotated.digestOf(new ByteArrayInputStream(PLAINTEXT))).isNotEqualTo(written);
    assertThat(rotated.digestOf(new ByteArrayInputStream(PLAINTEXT)).keyId()).isEqualTo("k2");
    Digest sha256 =
        new ObjectCodec(Compression.none(), Keyring.none())
            .digestOf(new ByteArrayInputStream(PLAINTEXT));
    assertThat(rotated.digest(new ByteArrayInputStream(PLAINTEXT), sha256)).isEqualTo(sha256);
  }

  @Test
  void digestLikeAnUnknownKeyNamesIt() {
    Digest like = Digest.hmacSha256("gone-2024", new byte[32]);
    ObjectCodec codec = new ObjectCodec(Compression.none(), Objects.RAW_K1);
    assertThatThrownBy(() -> codec.digest(new ByteArrayInputStream(PLAINTEXT), like))
        .isInstanceOfSatisfying(
            UnknownKeyException.class, e -> assertThat(e.keyId()).isEqualTo("gone-2024"))
        .hasMessageContaining("'gone-2024'");
  }

  @Test
  void passphraseWithDefaultCostRoundTripsAndDerivesOncePerKeyring() throws IOException {
    char[] passphrase = "a long passphrase, nobody guesses".toCharArray();
    ObjectCodec writer =
        new ObjectCodec(
            Compression.zstdDefault(),
            Keyring.builder().addPassphrase("pass-1", passphrase).build());
    byte[] object = encode(writer, NAME, PLAINTEXT);
    // the caller may wipe the array once the keyring is built
    java.util.Arrays.fill(passphrase, '*');

    ObjectCodec reader =
        new ObjectCodec(
            Compression.none(),
            Keyring.builder()
                .addPassphrase("pass-1", "a long passphrase, nobody guesses".toCharArray())
                .build());
    long start = System.nanoTime();
    assertThat(decode(reader, NAME, object)).isEqualTo(PLAINTEXT);
    long first = System.nanoTime() - start;
    start = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      assertThat(decode(reader, NAME, encode(writer, NAME, PLAINTEXT))).isEqualTo(PLAINTEXT);
    }
    long fiveMore = System.nanoTime() - start;

    assertThat(reader.readHeader(new ByteArrayInputStream(object)).keyDerivation())
        .isEqualTo("argon2id(m=65536,t=3,p=1)");
    assertThat(fiveMore).as("five more decodes need no derivation").isLessThan(first);
    assertThat(writer.digestOf(new ByteArrayInputStream(PLAINTEXT)))
        .isEqualTo(reader.digestOf(new ByteArrayInputStream(PLAINTEXT)));
  }

  @Test
  void aWrongPassphraseIsReportedAsProbablyWrong() throws IOException {
    byte[] object =
        encode(new ObjectCodec(Compression.none(), Objects.PASSPHRASE_P1), NAME, PLAINTEXT);
    Keyring wrong =
        Keyring.builder()
            .addPassphrase(
                "p1", "correct horse battery stapler".toCharArray(), Objects.TEST_MEMORY_KIB, 1, 1)
            .build();

    assertThatThrownBy(() -> decode(new ObjectCodec(Compression.none(), wrong), NAME, object))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("probably wrong")
        .message()
        .doesNotContain("correct horse");
  }

  @Test
  void passphrasesAreNormalized() throws IOException {
    Keyring composed =
        Keyring.builder().addPassphrase("p", "caf\u00e9".toCharArray(), 64, 1, 1).build();
    Keyring decomposed =
        Keyring.builder().addPassphrase("p", "cafe\u0301".toCharArray(), 64, 1, 1).build();
    byte[] object = encode(new ObjectCodec(Compression.none(), composed), NAME, PLAINTEXT);
    assertThat(decode(new ObjectCodec(Compression.none(), decomposed), NAME, object))
        .isEqualTo(PLAINTEXT);
  }

  @Test
  void theSameIdAsAnotherKindOfKeyIsAWrongKey() throws IOException {
    byte[] raw = encode(new ObjectCodec(Compression.none(), Objects.RAW_K1), NAME, PLAINTEXT);
    Keyring passphraseK1 =
        Keyring.builder().addPassphrase("k1", "x".toCharArray(), 64, 1, 1).build();
    assertThatThrownBy(() -> decode(new ObjectCodec(Compression.none(), passphraseK1), NAME, raw))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("raw key");
  }

  @Test
  void aKeyringWithSeveralKeysAndNoActiveOneDecodesButCannotEncode() throws IOException {
    Keyring both = Keyring.builder().addKey("k1", KEY_1).addKey("k2", KEY_2).build();
    ObjectCodec codec = new ObjectCodec(Compression.none(), both);
    byte[] object = encode(new ObjectCodec(Compression.none(), Objects.RAW_K1), NAME, PLAINTEXT);

    assertThat(both.encrypts()).isTrue();
    assertThat(both.activeKeyId()).isEmpty();
    assertThat(decode(codec, NAME, object)).isEqualTo(PLAINTEXT);
    assertThatThrownBy(() -> encode(codec, NAME, PLAINTEXT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[k1, k2]")
        .hasMessageContaining("none is active");
  }

  @Test
  void aSingleKeyIsActive() {
    Keyring one = Keyring.builder().addKey("only", KEY_1).build();
    assertThat(one.activeKeyId()).contains("only");
    assertThat(one.keyIds()).containsExactly("only");
    assertThat(Keyring.none().encrypts()).isFalse();
    assertThat(Keyring.none().activeKeyId()).isEmpty();
    assertThat(Keyring.none().keyIds()).isEmpty();
  }

  @Test
  void builderRejectsBadConfigurations() {
    assertThatThrownBy(() -> Keyring.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Keyring.none()");
    assertThatThrownBy(() -> Keyring.builder().addKey("k1", KEY_1).activeKeyId("k9").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'k9'");
    assertThatThrownBy(() -> Keyring.builder().addKey("k1", KEY_1).addKey("k1", KEY_2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k1' added twice");
    assertThatThrownBy(() -> Keyring.builder().addKey("k1", new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("31 bytes");
    assertThatThrownBy(() -> Keyring.builder().addKey("bad id", KEY_1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bad id'");
    assertThatThrownBy(() -> Keyring.builder().addKey("x".repeat(65), KEY_1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Keyring.builder().addPassphrase("p", new char[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void validKeyIdsAreAccepted() {
    // every allowed character (65 of them) in two ids of the longest length, and the shortest
    String chars = DigestTest.KEY_ID_CHARS;
    for (String keyId : List.of(chars.substring(1), chars.substring(0, 64), "x", "-", ".")) {
      assertThat(Keyring.builder().addKey(keyId, KEY_1).build().keyIds()).containsExactly(keyId);
    }
    qt().withExamples(1000)
        .forAll(DigestTest.keyIds())
        .checkAssert(
            keyId -> {
              assertThat(Keyring.builder().addKey(keyId, KEY_1).build().keyIds())
                  .containsExactly(keyId);
            });
  }

  @Test
  void toStringShowsKeyIdsOnly() {
    Keyring keyring =
        Keyring.builder()
            .addKey("k1", KEY_1)
            .addPassphrase("p1", "secret words".toCharArray())
            .activeKeyId("p1")
            .build();
    assertThat(keyring.toString())
        .isEqualTo("Keyring[active=p1, keys=[k1, p1]]")
        .doesNotContain("secret");
    assertThat(Keyring.none().toString()).isEqualTo("Keyring[none]");
  }

  @Test
  void base64KeysDecode() {
    String standard = Base64.getEncoder().encodeToString(KEY_2);
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(KEY_2);
    assertThat(Keyring.decodeBase64Key(standard)).isEqualTo(KEY_2);
    assertThat(Keyring.decodeBase64Key(" " + standard + "\n")).isEqualTo(KEY_2);
    assertThat(Keyring.decodeBase64Key(urlSafe)).isEqualTo(KEY_2);
  }

  @Test
  void base64KeyErrorsNeverEchoTheInput() {
    String notBase64 = "s3cr3t!key#material";
    String tooShort = Base64.getEncoder().encodeToString(new byte[] {9, 8, 7, 6, 5, 4, 3, 2, 1});
    String tooLong = Base64.getEncoder().encodeToString(new byte[33]) + "QUJD";
    for (String bad : new String[] {notBase64, tooShort, tooLong, "   "}) {
      assertThatThrownBy(() -> Keyring.decodeBase64Key(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("256-bit key")
          .hasNoCause()
          .message()
          .doesNotContain(bad.strip().isEmpty() ? "\u0000" : bad.strip())
          .doesNotContain("#")
          .doesNotContain("23"); // hex of '#', as Java's own decoder would report it
    }
  }

  @Test
  void keyFilesHoldRawOrBase64Keys(@TempDir Path dir) throws IOException {
    Path raw = Files.write(dir.resolve("raw.key"), KEY_1);
    Path text =
        Files.writeString(
            dir.resolve("text.key"), Base64.getEncoder().encodeToString(KEY_2) + "\n");
    assertThat(Keyring.readKeyFile(raw)).isEqualTo(KEY_1);
    assertThat(Keyring.readKeyFile(text)).isEqualTo(KEY_2);
  }

  @Test
  void keyFileErrorsNameTheFileButNotItsContent(@TempDir Path dir) throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.key"), "hunter2-is-my-key\n", US_ASCII);
    Path large = Files.write(dir.resolve("large.key"), new byte[5000]);
    Path missing = dir.resolve("missing.key");

    assertThatThrownBy(() -> Keyring.readKeyFile(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("32 raw bytes or base64")
        .message()
        .doesNotContain("hunter2");
    assertThatThrownBy(() -> Keyring.readKeyFile(large))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(large.toString())
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> Keyring.readKeyFile(missing))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(missing.toString())
        .hasCauseInstanceOf(NoSuchFileException.class);
  }
}
