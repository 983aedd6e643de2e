package dev.walarchive.core.wal;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Generators shared by the property tests of this package. */
final class WalArbitraries {
  private WalArbitraries() {}

  static <T> Tuple.Tuple2<Integer, Arbitrary<? extends T>> weighted(
      int weight, Arbitrary<? extends T> arbitrary) {
    return Tuple.of(weight, arbitrary);
  }

  /** Every valid segment size, 1 MiB to 1 GiB. */
  static Arbitrary<WalSegmentSize> segmentSizes() {
    return Arbitraries.integers().between(20, 30).map(shift -> WalSegmentSize.of(1L << shift));
  }

  /** Any 64-bit LSN, biased towards the edges and towards small values. */
  static Arbitrary<Lsn> lsns() {
    return Arbitraries.frequencyOf(
        weighted(5, Arbitraries.longs().map(Lsn::of)),
        weighted(2, Arbitraries.longs().between(0, 1L << 36).map(Lsn::of)),
        weighted(
            1,
            Arbitraries.of(
                    0L, 1L, -1L, -2L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, (1L << 32) - 1)
                .map(Lsn::of)));
  }

  /** Valid timelines, biased towards small ones and the maximum. */
  static Arbitrary<Long> timelines() {
    return Arbitraries.frequencyOf(
        weighted(4, Arbitraries.longs().between(1, 20)),
        weighted(4, Arbitraries.longs().between(1, 0xFFFF_FFFFL)),
        weighted(1, Arbitraries.just(0xFFFF_FFFFL)));
  }

  /** A segment size with a valid segment number for it. */
  record SizedSegment(WalSegmentSize size, long segmentNumber) {}

  static Arbitrary<SizedSegment> sizedSegments() {
    return segmentSizes()
        .flatMap(
            size ->
                Arbitraries.frequencyOf(
                        weighted(3, Arbitraries.longs().between(0, size.segmentCount() - 1)),
                        weighted(2, Arbitraries.longs().between(0, 10_000)),
                        weighted(1, Arbitraries.of(0L, size.segmentCount() - 1)))
                    .map(n -> new SizedSegment(size, n)))
        .withoutEdgeCases();
  }

  /** n uppercase hex digits. */
  static Arbitrary<String> upperHex(int n) {
    return Arbitraries.strings().withChars("0123456789ABCDEF").ofLength(n);
  }

  /** Eight uppercase hex digits that are not all zero (a valid timeline field). */
  static Arbitrary<String> timelineHex() {
    return upperHex(8).filter(s -> !s.equals("00000000"));
  }

  /** Any valid WAL file name of any of the four kinds, as PostgreSQL writes it. */
  static Arbitrary<String> validNames() {
    Arbitrary<String> segment = Combinators.combine(timelineHex(), upperHex(16)).as(String::concat);
    return Arbitraries.oneOf(
        segment,
        segment.map(s -> s + ".partial"),
        Combinators.combine(segment, upperHex(8)).as((s, o) -> s + "." + o + ".backup"),
        timelineHex().map(t -> t + ".history"));
  }

  /** Characters that make a near miss when inserted into or substituted in a valid name. */
  static List<String> badFragments() {
    return List.of(
        "a", "f", "G", "g", "x", "/", "\\", "..", ".", " ", "\t", "\n", "\0", "-", "+", "_", "*",
        "%", "\u0663", "\uFF10", "\u00C4", "\u200B", "~");
  }
}
