package dev.walarchive.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class DigestTest {
  @Provide
  Arbitrary<Digest> digests() {
    Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofSize(32);
    Arbitrary<String> keyIds =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .withCharRange('A', 'Z')
            .withCharRange('0', '9')
            .withChars('.', '_', '-')
            .ofMinLength(1)
            .ofMaxLength(64);
    return Arbitraries.oneOf(
        values.map(Digest::sha256), Combinators.combine(keyIds, values).as(Digest::hmacSha256));
  }

  @Property
  void printsAndParsesBack(@ForAll("digests") Digest digest) {
    Digest parsed = Digest.parse(digest.toString());
    assertThat(parsed).isEqualTo(digest).hasSameHashCodeAs(digest);
    assertThat(parsed.value()).isEqualTo(digest.value());
    assertThat(digest.toString())
        .matches("sha256:[0-9a-f]{64}|hmac-sha256:[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}");
  }

  @Property
  void equalityIsByContent(@ForAll @Size(32) byte[] value) {
    Digest a = Digest.sha256(value);
    Digest b = Digest.sha256(value.clone());
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(Digest.hmacSha256("k", value));
    byte[] other = value.clone();
    other[31] ^= 1;
    assertThat(a).isNotEqualTo(Digest.sha256(other));
  }

  @Property
  void valuesCannotBeChangedFromOutside(@ForAll @Size(32) byte[] value) {
    byte[] copy = value.clone();
    Digest digest = Digest.sha256(value);
    value[0] ^= 1;
    digest.value()[1] ^= 1;
    assertThat(digest.value()).isEqualTo(copy);
  }

  @Property
  void mangledDigestsAreRejectedNamingTheInput(
      @ForAll("digests") Digest digest,
      @ForAll("mangles") java.util.function.UnaryOperator<String> mangle) {
    String text = mangle.apply(digest.toString());
    assertThatThrownBy(() -> Digest.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }

  @Provide
  Arbitrary<java.util.function.UnaryOperator<String>> mangles() {
    return Arbitraries.of(
        s -> s.toUpperCase(),
        s -> s + "0",
        s -> s.substring(0, s.length() - 1),
        s -> s.replace("sha256", "sha512"),
        s -> " " + s,
        s -> s + "\n",
        s -> s.substring(0, s.lastIndexOf(':')) + ":" + "g" + s.substring(s.lastIndexOf(':') + 2),
        s -> s.substring(0, s.lastIndexOf(':')) + "::" + s.substring(s.lastIndexOf(':') + 1));
  }

  @Example
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
