package dev.walarchive.core.wal;

import static dev.walarchive.core.testing.Properties.anyLong;
import static dev.walarchive.core.testing.Properties.longsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.wal.WalGens.lsns;
import static dev.walarchive.core.wal.WalGens.segmentSizes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;

import java.math.BigInteger;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class LsnTest {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private static BigInteger unsigned(Lsn lsn) {
    return new BigInteger(Long.toUnsignedString(lsn.value()));
  }

  @Test
  void printsLikePostgres() {
    assertThat(Lsn.parse("16/B374D848")).hasToString("16/B374D848");
    assertThat(Lsn.of(0x16_B374D848L)).hasToString("16/B374D848");
    assertThat(Lsn.ZERO).hasToString("0/0");
    assertThat(Lsn.of(-1)).hasToString("FFFFFFFF/FFFFFFFF");
    assertThat(Lsn.of(0x1000028L)).hasToString("0/1000028");
    assertThat(Lsn.parse("00000016/00000001")).isEqualTo(Lsn.of(0x16_00000001L));
    assertThat(Lsn.parse("ff/abcdef01")).hasToString("FF/ABCDEF01");
  }

  @Test
  void toStringParsesBackToTheSameValue() {
    qt().withExamples(1000)
        .forAll(lsns())
        .checkAssert(
            lsn -> {
              assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
              assertThat(lsn.toString())
                  .matches("(0|[1-9A-F][0-9A-F]{0,7})/(0|[1-9A-F][0-9A-F]{0,7})");
            });
  }

  @Test
  void parseAcceptsZeroPaddedAndLowercaseForms() {
    qt().withExamples(1000)
        .forAll(lsns())
        .checkAssert(
            lsn -> {
              String padded =
                  String.format(
                      Locale.ROOT, "%08x/%08x", lsn.value() >>> 32, lsn.value() & 0xFFFFFFFFL);
              assertThat(Lsn.parse(padded)).isEqualTo(lsn);
            });
  }

  @Test
  void comparesAsUnsignedNumbers() {
    qt().withExamples(1000)
        .forAll(lsns(), lsns())
        .checkAssert(
            (a, b) -> {
              assertThat(Integer.signum(a.compareTo(b)))
                  .isEqualTo(unsigned(a).compareTo(unsigned(b)));
              assertThat(a.equals(b)).isEqualTo(a.compareTo(b) == 0);
              if (a.equals(b)) {
                assertThat(a.hashCode()).isEqualTo(b.hashCode());
              }
            });
  }

  @Test
  void minusIsTheExactSignedDifferenceOrThrows() {
    qt().withExamples(1000)
        .forAll(lsns(), lsns())
        .checkAssert(
            (a, b) -> {
              BigInteger exact = unsigned(a).subtract(unsigned(b));
              if (exact.bitLength() < 64) {
                assertThat(a.minus(b)).isEqualTo(exact.longValueExact());
                assertThat(b.plus(a.minus(b))).isEqualTo(a);
              } else {
                assertThatThrownBy(() -> a.minus(b)).isInstanceOf(ArithmeticException.class);
              }
            });
  }

  @Test
  void plusIsExactOrThrows() {
    qt().withExamples(1000)
        .forAll(lsns(), anyLong())
        .checkAssert(
            (a, bytes) -> {
              BigInteger exact = unsigned(a).add(BigInteger.valueOf(bytes));
              if (exact.signum() >= 0 && exact.compareTo(TWO_64) < 0) {
                assertThat(unsigned(a.plus(bytes))).isEqualTo(exact);
              } else {
                assertThatThrownBy(() -> a.plus(bytes))
                    .isInstanceOf(ArithmeticException.class)
                    .hasMessageContaining(a.toString());
              }
            });
  }

  @Test
  void arithmeticAtTheEdges() {
    assertThatThrownBy(() -> Lsn.of(-1).plus(1)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Lsn.ZERO.plus(-1)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Lsn.of(-1).minus(Lsn.ZERO)).isInstanceOf(ArithmeticException.class);
    assertThat(Lsn.of(Long.MAX_VALUE).minus(Lsn.ZERO)).isEqualTo(Long.MAX_VALUE);
    assertThat(Lsn.ZERO.minus(Lsn.of(Long.MIN_VALUE))).isEqualTo(Long.MIN_VALUE);
    assertThatThrownBy(() -> Lsn.ZERO.minus(Lsn.of(Long.MIN_VALUE + 1)))
        .isInstanceOf(ArithmeticException.class);
    assertThat(Lsn.of(-1).plus(Long.MIN_VALUE)).isEqualTo(Lsn.of(Long.MAX_VALUE));
  }

  @Test
  void segmentNumberAndOffsetDecomposeThePosition() {
    qt().withExamples(1000)
        .forAll(lsns(), segmentSizes())
        .checkAssert(
            (lsn, size) -> {
              long number = lsn.segmentNumber(size);
              long offset = lsn.segmentOffset(size);
              BigInteger bytes = BigInteger.valueOf(size.bytes());
              assertThat(BigInteger.valueOf(number)).isEqualTo(unsigned(lsn).divide(bytes));
              assertThat(BigInteger.valueOf(offset)).isEqualTo(unsigned(lsn).mod(bytes));
              assertThat(Lsn.ofSegment(number, offset, size)).isEqualTo(lsn);
            });
  }

  @Test
  void ofSegmentRejectsNumbersAndOffsetsOutOfRange() {
    qt().withExamples(1000)
        .forAll(segmentPositions())
        .checkAssert(
            p -> {
              WalSegmentSize size = p.size();
              long number = p.number();
              long offset = p.offset();
              boolean valid =
                  number >= 0
                      && number < size.segmentCount()
                      && offset >= 0
                      && offset < size.bytes();
              if (valid) {
                assertThat(Lsn.ofSegment(number, offset, size).segmentNumber(size))
                    .isEqualTo(number);
              } else {
                assertThatThrownBy(() -> Lsn.ofSegment(number, offset, size))
                    .isInstanceOf(IllegalArgumentException.class);
              }
            });
  }

  record SegmentPosition(WalSegmentSize size, long number, long offset) {}

  /** Any numbers, or numbers around the valid ranges' ends (-1, 0, last, first past it). */
  static Gen<SegmentPosition> segmentPositions() {
    return segmentSizes()
        .flatMap(
            size ->
                Generate.oneOf(anyLong(), longsBetween(-1, size.segmentCount()))
                    .zip(
                        Generate.oneOf(anyLong(), longsBetween(-1, size.bytes())),
                        (number, offset) -> new SegmentPosition(size, number, offset)));
  }

  /** Strings that are almost LSNs: a bad character inserted, a component too long, fixed. */
  static Gen<String> nearMisses() {
    Gen<String> valid = lsns().map(Lsn::toString);
    Gen<String> inserted =
        valid.zip(
            Generate.pick(badLsnFragments()),
            integers().between(0, 100),
            (s, bad, at) -> {
              int i = at % (s.length() + 1);
              return s.substring(0, i) + bad + s.substring(i);
            });
    Gen<String> tooLong =
        WalGens.upperHex(9)
            .zip(
                WalGens.upperHex(1),
                Generate.booleans(),
                (a, b, first) -> first ? a + "/" + b : b + "/" + a);
    return Generate.oneOf(
        inserted,
        tooLong,
        Generate.pick(
            java.util.List.of(
                "", "/", "0/", "/0", "0", "0//0", " 0/0", "0/0 ", "0x1/0", "+1/0", "-1/0")));
  }

  private static java.util.List<String> badLsnFragments() {
    return java.util.List.of(
        "/", " ", "\t", "\n", "g", "G", "x", "-", "+", ".", "\0", "\u0663", "\uFF11", "0/");
  }

  @Test
  void rejectsNearMissesNamingTheInput() {
    qt().withExamples(1000)
        .forAll(nearMisses())
        .checkAssert(
            text -> {
              assertThatThrownBy(() -> Lsn.parse(text))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("invalid LSN \"");
            });
  }

  @Test
  void rejectsNineDigitComponents() {
    assertThatThrownBy(() -> Lsn.parse("100000000/0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"100000000/0\"");
    assertThatThrownBy(() -> Lsn.parse("0/000000000")).isInstanceOf(IllegalArgumentException.class);
  }
}
