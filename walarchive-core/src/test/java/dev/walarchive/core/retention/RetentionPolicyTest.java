package dev.walarchive.core.retention;

import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.longsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;

class RetentionPolicyTest {
  private static final String BACKUP = "000000010000000000000002.00000028.backup";

  @Test
  void builderKeepsWhatWasSet() {
    RetentionPolicy policy =
        RetentionPolicy.builder()
            .keepBackups(3)
            .recoveryWindow(Duration.ofDays(7))
            .pin(BACKUP)
            .build();

    assertThat(policy.keepBackups()).hasValue(3);
    assertThat(policy.recoveryWindow()).contains(Duration.ofDays(7));
    assertThat(policy.pinned()).containsExactly(WalFileName.parse(BACKUP));
    assertThat(policy).hasToString("keep=3,window=7d,pin=" + BACKUP);
  }

  @Test
  void defaultsAreNoRulesAndAPolicyNeedsACountOrAWindow() {
    RetentionPolicy count = RetentionPolicy.builder().keepBackups(1).build();
    assertThat(count.recoveryWindow()).isEmpty();
    assertThat(count.pinned()).isEmpty();
    RetentionPolicy window = RetentionPolicy.builder().recoveryWindow(Duration.ofHours(1)).build();
    assertThat(window.keepBackups()).isEmpty();

    assertThatThrownBy(() -> RetentionPolicy.builder().pin(BACKUP).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("keep=N")
        .hasMessageContaining("window=D");
  }

  @Test
  void settersRejectBadValuesAtOnce() {
    assertThatThrownBy(() -> RetentionPolicy.builder().keepBackups(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0")
        .hasMessageContaining("1 or more");
    assertThatThrownBy(() -> RetentionPolicy.builder().recoveryWindow(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("longer than zero");
    assertThatThrownBy(() -> RetentionPolicy.builder().recoveryWindow(Duration.ofHours(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetentionPolicy.builder().pin("000000010000000000000002"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"000000010000000000000002\"")
        .hasMessageContaining(".backup");
    assertThatThrownBy(() -> RetentionPolicy.builder().pin("../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("../etc/passwd");
  }

  @Test
  void unpinRemovesAPin() {
    RetentionPolicy policy =
        RetentionPolicy.builder().keepBackups(1).pin(BACKUP).build().toBuilder()
            .unpin(BACKUP)
            .build();

    assertThat(policy.pinned()).isEmpty();
    assertThat(policy).isEqualTo(RetentionPolicy.builder().keepBackups(1).build());
  }

  @Test
  void pinnedIsImmutable() {
    RetentionPolicy policy = RetentionPolicy.builder().keepBackups(1).pin(BACKUP).build();

    assertThatThrownBy(() -> policy.pinned().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void parsesTheTextForm() {
    RetentionPolicy policy = RetentionPolicy.parse(" keep = 2 , window=36h, pin=" + BACKUP);

    assertThat(policy.keepBackups()).hasValue(2);
    assertThat(policy.recoveryWindow()).contains(Duration.ofHours(36));
    assertThat(policy.pinned()).containsExactly(WalFileName.parse(BACKUP));
    assertThat(RetentionPolicy.parse("window=P7D").recoveryWindow()).contains(Duration.ofDays(7));
    assertThat(RetentionPolicy.parse("window=2w").recoveryWindow()).contains(Duration.ofDays(14));
  }

  @Test
  void parseNamesTheBadItem() {
    assertThatThrownBy(() -> RetentionPolicy.parse("keep=two"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"two\"");
    assertThatThrownBy(() -> RetentionPolicy.parse("keep=2,days=7"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"days\"")
        .hasMessageContaining("keep, window or pin");
    assertThatThrownBy(() -> RetentionPolicy.parse("keep=2,keep=3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> RetentionPolicy.parse("keep=2,"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keep=N, window=D");
    assertThatThrownBy(() -> RetentionPolicy.parse("pin=" + BACKUP))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pins alone");
    assertThatThrownBy(() -> RetentionPolicy.parse("window=7 days"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'7 days'");
    assertThatThrownBy(() -> RetentionPolicy.parse(""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parseDurationAcceptsShortAndIsoFormsAndRejectsTheRest() {
    assertThat(RetentionPolicy.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(RetentionPolicy.parseDuration("15m")).isEqualTo(Duration.ofMinutes(15));
    assertThat(RetentionPolicy.parseDuration("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    for (String bad :
        List.of(
            "0d", "-1d", "7", "d", "7 d", "1y", "PT0S", "PT-1H", "P", "99999999999999999999d")) {
      assertThatThrownBy(() -> RetentionPolicy.parseDuration(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void textFormRoundTrips() {
    qt().withExamples(300)
        .forAll(policies())
        .checkAssert(
            policy -> {
              assertThat(RetentionPolicy.parse(policy.toString())).isEqualTo(policy);
            });
  }

  @Test
  void durationsRoundTrip() {
    qt().withExamples(300)
        .forAll(longsBetween(1, 1L << 40))
        .checkAssert(
            millis -> {
              Duration duration = Duration.ofMillis(millis);
              assertThat(RetentionPolicy.parseDuration(RetentionPolicy.formatDuration(duration)))
                  .isEqualTo(duration);
            });
  }

  /** Every count from -5 to 5: all 11 of them, each once. */
  @ParameterizedTest
  @ValueSource(ints = {-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5})
  void keepBackupsAcceptsExactlyPositiveCounts(int n) {
    if (n >= 1) {
      assertThat(RetentionPolicy.builder().keepBackups(n).build().keepBackups()).hasValue(n);
    } else {
      assertThatThrownBy(() -> RetentionPolicy.builder().keepBackups(n))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  static Gen<RetentionPolicy> policies() {
    Gen<Optional<Integer>> keep = integers().between(1, 1000).toOptionals(25);
    Gen<Optional<Duration>> window =
        longsBetween(1, 1L << 36).map(seconds -> Duration.ofSeconds(seconds)).toOptionals(25);
    Gen<List<String>> pins =
        listsOf(
            longs()
                .between(1, 5000)
                .map(
                    n ->
                        WalFileName.backupHistory(
                                1 + n % 3, Lsn.of(n << 20 | 0x28), WalSegmentSize.ofMegabytes(1))
                            .name()),
            0,
            3);
    return keep.zip(window, pins, (k, w, p) -> Pair.of(Pair.of(k, w), p))
        .assuming(kwp -> kwp._1._1.isPresent() || kwp._1._2.isPresent())
        .map(
            kwp -> {
              RetentionPolicy.Builder builder = RetentionPolicy.builder();
              kwp._1._1.ifPresent(builder::keepBackups);
              kwp._1._2.ifPresent(builder::recoveryWindow);
              kwp._2.forEach(builder::pin);
              return builder.build();
            });
  }
}
