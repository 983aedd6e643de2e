package dev.walarchive.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;

class StorageOptionsTest {
  private static final List<String> KNOWN = List.of("x.region", "x.timeout", "x.secret-key");
  private static final Set<String> SECRETS = Set.of("x.secret-key");

  // durations

  @Property
  void durationsRoundTripInEveryUnitAndCase(
      @ForAll @LongRange(min = 1, max = 1_000_000_000L) long n,
      @ForAll("durationUnits") String unit) {
    Duration expected =
        switch (unit) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
    assertThat(StorageOptions.parseDuration("x.t", n + unit)).isEqualTo(expected);
    assertThat(StorageOptions.parseDuration("x.t", n + unit.toUpperCase())).isEqualTo(expected);
    assertThat(StorageOptions.parseDuration("x.t", expected.toString())).isEqualTo(expected);
  }

  @Provide
  Arbitrary<String> durationUnits() {
    return Arbitraries.of("ms", "s", "m", "h", "d");
  }

  @Property
  void anyPositiveDurationRoundTripsThroughIso(
      @ForAll @LongRange(min = 0, max = 10_000_000_000L) long seconds,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
    Duration d = Duration.ofSeconds(seconds, nanos);
    if (d.isZero()) {
      return;
    }
    assertThat(StorageOptions.parseDuration("x.t", d.toString())).isEqualTo(d);
    assertThat(StorageOptions.parseDuration("x.t", d.toString().toLowerCase())).isEqualTo(d);
  }

  @Property
  void nearMissDurationsAreRejectedNamingOptionAndValue(
      @ForAll @IntRange(min = 0, max = 100_000) int n, @ForAll("durationNearMisses") String form) {
    String value = form.replace("N", Integer.toString(n));
    assertThatThrownBy(() -> StorageOptions.parseDuration("x.timeout", value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.timeout")
        .hasMessageContaining("'" + value + "'");
  }

  @Provide
  Arbitrary<String> durationNearMisses() {
    return Arbitraries.of(
        "N s", "N", "-Nm", "+Nm", " Ns", "Ns ", "N.5s", "Nsec", "Nmin", "Nw", "Nus", "0x10s",
        "PT-Ns", "-PTNS", "PT", "P", "", "s", "N ms", "NmS0");
  }

  @Example
  void zeroAndOverflowingDurationsAreRejected() {
    for (String v : List.of("0s", "0ms", "PT0S", "P0D")) {
      assertThatThrownBy(() -> StorageOptions.parseDuration("x.timeout", v))
          .as(v)
          .hasMessageContaining("longer than zero");
    }
    for (String v :
        List.of("99999999999999999999s", "9223372036854775807d", "PT99999999999999999999S")) {
      assertThatThrownBy(() -> StorageOptions.parseDuration("x.timeout", v))
          .as(v)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("x.timeout")
          .hasMessageContaining("too large");
    }
  }

  @Example
  void theDocumentedDurationsParse() {
    assertThat(StorageOptions.parseDuration("o", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(StorageOptions.parseDuration("o", "30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(StorageOptions.parseDuration("o", "5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(StorageOptions.parseDuration("o", "2h")).isEqualTo(Duration.ofHours(2));
    assertThat(StorageOptions.parseDuration("o", "1d")).isEqualTo(Duration.ofDays(1));
    assertThat(StorageOptions.parseDuration("o", "PT30S")).isEqualTo(Duration.ofSeconds(30));
    assertThat(StorageOptions.parseDuration("o", "PT2M30S")).isEqualTo(Duration.ofSeconds(150));
    assertThat(StorageOptions.parseDuration("o", "P1DT1H")).isEqualTo(Duration.ofHours(25));
  }

  // sizes

  @Property
  void sizesRoundTripInEveryUnitAndCase(
      @ForAll @LongRange(min = 0, max = 8_000_000_000L) long n, @ForAll("sizeUnits") String unit) {
    int shift =
        switch (unit) {
          case "k", "KiB" -> 10;
          case "m", "MiB" -> 20;
          case "g", "GiB" -> 30;
          default -> 0;
        };
    assertThat(StorageOptions.parseSize("x.s", n + unit)).isEqualTo(n << shift);
    assertThat(StorageOptions.parseSize("x.s", n + unit.toUpperCase())).isEqualTo(n << shift);
    assertThat(StorageOptions.parseSize("x.s", n + unit.toLowerCase())).isEqualTo(n << shift);
    assertThat(StorageOptions.parseSize("x.s", Long.toString(n << shift))).isEqualTo(n << shift);
  }

  @Provide
  Arbitrary<String> sizeUnits() {
    return Arbitraries.of("", "B", "k", "KiB", "m", "MiB", "g", "GiB");
  }

  @Property
  void nearMissSizesAreRejectedNamingOptionAndValue(
      @ForAll @IntRange(min = 0, max = 100_000) int n, @ForAll("sizeNearMisses") String form) {
    String value = form.replace("N", Integer.toString(n));
    assertThatThrownBy(() -> StorageOptions.parseSize("x.part-size", value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.part-size")
        .hasMessageContaining("'" + value + "'");
  }

  @Provide
  Arbitrary<String> sizeNearMisses() {
    return Arbitraries.of(
        "N.5GiB", "N MiB", "-NMiB", "+N", " N", "N ", "NMB", "Nkb", "NGB", "NTiB", "Nt", "NKi",
        "NMiBs", "N_000", "1e6", "", "MiB", "0xN");
  }

  @Property
  void sizesThatOverflowALongAreRejected(
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long n, @ForAll("sizeUnits") String unit) {
    int shift =
        switch (unit) {
          case "k", "KiB" -> 10;
          case "m", "MiB" -> 20;
          case "g", "GiB" -> 30;
          default -> 0;
        };
    if (n <= Long.MAX_VALUE >> shift) {
      assertThat(StorageOptions.parseSize("x.s", n + unit)).isEqualTo(n << shift);
    } else {
      assertThatThrownBy(() -> StorageOptions.parseSize("x.s", n + unit))
          .hasMessageContaining("too large");
    }
    assertThatThrownBy(() -> StorageOptions.parseSize("x.s", n + "0000000000000000000" + unit))
        .hasMessageContaining("too large");
  }

  // booleans

  @Property
  void booleansAreTrueOrFalseInAnyCase(@ForAll boolean b, @ForAll("caseMasks") long mask) {
    String text = Boolean.toString(b);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      sb.append((mask >> i & 1) == 1 ? Character.toUpperCase(c) : c);
    }
    assertThat(StorageOptions.parseBoolean("x.b", sb.toString())).isEqualTo(b);
  }

  @Provide
  Arbitrary<Long> caseMasks() {
    return Arbitraries.longs().between(0, 31);
  }

  @Property
  void nothingElseIsABoolean(@ForAll @StringLength(max = 8) String value) {
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return;
    }
    assertThatThrownBy(() -> StorageOptions.parseBoolean("x.path-style", value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.path-style")
        .hasMessageContaining("'" + value + "'")
        .hasMessageContaining("true or false");
  }

  @Example
  void commonNearMissBooleansAreRejected() {
    for (String v : List.of("yes", "no", "1", "0", "on", "off", " true", "true ", "t", "")) {
      assertThatThrownBy(() -> StorageOptions.parseBoolean("x.b", v))
          .as(v)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  // prefixes

  @Property
  void prefixesLoseTheirOuterSlashes(
      @ForAll("segments") List<String> segments,
      @ForAll @IntRange(max = 3) int leading,
      @ForAll @IntRange(max = 3) int trailing) {
    String prefix = String.join("/", segments);
    String written = "/".repeat(leading) + prefix + "/".repeat(trailing);
    assertThat(StorageOptions.normalizePrefix(written)).isEqualTo(prefix);
    assertThat(StorageOptions.normalizePrefix(prefix)).isEqualTo(prefix);
  }

  @Provide
  Arbitrary<List<String>> segments() {
    return Arbitraries.strings()
        .withChars("abcXYZ019._-")
        .ofMinLength(1)
        .ofMaxLength(12)
        .filter(s -> !s.equals(".") && !s.equals(".."))
        .list()
        .ofMaxSize(4);
  }

  @Example
  void badPrefixesAreRejectedNamingThem() {
    for (String p : List.of("a//b", "a/../b", "./a", "a/.", "a b", "a\\b", "ä", "x".repeat(513))) {
      assertThatThrownBy(() -> StorageOptions.normalizePrefix(p))
          .as(p)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid prefix '" + p + "'");
    }
    assertThat(StorageOptions.normalizePrefix("///")).isEmpty();
    assertThat(StorageOptions.normalizePrefix("")).isEmpty();
  }

  // collecting options

  @Example
  void urlParametersAndOptionsAreCollectedInDocumentationOrder() {
    Map<String, String> options = new HashMap<>();
    options.put("x.secret-key", "s3cr3t");
    options.put("x.region", "r1");
    options.put("y.other", "belongs to another backend");
    options.put("compression", "zstd");
    Map<String, String> settings = collect("x://b/p?timeout=30s&&region=r1&", options);
    assertThat(settings)
        .containsExactly(
            Map.entry("x.region", "r1"),
            Map.entry("x.timeout", "30s"),
            Map.entry("x.secret-key", "s3cr3t"));
  }

  @Example
  void aPlusInTheQueryIsAPlus() {
    assertThat(collect("x://b/p?region=a+b%2Bc%20d", Map.of()))
        .containsEntry("x.region", "a+b+c d");
  }

  @Example
  void badUrlParametersAreRejectedNamingThem() {
    assertThatThrownBy(() -> collect("x://b/p?regoin=r", Map.of()))
        .hasMessageContaining("unknown parameter 'regoin'")
        .hasMessageContaining("region, timeout")
        .hasMessageNotContaining("secret-key");
    assertThatThrownBy(() -> collect("x://b/p?x.region=r", Map.of()))
        .hasMessageContaining("without the x. prefix");
    assertThatThrownBy(() -> collect("x://b/p?region=a&region=b", Map.of()))
        .hasMessageContaining("more than once");
    assertThatThrownBy(() -> collect("x://b/p?region", Map.of()))
        .hasMessageContaining("'region' has no value");
    assertThatThrownBy(() -> collect("x://b/p?region=", Map.of()))
        .hasMessageContaining("x.region is empty");
  }

  @Property
  void secretsAreRefusedInTheUrlWithoutShowingThem(
      @ForAll @AlphaChars @NumericChars @StringLength(min = 8, max = 40) String secret) {
    assertThatThrownBy(() -> collect("x://b/p?secret-key=" + secret, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.secret-key")
        .hasMessageContaining("WALARCHIVE_X_SECRET_KEY")
        .hasMessageNotContaining(secret);
    assertThatThrownBy(() -> collect("x://b/p", Map.of("x.secret-key", "")))
        .hasMessageContaining("x.secret-key is empty");
  }

  @Example
  void badOptionsAreRejectedNamingThem() {
    assertThatThrownBy(() -> collect("x://b/p", Map.of("x.regoin", "r")))
        .hasMessageContaining("unknown option 'x.regoin'")
        .hasMessageContaining("x.region, x.timeout, x.secret-key");
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("x.region", null);
    assertThatThrownBy(() -> collect("x://b/p", nullValue)).hasMessageContaining("no value");
    assertThatThrownBy(() -> collect("x://b/p", Map.of("x.region", "")))
        .hasMessageContaining("empty");
  }

  @Property
  void aSettingGivenBothWaysMustAgree(
      @ForAll @AlphaChars @StringLength(min = 1, max = 10) String a,
      @ForAll @AlphaChars @StringLength(min = 1, max = 10) String b) {
    Map<String, String> options = Map.of("x.region", b);
    if (a.equals(b)) {
      assertThat(collect("x://b/p?region=" + a, options)).containsEntry("x.region", a);
    } else {
      assertThatThrownBy(() -> collect("x://b/p?region=" + a, options))
          .hasMessageContaining("x.region")
          .hasMessageContaining("one place");
    }
  }

  private static Map<String, String> collect(String url, Map<String, String> options) {
    return StorageOptions.collect(URI.create(url), options, "x.", KNOWN, SECRETS);
  }
}
