package dev.walarchive.core.wal;

import static dev.walarchive.core.testing.Properties.oneOf;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static dev.walarchive.core.testing.Properties.weight;
import static dev.walarchive.core.testing.Properties.weighted;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Generators shared by the property tests of this package. */
final class WalGens {
  private WalGens() {}

  /** Every valid segment size, 1 MiB to 1 GiB, uniformly. */
  static Gen<WalSegmentSize> segmentSizes() {
    return integers().between(20, 30).map(shift -> WalSegmentSize.of(1L << shift));
  }

  /** Every valid segment size, smallest first: for tests that go through all of them. */
  static List<WalSegmentSize> allSegmentSizes() {
    return java.util.stream.IntStream.rangeClosed(20, 30)
        .mapToObj(shift -> WalSegmentSize.of(1L << shift))
        .toList();
  }

  /** Any 64-bit LSN, biased towards the edges and towards small values. */
  static Gen<Lsn> lsns() {
    return weighted(
            weight(5, longs().all()),
            weight(2, longs().between(0, 1L << 36)),
            weight(
                1,
                oneOf(
                    0L,
                    1L,
                    -1L,
                    -2L,
                    Long.MAX_VALUE,
                    Long.MIN_VALUE,
                    1L << 32,
                    (1L << 32) - 1,
                    (1L << 32) + 1)))
        .map(Lsn::of);
  }

  /** Valid timelines, biased towards small ones and the maximum. */
  static Gen<Long> timelines() {
    return weighted(
        weight(4, longs().between(1, 20)),
        weight(4, longs().between(1, 0xFFFF_FFFFL)),
        weight(1, oneOf(1L, 0xFFFF_FFFFL, 0xFFFF_FFFEL)));
  }

  /** A segment size with a valid segment number for it. */
  record SizedSegment(WalSegmentSize size, long segmentNumber) {}

  static Gen<SizedSegment> sizedSegments() {
    return segmentSizes()
        .flatMap(
            size ->
                weighted(
                        weight(3, longs().between(0, size.segmentCount() - 1)),
                        weight(2, longs().between(0, 10_000)),
                        weight(
                            1,
                            oneOf(
                                0L,
                                1L,
                                size.segmentsPerXLogId() - 1,
                                size.segmentsPerXLogId(),
                                size.segmentCount() - 1)))
                    .map(n -> new SizedSegment(size, n)));
  }

  /** n uppercase hex digits. */
  static Gen<String> upperHex(int n) {
    return stringsOf("0123456789ABCDEF", n, n);
  }

  /** Eight uppercase hex digits that are not all zero (a valid timeline field). */
  static Gen<String> timelineHex() {
    Gen<String> hex = upperHex(8);
    return in -> {
      String s = hex.generate(in);
      return s.equals("00000000") ? "00000001" : s;
    };
  }

  /** Any valid WAL file name of any of the four kinds, as PostgreSQL writes it. */
  static Gen<String> validNames() {
    Gen<String> segment = timelineHex().zip(upperHex(16), String::concat);
    return Generate.oneOf(
        segment,
        segment.map(s -> s + ".partial"),
        segment.zip(upperHex(8), (s, o) -> s + "." + o + ".backup"),
        timelineHex().map(t -> t + ".history"));
  }

  /** Characters that make a near miss when inserted into or substituted in a valid name. */
  static List<String> badFragments() {
    return List.of(
        "a", "f", "G", "g", "x", "/", "\\", "..", ".", " ", "\t", "\n", "\0", "-", "+", "_", "*",
        "%", "\u0663", "\uFF10", "\u00C4", "\u200B", "~");
  }
}
