package dev.walarchive.core.format;

import static dev.walarchive.core.testing.Properties.byteArrays;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.testing.Properties;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class DigestTest {
  /** Key ids as Keyring accepts them: 1 to 64 of [A-Za-z0-9._-]. */
  static Gen<String> keyIds() {
    return stringsOf(KEY_ID_CHARS, 1, 64);
  }

  static final String KEY_ID_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

  static Gen<Digest> digests() {
    Gen<byte[]> values = byteArrays(32, 32);
    return Generate.oneOf(
        values.map(v -> Digest.sha256(v)), keyIds().zip(values, (k, v) -> Digest.hmacSha256(k, v)));
  }

  @Test
  void printsAndParsesBack() {
    qt().withExamples(1000)
        .forAll(digests())
        .checkAssert(
            digest -> {
              Digest parsed = Digest.parse(digest.toString());
              assertThat(parsed).isEqualTo(digest).hasSameHashCodeAs(digest);
              assertThat(parsed.value()).isEqualTo(digest.value());
              assertThat(digest.toString())
                  .matches("sha256:[0-9a-f]{64}|hmac-sha256:[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}");
            });
  }

  @Test
  void equalityIsByContent() {
    qt().withExamples(1000)
        .forAll(byteArrays(32, 32))
        .checkAssert(
            value -> {
              Digest a = Digest.sha256(value);
              Digest b = Digest.sha256(value.clone());
              assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
              assertThat(a).isNotEqualTo(Digest.hmacSha256("k", value));
              byte[] other = value.clone();
              other[31] ^= 1;
              assertThat(a).isNotEqualTo(Digest.sha256(other));
            });
  }

  @Test
  void valuesCannotBeChangedFromOutside() {
    qt().withExamples(1000)
        .forAll(byteArrays(32, 32))
        .checkAssert(
            value -> {
              byte[] copy = value.clone();
              Digest digest = Digest.sha256(value);
              value[0] ^= 1;
              digest.value()[1] ^= 1;
              assertThat(digest.value()).isEqualTo(copy);
            });
  }

  @Test
  void mangledDigestsAreRejectedNamingTheInput() {
    qt().withExamples(1000)
        .forAll(digests(), mangles())
        .checkAssert(
            (digest, mangle) -> {
              String text = mangle.apply(digest.toString());
              assertThatThrownBy(() -> Digest.parse(text))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("'" + text + "'");
            });
  }

  static Gen<java.util.function.UnaryOperator<String>> mangles() {
    return Properties.<java.util.function.UnaryOperator<String>>oneOf(
        s -> s.toUpperCase(),
        s -> s + "0",
        s -> s.substring(0, s.length() - 1),
        s -> s.replace("sha256", "sha512"),
        s -> " " + s,
        s -> s + "\n",
        s -> s.substring(0, s.lastIndexOf(':')) + ":" + "g" + s.substring(s.lastIndexOf(':') + 2),
        s -> s.substring(0, s.lastIndexOf(':')) + "::" + s.substring(s.lastIndexOf(':') + 1));
  }

  @Test
  void rejectsInconsistentComponents() {
    assertThatThrownBy(() -> new Digest("sha256", "k1", new byte[32]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Digest("hmac-sha256", null, new byte[32]))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Digest("md5", null, new byte[32]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'md5'");
    assertThatThrownBy(() -> Digest.sha256(new byte[20]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("20 bytes");
    assertThatThrownBy(() -> Digest.hmacSha256("bad id", new byte[32]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Digest.parse("hmac-sha256:k1:" + "ab".repeat(32)).keyId()).isEqualTo("k1");
    assertThat(Digest.parse("sha256:" + "00".repeat(32)).keyId()).isNull();
  }
}
