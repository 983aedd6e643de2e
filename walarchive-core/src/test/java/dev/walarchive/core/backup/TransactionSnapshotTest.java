package dev.walarchive.core.backup;

import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.longsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Parsing {@code pg_current_snapshot()} text and deciding whether a transaction had ended. */
class TransactionSnapshotTest {
  private static String text(long xmin, long xmax, List<Long> xip) {
    StringBuilder b = new StringBuilder().append(xmin).append(':').append(xmax).append(':');
    for (int i = 0; i < xip.size(); i++) {
      b.append(i == 0 ? "" : ",").append(xip.get(i));
    }
    return b.toString();
  }

  @Test
  void aTransactionHadNotEndedExactlyIfItIsRunningOrNotYetStarted() {
    // epochs 0 and 5; ids given with their epoch
    qt().withExamples(500)
        .forAll(
            longsBetween(3, 1000).zip(intsBetween(0, 1), (x, e) -> x + ((long) e * 5 << 32)),
            intsBetween(0, 20),
            listsOf(intsBetween(0, 19), 0, 5),
            longsBetween(0, 1100))
        .checkAssert(
            (xmin, width, offsets, probe) -> {
              long xmax = xmin + width;
              TreeSet<Long> running = new TreeSet<>();
              for (int o : offsets) {
                if (o < width) {
                  running.add(xmin + o);
                }
              }
              TransactionSnapshot s =
                  TransactionSnapshot.parse(text(xmin, xmax, List.copyOf(running)));
              assertThat(s.xmin()).isEqualTo(xmin);
              assertThat(s.xmax()).isEqualTo(xmax);
              long epochBase = xmin & ~0xFFFFFFFFL;
              long full = epochBase + probe;
              boolean expected = full >= xmax || running.contains(full);
              assertThat(s.notEnded(BigInteger.valueOf(full))).isEqualTo(expected);
              // the same id without its epoch means the same transaction
              assertThat(s.notEnded(BigInteger.valueOf(full & 0xFFFFFFFFL))).isEqualTo(expected);
            });
  }

  @Test
  void aPlainIdNearAnEpochBoundaryIsTakenInTheNearestEpoch() {
    long xmax = (1L << 32) + 10; // epoch 1, just after the wraparound
    TransactionSnapshot s = TransactionSnapshot.parse((xmax - 20) + ":" + xmax + ":");
    assertThat(s.notEnded(BigInteger.valueOf(0xFFFFFFF0L))).isFalse(); // epoch 0, ended
    assertThat(s.notEnded(BigInteger.valueOf(12))).isTrue(); // epoch 1, after xmax
    assertThat(s.notEnded(BigInteger.valueOf(5))).isFalse(); // epoch 1, before xmax
  }

  @Test
  void onlySnapshotsParse() {
    qt().withExamples(500)
        .forAll(stringsOf("0123456789:,x ", 0, 16))
        .checkAssert(
            text -> {
              boolean valid =
                  text.matches(
                      "(0|[1-9][0-9]*):(0|[1-9][0-9]*):((0|[1-9][0-9]*)(,(0|[1-9][0-9]*))*)?");
              if (!valid) {
                assertThatThrownBy(() -> TransactionSnapshot.parse(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a");
              }
            });
    assertThatThrownBy(() -> TransactionSnapshot.parse("10:5:"))
        .hasMessageContaining("xmin 10 is after xmax 5");
    assertThatThrownBy(() -> TransactionSnapshot.parse("10:20:25"))
        .hasMessageContaining("outside xmin..xmax");
    assertThat(TransactionSnapshot.parse("100:104:100,102").xip()).containsExactly(100L, 102L);
  }
}
