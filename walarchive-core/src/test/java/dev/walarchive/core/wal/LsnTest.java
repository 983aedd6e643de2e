package dev.walarchive.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class LsnTest {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private static BigInteger unsigned(Lsn lsn) {
    return new BigInteger(Long.toUnsignedString(lsn.value()));
  }

  @Provide
  Arbitrary<Lsn> lsns() {
    return WalArbitraries.lsns();
  }

  @Provide
  Arbitrary<WalSegmentSize> sizes() {
    return WalArbitraries.segmentSizes();
  }

  @Example
  void printsLikePostgres() {
    assertThat(Lsn.parse("16/B374D848")).hasToString("16/B374D848");
    assertThat(Lsn.of(0x16_B374D848L)).hasToString("16/B374D848");
    assertThat(Lsn.ZERO).hasToString("0/0");
    assertThat(Lsn.of(-1)).hasToString("FFFFFFFF/FFFFFFFF");
    assertThat(Lsn.of(0x1000028L)).hasToString("0/1000028");
    assertThat(Lsn.parse("00000016/00000001")).isEqualTo(Lsn.of(0x16_00000001L));
    assertThat(Lsn.parse("ff/abcdef01")).hasToString("FF/ABCDEF01");
  }

  @Property
  void toStringParsesBackToTheSameValue(@ForAll("lsns") Lsn lsn) {
    assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
    assertThat(lsn.toString()).matches("(0|[1-9A-F][0-9A-F]{0,7})/(0|[1-9A-F][0-9A-F]{0,7})");
  }

  @Property
  void parseAcceptsZeroPaddedAndLowercaseForms(@ForAll("lsns") Lsn lsn) {
    String padded =
        String.format(Locale.ROOT, "%08x/%08x", lsn.value() >>> 32, lsn.value() & 0xFFFFFFFFL);
    assertThat(Lsn.parse(padded)).isEqualTo(lsn);
  }

  @Property
  void comparesAsUnsignedNumbers(@ForAll("lsns") Lsn a, @ForAll("lsns") Lsn b) {
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(unsigned(a).compareTo(unsigned(b)));
    assertThat(a.equals(b)).isEqualTo(a.compareTo(b) == 0);
    if (a.equals(b)) {
      assertThat(a.hashCode()).isEqualTo(b.hashCode());
    }
  }

  @Property
  void minusIsTheExactSignedDifferenceOrThrows(@ForAll("lsns") Lsn a, @ForAll("lsns") Lsn b) {
    BigInteger exact = unsigned(a).subtract(unsigned(b));
    if (exact.bitLength() < 64) {
      assertThat(a.minus(b)).isEqualTo(exact.longValueExact());
      assertThat(b.plus(a.minus(b))).isEqualTo(a);
    } else {
      assertThatThrownBy(() -> a.minus(b)).isInstanceOf(ArithmeticException.class);
    }
  }

  @Property
  void plusIsExactOrThrows(@ForAll("lsns") Lsn a, @ForAll long bytes) {
    BigInteger exact = unsigned(a).add(BigInteger.valueOf(bytes));
    if (exact.signum() >= 0 && exact.compareTo(TWO_64) < 0) {
      assertThat(unsigned(a.plus(bytes))).isEqualTo(exact);
    } else {
      assertThatThrownBy(() -> a.plus(bytes))
          .isInstanceOf(ArithmeticException.class)
          .hasMessageContaining(a.toString());
    }
  }

  @Example
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

  @Property
  void segmentNumberAndOffsetDecomposeThePosition(
      @ForAll("lsns") Lsn lsn, @ForAll("sizes") WalSegmentSize size) {
    long number = lsn.segmentNumber(size);
    long offset = lsn.segmentOffset(size);
    BigInteger bytes = BigInteger.valueOf(size.bytes());
    assertThat(BigInteger.valueOf(number)).isEqualTo(unsigned(lsn).divide(bytes));
    assertThat(BigInteger.valueOf(offset)).isEqualTo(unsigned(lsn).mod(bytes));
    assertThat(Lsn.ofSegment(number, offset, size)).isEqualTo(lsn);
  }

  @Property
  void ofSegmentRejectsNumbersAndOffsetsOutOfRange(
      @ForAll("sizes") WalSegmentSize size, @ForAll long number, @ForAll long offset) {
    boolean valid =
        number >= 0 && number < size.segmentCount() && offset >= 0 && offset < size.bytes();
    if (valid) {
      assertThat(Lsn.ofSegment(number, offset, size).segmentNumber(size)).isEqualTo(number);
    } else {
      assertThatThrownBy(() -> Lsn.ofSegment(number, offset, size))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Provide
  Arbitrary<String> nearMisses() {
    Arbitrary<String> valid = WalArbitraries.lsns().map(Lsn::toString);
    Arbitrary<String> inserted =
        Combinators.combine(
                valid, Arbitraries.of(badLsnFragments()), Arbitraries.integers().between(0, 100))
            .as(
                (s, bad, at) -> {
                  int i = at % (s.length() + 1);
                  return s.substring(0, i) + bad + s.substring(i);
                });
    Arbitrary<String> tooLong =
        Combinators.combine(
                WalArbitraries.upperHex(9), WalArbitraries.upperHex(1), Arbitraries.of(true, false))
            .as((a, b, first) -> first ? a + "/" + b : b + "/" + a);
    return Arbitraries.oneOf(
        inserted,
        tooLong,
        Arbitraries.of("", "/", "0/", "/0", "0", "0//0", " 0/0", "0/0 ", "0x1/0", "+1/0", "-1/0"));
  }

  private static java.util.List<String> badLsnFragments() {
    return java.util.List.of(
        "/", " ", "\t", "\n", "g", "G", "x", "-", "+", ".", "\0", "\u0663", "\uFF11", "0/");
  }

  @Property
  void rejectsNearMissesNamingTheInput(@ForAll("nearMisses") String text) {
    assertThatThrownBy(() -> Lsn.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid LSN \"");
  }

  @Example
  void rejectsNineDigitComponents() {
    assertThatThrownBy(() -> Lsn.parse("100000000/0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"100000000/0\"");
    assertThatThrownBy(() -> Lsn.parse("0/000000000")).isInstanceOf(IllegalArgumentException.class);
  }
}
