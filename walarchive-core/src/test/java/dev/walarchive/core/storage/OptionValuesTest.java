package dev.walarchive.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.walarchive.core.retention.RetentionPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** The one grammar of durations, sizes and booleans, wherever walarchive reads them. */
class OptionValuesTest {
  /** What a duration in short form is, written independently of the parser. */
  private static final Pattern SHORT_DURATION =
      Pattern.compile("[0-9]{1,12}(ms|s|m|h|d|w)", Pattern.CASE_INSENSITIVE);

  private static final Pattern SIZE =
      Pattern.compile("[0-9]{1,9}(|b|k|kib|m|mib|g|gib)", Pattern.CASE_INSENSITIVE);

  @Test
  void anyDurationRoundTripsThroughItsShortForm() {
    qt().withExamples(2000)
        .forAll(longs().between(0, 10_000_000_000_000L), integers().between(0, 999_999_999))
        .checkAssert(
            (seconds, nanos) -> {
              Duration d = Duration.ofSeconds(seconds, nanos);
              if (d.isZero()) {
                return;
              }
              String text = OptionValues.formatDuration(d);
              assertThat(OptionValues.parseDuration("t", text)).as(text).isEqualTo(d);
              assertThat(OptionValues.parseDuration("t", text.toUpperCase(Locale.ROOT)))
                  .isEqualTo(d);
            });
  }

  @Test
  void wholeMillisecondsSecondsAndDaysAreWrittenInTheirLargestUnit() {
    assertThat(OptionValues.formatDuration(Duration.ofDays(7))).isEqualTo("7d");
    assertThat(OptionValues.formatDuration(Duration.ofHours(36))).isEqualTo("36h");
    assertThat(OptionValues.formatDuration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(OptionValues.formatDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(OptionValues.formatDuration(Duration.ofNanos(1))).isEqualTo("PT0.000000001S");
  }

  @Test
  void aRoundedDurationReadsBackAsAtMostItAndLessThanOneOfItsUnitsBelow() {
    qt().withExamples(2000)
        .forAll(longs().between(1, 10_000_000_000L), integers().between(0, 999_999_999))
        .checkAssert(
            (seconds, nanos) -> {
              Duration d = Duration.ofSeconds(seconds, nanos);
              String text = OptionValues.formatRounded(d);
              Duration read = OptionValues.parseDuration("t", text);
              Duration unit =
                  seconds < 120
                      ? Duration.ofSeconds(1)
                      : seconds < 7200
                          ? Duration.ofMinutes(1)
                          : seconds < 172800 ? Duration.ofHours(1) : Duration.ofDays(1);
              assertThat(read).as(text).isLessThanOrEqualTo(d);
              assertThat(d.minus(read)).as(text).isLessThan(unit);
            });
    assertThat(OptionValues.formatRounded(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(OptionValues.formatRounded(Duration.ofSeconds(7199))).isEqualTo("119m");
    assertThat(OptionValues.formatRounded(Duration.ofHours(47).plusMinutes(59))).isEqualTo("47h");
    assertThat(OptionValues.formatRounded(Duration.ofDays(30).plusHours(23))).isEqualTo("30d");
  }

  @Test
  void everyUnitMeansWhatTheDocumentationSays() {
    qt().withExamples(500)
        .forAll(
            longs().between(1, 1_000_000_000L),
            Generate.pick(List.of("ms", "s", "m", "h", "d", "w")))
        .checkAssert(
            (n, unit) -> {
              Duration expected =
                  switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(7 * n);
                  };
              assertThat(OptionValues.parseDuration("t", n + unit)).isEqualTo(expected);
              assertThat(OptionValues.parseDuration("t", n + unit.toUpperCase(Locale.ROOT)))
                  .isEqualTo(expected);
              assertThat(OptionValues.parseDuration("t", expected.toString())).isEqualTo(expected);
            });
  }

  /** Garbage: random text, and valid durations with one character inserted. */
  static Gen<String> notDurations() {
    Gen<String> mangled =
        Generate.pick(List.of("30s", "5m", "2h", "1d", "1w", "500ms", "PT5M", "P7D"))
            .zip(
                Generate.pick(List.of(" ", ".", "-", "x", "\n", "é", "y", "0x")),
                integers().between(0, 5),
                (word, bad, at) -> {
                  int i = at % (word.length() + 1);
                  return word.substring(0, i) + bad + word.substring(i);
                });
    return Generate.oneOf(strings().ascii().ofLengthBetween(0, 8), mangled);
  }

  @Test
  void anythingElseIsRefusedWithAMessageNamingTheSettingAndTheValue() {
    qt().withExamples(2000)
        .forAll(notDurations())
        .checkAssert(
            value -> {
              if (SHORT_DURATION.matcher(value).matches()
                  || value.toUpperCase(Locale.ROOT).startsWith("P")) {
                return; // valid short forms, and ISO text left to java.time
              }
              assertThatThrownBy(() -> OptionValues.parseDuration("--max-age", value))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageStartingWith("invalid --max-age '" + value + "': ");
            });
    for (String bad : List.of("0s", "0w", "PT0S", "-5m", "5 m", "5mins", "1y", "1M5", "")) {
      assertThatThrownBy(() -> OptionValues.parseDuration("x.timeout", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("x.timeout '" + bad + "'");
    }
  }

  @Test
  void oneWeekIsReadTheSameByRetentionPoliciesStorageOptionsAndFlags() {
    Duration week = Duration.ofDays(7);
    assertThat(RetentionPolicy.parse("keep=1,window=1w").recoveryWindow()).contains(week);
    assertThat(RetentionPolicy.parseDuration("1w")).isEqualTo(week);
    assertThat(OptionValues.parseDuration("s3.api-timeout", "1w")).isEqualTo(week);
    assertThat(OptionValues.parseDuration("--max-age", "1W")).isEqualTo(week);
    assertThat(OptionValues.parseDuration("s3.api-timeout", "500ms"))
        .isEqualTo(RetentionPolicy.parseDuration("500ms"));
  }

  @Test
  void anySizeRoundTripsThroughItsShortForm() {
    qt().withExamples(2000)
        .forAll(
            Generate.oneOf(
                longs().between(0, Long.MAX_VALUE),
                longs().between(0, 1 << 20).map(n -> n << 20),
                longs().between(0, 1 << 20).map(n -> n << 10)))
        .checkAssert(
            n -> {
              String text = OptionValues.formatSize(n);
              assertThat(OptionValues.parseSize("s", text)).as(text).isEqualTo(n);
              assertThat(OptionValues.parseSize("s", text.toLowerCase(Locale.ROOT))).isEqualTo(n);
            });
    assertThat(OptionValues.formatSize(16L << 20)).isEqualTo("16MiB");
    assertThat(OptionValues.formatSize(1000)).isEqualTo("1000");
    assertThat(OptionValues.parseSize("s", "1G")).isEqualTo(1L << 30);
    assertThat(OptionValues.parseSize("s", "512k")).isEqualTo(512L << 10);
  }

  @Test
  void decimalUnitsFractionsAndOtherGarbageAreNotSizes() {
    qt().withExamples(2000)
        .forAll(strings().ascii().ofLengthBetween(0, 8))
        .checkAssert(
            value -> {
              if (SIZE.matcher(value).matches()) {
                return;
              }
              assertThatThrownBy(() -> OptionValues.parseSize("x.part-size", value))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageStartingWith("invalid x.part-size '" + value + "': ");
            });
    for (String bad : List.of("16MB", "1.5GiB", "1kB", "16 MiB", "1T", "-1")) {
      assertThatThrownBy(() -> OptionValues.parseSize("x.part-size", bad))
          .as(bad)
          .hasMessageContaining("binary unit");
    }
  }

  @Test
  void booleansAreTrueFalseYesNoOnOffInAnyCase() {
    qt().withExamples(500)
        .forAll(
            Generate.pick(List.of("true", "yes", "on", "false", "no", "off")),
            integers().between(0, 31))
        .checkAssert(
            (word, mask) -> {
              StringBuilder sb = new StringBuilder();
              for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                sb.append((mask >> i & 1) == 1 ? Character.toUpperCase(c) : c);
              }
              boolean expected = List.of("true", "yes", "on").contains(word);
              assertThat(OptionValues.parseBoolean("b", sb.toString())).isEqualTo(expected);
            });
    for (String bad : List.of("1", "0", "y", "n", "t", "f", "enabled", " on", "")) {
      assertThatThrownBy(() -> OptionValues.parseBoolean("allow-unencrypted", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "invalid allow-unencrypted '"
                  + bad
                  + "': expected true or false (or yes/no, on/off)");
    }
  }
}
