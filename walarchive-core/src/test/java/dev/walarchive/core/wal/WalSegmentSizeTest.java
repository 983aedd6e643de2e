package dev.walarchive.core.wal;

import static dev.walarchive.core.testing.Properties.anyInt;
import static dev.walarchive.core.testing.Properties.anyLong;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.longsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class WalSegmentSizeTest {
  /** Powers of two from 2^0 to 2^62 and their neighbours, the valid sizes among them. */
  private static Gen<Long> nearPowersOfTwo() {
    List<Long> values = new ArrayList<>();
    for (int shift = 0; shift < 63; shift++) {
      values.add(1L << shift);
      values.add((1L << shift) - 1);
      values.add((1L << shift) + 1);
    }
    return Generate.pick(values);
  }

  @Test
  void acceptsExactlyThePowersOfTwoFromOneMibToOneGib() {
    qt().withExamples(1000)
        .forAll(Generate.oneOf(anyLong(), longsBetween(-1, (1L << 31) + 1), nearPowersOfTwo()))
        .checkAssert(
            bytes -> {
              boolean valid =
                  bytes >= (1L << 20) && bytes <= (1L << 30) && Long.bitCount(bytes) == 1;
              if (valid) {
                assertThat(WalSegmentSize.of(bytes).bytes()).isEqualTo(bytes);
              } else {
                assertThatThrownBy(() -> WalSegmentSize.of(bytes))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Long.toString(bytes));
              }
            });
  }

  /** Every shift from 18 to 32: all of them, each once. */
  @ParameterizedTest
  @ValueSource(ints = {18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32})
  void validSizesAndTheirNeighbours(int shift) {
    long bytes = 1L << shift;
    if (shift >= 20 && shift <= 30) {
      WalSegmentSize size = WalSegmentSize.of(bytes);
      assertThat(size.segmentsPerXLogId() * size.bytes()).isEqualTo(1L << 32);
      assertThatThrownBy(() -> WalSegmentSize.of(bytes + 1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> WalSegmentSize.of(bytes - 1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(WalSegmentSize.ofMegabytes((int) (bytes >> 20))).isEqualTo(size);
    } else {
      assertThatThrownBy(() -> WalSegmentSize.of(bytes))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void ofMegabytesAcceptsWhatInitdbAccepts() {
    qt().withExamples(1000)
        .forAll(
            Generate.oneOf(
                anyInt(),
                intsBetween(-1, 2049),
                nearPowersOfTwo().map(n -> (int) Math.min(n, Integer.MAX_VALUE))))
        .checkAssert(
            megabytes -> {
              boolean valid =
                  megabytes >= 1 && megabytes <= 1024 && Integer.bitCount(megabytes) == 1;
              if (valid) {
                assertThat(WalSegmentSize.ofMegabytes(megabytes).bytes())
                    .isEqualTo((long) megabytes << 20);
              } else {
                assertThatThrownBy(() -> WalSegmentSize.ofMegabytes(megabytes))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Integer.toString(megabytes));
              }
            });
  }

  @Test
  void defaultIsSixteenMib() {
    assertThat(WalSegmentSize.DEFAULT.bytes()).isEqualTo(16L << 20);
    assertThat(WalSegmentSize.DEFAULT.segmentsPerXLogId()).isEqualTo(256);
    assertThat(WalSegmentSize.ofMegabytes(1).segmentsPerXLogId()).isEqualTo(4096);
    assertThat(WalSegmentSize.ofMegabytes(1024).segmentsPerXLogId()).isEqualTo(4);
  }
}
