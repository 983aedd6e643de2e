package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SizesTest {
  @Test
  void belowOneKibibyteInBytesAboveInTheLargestBinaryUnitWithOneDecimal() {
    assertThat(Sizes.approximate(0)).isEqualTo("0 bytes");
    assertThat(Sizes.approximate(1023)).isEqualTo("1023 bytes");
    assertThat(Sizes.approximate(1024)).isEqualTo("1.0 KiB");
    assertThat(Sizes.approximate(764292)).isEqualTo("746.4 KiB");
    assertThat(Sizes.approximate(3L << 20)).isEqualTo("3.0 MiB");
    assertThat(Sizes.approximate((1L << 30) + (1L << 29))).isEqualTo("1.5 GiB");
    assertThat(Sizes.approximate(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
  }

  @Test
  void theExactFormAddsTheApproximationFromOneKibibyte() {
    assertThat(Sizes.exactAndApproximate(1259)).isEqualTo("1259 bytes (1.2 KiB)");
    assertThat(Sizes.exactAndApproximate(100)).isEqualTo("100 bytes");
  }
}
