package dev.walarchive.core.storage.spi;

import static dev.walarchive.core.testing.Properties.anyString;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.longsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.testing.Properties;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class StorageOptionsTest {
  private static final List<String> KNOWN = List.of("x.region", "x.timeout", "x.secret-key");
  private static final Set<String> SECRETS = Set.of("x.secret-key");

  // durations

  @Test
  void durationsRoundTripInEveryUnitAndCase() {
    qt().withExamples(1000)
        .forAll(longsBetween(1, 1_000_000_000L), durationUnits())
        .checkAssert(
            (n, unit) -> {
              Duration expected =
                  switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                  };
              assertThat(OptionValues.parseDuration("x.t", n + unit)).isEqualTo(expected);
              assertThat(OptionValues.parseDuration("x.t", n + unit.toUpperCase()))
                  .isEqualTo(expected);
              assertThat(OptionValues.parseDuration("x.t", expected.toString()))
                  .isEqualTo(expected);
            });
  }

  static Gen<String> durationUnits() {
    return Properties.oneOf("ms", "s", "m", "h", "d");
  }

  @Test
  void anyPositiveDurationRoundTripsThroughIso() {
    qt().withExamples(1000)
        .forAll(longsBetween(0, 10_000_000_000L), intsBetween(0, 999_999_999))
        .checkAssert(
            (seconds, nanos) -> {
              Duration d = Duration.ofSeconds(seconds, nanos);
              if (d.isZero()) {
                return;
              }
              assertThat(OptionValues.parseDuration("x.t", d.toString())).isEqualTo(d);
              assertThat(OptionValues.parseDuration("x.t", d.toString().toLowerCase()))
                  .isEqualTo(d);
            });
  }

  @Test
  void nearMissDurationsAreRejectedNamingOptionAndValue() {
    qt().withExamples(1000)
        .forAll(intsBetween(0, 100_000), durationNearMisses())
        .checkAssert(
            (n, form) -> {
              String value = form.replace("N", Integer.toString(n));
              assertThatThrownBy(() -> OptionValues.parseDuration("x.timeout", value))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("x.timeout")
                  .hasMessageContaining("'" + value + "'");
            });
  }

  static Gen<String> durationNearMisses() {
    return Properties.oneOf(
        "N s", "N", "-Nm", "+Nm", " Ns", "Ns ", "N.5s", "Nsec", "Nmin", "Nwk", "Nus", "0x10s",
        "PT-Ns", "-PTNS", "PT", "P", "", "s", "N ms", "NmS0");
  }

  @Test
  void zeroAndOverflowingDurationsAreRejected() {
    for (String v : List.of("0s", "0ms", "PT0S", "P0D")) {
      assertThatThrownBy(() -> OptionValues.parseDuration("x.timeout", v))
          .as(v)
          .hasMessageContaining("longer than zero");
    }
    for (String v :
        List.of("99999999999999999999s", "9223372036854775807d", "PT99999999999999999999S")) {
      assertThatThrownBy(() -> OptionValues.parseDuration("x.timeout", v))
          .as(v)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("x.timeout")
          .hasMessageContaining("too large");
    }
  }

  @Test
  void theDocumentedDurationsParse() {
    assertThat(OptionValues.parseDuration("o", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(OptionValues.parseDuration("o", "30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(OptionValues.parseDuration("o", "5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(OptionValues.parseDuration("o", "2h")).isEqualTo(Duration.ofHours(2));
    assertThat(OptionValues.parseDuration("o", "1d")).isEqualTo(Duration.ofDays(1));
    assertThat(OptionValues.parseDuration("o", "PT30S")).isEqualTo(Duration.ofSeconds(30));
    assertThat(OptionValues.parseDuration("o", "PT2M30S")).isEqualTo(Duration.ofSeconds(150));
    assertThat(OptionValues.parseDuration("o", "P1DT1H")).isEqualTo(Duration.ofHours(25));
  }

  // sizes

  @Test
  void sizesRoundTripInEveryUnitAndCase() {
    qt().withExamples(1000)
        .forAll(longsBetween(0, 8_000_000_000L), sizeUnits())
        .checkAssert(
            (n, unit) -> {
              int shift =
                  switch (unit) {
                    case "k", "KiB" -> 10;
                    case "m", "MiB" -> 20;
                    case "g", "GiB" -> 30;
                    default -> 0;
                  };
              assertThat(OptionValues.parseSize("x.s", n + unit)).isEqualTo(n << shift);
              assertThat(OptionValues.parseSize("x.s", n + unit.toUpperCase()))
                  .isEqualTo(n << shift);
              assertThat(OptionValues.parseSize("x.s", n + unit.toLowerCase()))
                  .isEqualTo(n << shift);
              assertThat(OptionValues.parseSize("x.s", Long.toString(n << shift)))
                  .isEqualTo(n << shift);
            });
  }

  static Gen<String> sizeUnits() {
    return Properties.oneOf("", "B", "k", "KiB", "m", "MiB", "g", "GiB");
  }

  /** Any positive long, and the largest ones that still fit a long in each unit, +-2. */
  static Gen<Long> overflowCandidates() {
    List<Long> limits = new ArrayList<>();
    for (int shift : new int[] {0, 10, 20, 30}) {
      for (long delta = -2; delta <= 2; delta++) {
        long n = (Long.MAX_VALUE >> shift) + delta;
        if (n >= 1) {
          limits.add(n);
        }
      }
    }
    return Generate.oneOf(longsBetween(1, Long.MAX_VALUE), Generate.pick(limits));
  }

  @Test
  void nearMissSizesAreRejectedNamingOptionAndValue() {
    qt().withExamples(1000)
        .forAll(intsBetween(0, 100_000), sizeNearMisses())
        .checkAssert(
            (n, form) -> {
              String value = form.replace("N", Integer.toString(n));
              assertThatThrownBy(() -> OptionValues.parseSize("x.part-size", value))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("x.part-size")
                  .hasMessageContaining("'" + value + "'");
            });
  }

  static Gen<String> sizeNearMisses() {
    return Properties.oneOf(
        "N.5GiB", "N MiB", "-NMiB", "+N", " N", "N ", "NMB", "Nkb", "NGB", "NTiB", "Nt", "NKi",
        "NMiBs", "N_000", "1e6", "", "MiB", "0xN");
  }

  @Test
  void sizesThatOverflowALongAreRejected() {
    qt().withExamples(1000)
        .forAll(overflowCandidates(), sizeUnits())
        .checkAssert(
            (n, unit) -> {
              int shift =
                  switch (unit) {
                    case "k", "KiB" -> 10;
                    case "m", "MiB" -> 20;
                    case "g", "GiB" -> 30;
                    default -> 0;
                  };
              if (n <= Long.MAX_VALUE >> shift) {
                assertThat(OptionValues.parseSize("x.s", n + unit)).isEqualTo(n << shift);
              } else {
                assertThatThrownBy(() -> OptionValues.parseSize("x.s", n + unit))
                    .hasMessageContaining("too large");
              }
              assertThatThrownBy(
                      () -> OptionValues.parseSize("x.s", n + "0000000000000000000" + unit))
                  .hasMessageContaining("too large");
            });
  }

  // booleans

  /** Both values in each of the 32 upper/lower case spellings of their first five letters. */
  @Test
  void booleansAreTrueOrFalseInAnyCase() {
    for (boolean b : new boolean[] {true, false}) {
      for (long mask = 0; mask <= 31; mask++) {
        String text = Boolean.toString(b);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
          char c = text.charAt(i);
          sb.append((mask >> i & 1) == 1 ? Character.toUpperCase(c) : c);
        }
        assertThat(OptionValues.parseBoolean("x.b", sb.toString())).isEqualTo(b);
      }
    }
  }

  /** Any string of up to 8 characters, and near misses of true and false. */
  static Gen<String> notBooleans() {
    Gen<String> nearMisses =
        Properties.oneOf("true", "false", "TRUE", "False")
            .zip(
                Properties.oneOf(" ", "e", "\0", "\n", "1", "\u0130"),
                integers().between(0, 6),
                (word, bad, at) -> {
                  int i = at % (word.length() + 1);
                  return word.substring(0, i) + bad + word.substring(i);
                });
    return Generate.oneOf(
        anyString(8), nearMisses, Properties.oneOf("tru", "fals", "t", "f", "y", "0", "1", ""));
  }

  @Test
  void nothingElseIsABoolean() {
    qt().withExamples(1000)
        .forAll(notBooleans())
        .checkAssert(
            value -> {
              if (List.of("true", "false", "yes", "no", "on", "off")
                  .contains(value.toLowerCase(java.util.Locale.ROOT))) {
                return;
              }
              assertThatThrownBy(() -> OptionValues.parseBoolean("x.path-style", value))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("x.path-style")
                  .hasMessageContaining("'" + value + "'")
                  .hasMessageContaining("true or false");
            });
  }

  @Test
  void commonNearMissBooleansAreRejected() {
    for (String v : List.of("y", "n", "1", "0", "onn", "of", " true", "true ", "t", "")) {
      assertThatThrownBy(() -> OptionValues.parseBoolean("x.b", v))
          .as(v)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  // prefixes

  @Test
  void prefixesLoseTheirOuterSlashes() {
    qt().withExamples(1000)
        .forAll(segments(), intsBetween(0, 3), intsBetween(0, 3))
        .checkAssert(
            (segments, leading, trailing) -> {
              String prefix = String.join("/", segments);
              String written = "/".repeat(leading) + prefix + "/".repeat(trailing);
              assertThat(StorageOptions.normalizePrefix(written)).isEqualTo(prefix);
              assertThat(StorageOptions.normalizePrefix(prefix)).isEqualTo(prefix);
            });
  }

  static Gen<List<String>> segments() {
    return listsOf(
        stringsOf("abcXYZ019._-", 1, 12).assuming(s -> !s.equals(".") && !s.equals("..")), 0, 4);
  }

  private static final String ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final String ALPHANUMERIC = ALPHA + "0123456789";

  /** Letters, 1 to 10, often one of a few short ones so that two draws agree now and then. */
  static Gen<String> regions() {
    return Generate.oneOf(stringsOf(ALPHA, 1, 10), Properties.oneOf("a", "b", "A"));
  }

  @Test
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

  @Test
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

  @Test
  void aPlusInTheQueryIsAPlus() {
    assertThat(collect("x://b/p?region=a+b%2Bc%20d", Map.of()))
        .containsEntry("x.region", "a+b+c d");
  }

  @Test
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

  @Test
  void secretsAreRefusedInTheUrlWithoutShowingThem() {
    qt().withExamples(1000)
        .forAll(stringsOf(ALPHANUMERIC, 8, 40))
        .checkAssert(
            secret -> {
              assertThatThrownBy(() -> collect("x://b/p?secret-key=" + secret, Map.of()))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("x.secret-key")
                  .hasMessageNotContaining("WALARCHIVE_")
                  .hasMessageNotContaining(secret);
              assertThatThrownBy(() -> collect("x://b/p", Map.of("x.secret-key", "")))
                  .hasMessageContaining("x.secret-key is empty");
            });
  }

  @Test
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

  @Test
  void aSettingGivenBothWaysMustAgree() {
    qt().withExamples(1000)
        .forAll(regions(), regions())
        .checkAssert(
            (a, b) -> {
              Map<String, String> options = Map.of("x.region", b);
              if (a.equals(b)) {
                assertThat(collect("x://b/p?region=" + a, options)).containsEntry("x.region", a);
              } else {
                assertThatThrownBy(() -> collect("x://b/p?region=" + a, options))
                    .hasMessageContaining("x.region")
                    .hasMessageContaining("one place");
              }
            });
  }

  private static Map<String, String> collect(String url, Map<String, String> options) {
    return StorageOptions.collect(URI.create(url), options, "x.", KNOWN, SECRETS);
  }
}
