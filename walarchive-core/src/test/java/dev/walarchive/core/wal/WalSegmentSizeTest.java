package dev.walarchive.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class WalSegmentSizeTest {
  @Property
  void acceptsExactlyThePowersOfTwoFromOneMibToOneGib(@ForAll long bytes) {
    boolean valid = bytes >= (1L << 20) && bytes <= (1L << 30) && Long.bitCount(bytes) == 1;
    if (valid) {
      assertThat(WalSegmentSize.of(bytes).bytes()).isEqualTo(bytes);
    } else {
      assertThatThrownBy(() -> WalSegmentSize.of(bytes))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Long.toString(bytes));
    }
  }

  @Property
  void validSizesAndTheirNeighbours(@ForAll @IntRange(min = 18, max = 32) int shift) {
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

  @Property
  void ofMegabytesAcceptsWhatInitdbAccepts(@ForAll int megabytes) {
    boolean valid = megabytes >= 1 && megabytes <= 1024 && Integer.bitCount(megabytes) == 1;
    if (valid) {
      assertThat(WalSegmentSize.ofMegabytes(megabytes).bytes()).isEqualTo((long) megabytes << 20);
    } else {
      assertThatThrownBy(() -> WalSegmentSize.ofMegabytes(megabytes))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Integer.toString(megabytes));
    }
  }

  @Example
  void defaultIsSixteenMib() {
    assertThat(WalSegmentSize.DEFAULT.bytes()).isEqualTo(16L << 20);
    assertThat(WalSegmentSize.DEFAULT.segmentsPerXLogId()).isEqualTo(256);
    assertThat(WalSegmentSize.ofMegabytes(1).segmentsPerXLogId()).isEqualTo(4096);
    assertThat(WalSegmentSize.ofMegabytes(1024).segmentsPerXLogId()).isEqualTo(4);
  }
}
