package dev.walarchive.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.wal.WalArbitraries.SizedSegment;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class WalFileNameTest {
  @Provide
  Arbitrary<Long> timelines() {
    return WalArbitraries.timelines();
  }

  @Provide
  Arbitrary<SizedSegment> segments() {
    return WalArbitraries.sizedSegments();
  }

  @Provide
  Arbitrary<String> validNames() {
    return WalArbitraries.validNames();
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
  void classifiesTheFourKinds() {
    WalFileName segment = WalFileName.parse("000000010000000A000000FF");
    assertThat(segment.kind()).isEqualTo(WalFileName.Kind.SEGMENT);
    assertThat(segment.isSegment()).isTrue();
    assertThat(segment.timeline()).isEqualTo(1);
    assertThat(segment.logId()).isEqualTo(0xA);
    assertThat(segment.segId()).isEqualTo(0xFF);
    assertThat(segment.segmentNumber(WalSegmentSize.DEFAULT)).isEqualTo(0xA * 256 + 0xFF);
    assertThat(segment.segment()).isSameAs(segment);

    WalFileName partial = WalFileName.parse("000000020000000A000000FF.partial");
    assertThat(partial.kind()).isEqualTo(WalFileName.Kind.PARTIAL_SEGMENT);
    assertThat(partial.isSegment()).isFalse();
    assertThat(partial.segment()).isEqualTo(WalFileName.parse("000000020000000A000000FF"));

    WalFileName backup = WalFileName.parse("000000010000000A000000D8.00000028.backup");
    assertThat(backup.kind()).isEqualTo(WalFileName.Kind.BACKUP_HISTORY);
    assertThat(backup.backupOffset()).isEqualTo(0x28);
    assertThat(backup.segment()).isEqualTo(WalFileName.parse("000000010000000A000000D8"));
    assertThat(backup.backupStartLsn(WalSegmentSize.DEFAULT)).isEqualTo(Lsn.parse("A/D8000028"));

    WalFileName history = WalFileName.parse("0000000A.history");
    assertThat(history.kind()).isEqualTo(WalFileName.Kind.TIMELINE_HISTORY);
    assertThat(history.timeline()).isEqualTo(10);
    assertThatThrownBy(history::logId).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(history::segId).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(history::segment).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> history.segmentNumber(WalSegmentSize.DEFAULT))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(segment::backupOffset).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(history::backupOffset).isInstanceOf(IllegalStateException.class);
  }

  @Property
  void parsesEveryValidNameBackToItself(@ForAll("validNames") String text) {
    WalFileName name = WalFileName.parse(text);
    assertThat(name.name()).isEqualTo(text);
    assertThat(name.toString()).isEqualTo(text);
    assertThat(name).isEqualTo(WalFileName.parse(text)).hasSameHashCodeAs(WalFileName.parse(text));
    assertThat(name.timeline()).isEqualTo(Long.parseLong(text.substring(0, 8), 16)).isPositive();
    if (name.kind() != WalFileName.Kind.TIMELINE_HISTORY) {
      assertThat(name.logId()).isEqualTo(Long.parseLong(text.substring(8, 16), 16));
      assertThat(name.segId()).isEqualTo(Long.parseLong(text.substring(16, 24), 16));
      assertThat(name.segment().name()).isEqualTo(text.substring(0, 24));
    } else {
      assertThat(WalFileName.timelineHistory(name.timeline())).isEqualTo(name);
    }
  }

  @Property
  void segmentNamesRoundTripThroughTheirNumbers(
      @ForAll("timelines") long timeline, @ForAll("segments") SizedSegment segment) {
    WalFileName name = WalFileName.segment(timeline, segment.segmentNumber(), segment.size());
    assertThat(name.name())
        .isEqualTo(
            String.format(
                Locale.ROOT,
                "%08X%08X%08X",
                timeline,
                segment.segmentNumber() / segment.size().segmentsPerXLogId(),
                segment.segmentNumber() % segment.size().segmentsPerXLogId()));
    WalFileName parsed = WalFileName.parse(name.name());
    assertThat(parsed).isEqualTo(name);
    assertThat(parsed.kind()).isEqualTo(WalFileName.Kind.SEGMENT);
    assertThat(parsed.timeline()).isEqualTo(timeline);
    assertThat(parsed.segmentNumber(segment.size())).isEqualTo(segment.segmentNumber());
  }

  @Property
  void nameOrderIsTimelineThenWalOrder(
      @ForAll("sizes") WalSegmentSize size,
      @ForAll("timelines") long timelineA,
      @ForAll("timelines") long timelineB,
      @ForAll long a,
      @ForAll long b) {
    long segmentA = Math.floorMod(a, size.segmentCount());
    long segmentB = Math.floorMod(b, size.segmentCount());
    WalFileName nameA = WalFileName.segment(timelineA, segmentA, size);
    WalFileName nameB = WalFileName.segment(timelineB, segmentB, size);
    int expected =
        timelineA != timelineB
            ? Long.compare(timelineA, timelineB)
            : Long.compare(segmentA, segmentB);
    assertThat(Integer.signum(nameA.compareTo(nameB))).isEqualTo(Integer.signum(expected));
    assertThat(nameA.equals(nameB)).isEqualTo(expected == 0);
  }

  @Property
  void aSegmentSortsBeforeItsPartialAndBackupFiles(@ForAll("validNames") String text) {
    WalFileName name = WalFileName.parse(text);
    if (name.kind() != WalFileName.Kind.TIMELINE_HISTORY && !name.isSegment()) {
      assertThat(name.segment()).isLessThan(name);
    }
  }

  @Property
  void ofLsnNamesTheSegmentHoldingTheByteAndOfEndLsnTheByteBefore(
      @ForAll("timelines") long timeline,
      @ForAll("lsns") Lsn lsn,
      @ForAll("sizes") WalSegmentSize size) {
    WalFileName at = WalFileName.ofLsn(timeline, lsn, size);
    assertThat(at.segmentNumber(size)).isEqualTo(lsn.segmentNumber(size));
    if (lsn.equals(Lsn.ZERO)) {
      assertThatThrownBy(() -> WalFileName.ofEndLsn(timeline, lsn, size))
          .isInstanceOf(IllegalArgumentException.class);
    } else {
      WalFileName before = WalFileName.ofEndLsn(timeline, lsn, size);
      assertThat(before).isEqualTo(WalFileName.ofLsn(timeline, lsn.plus(-1), size));
      assertThat(before.equals(at)).isEqualTo(lsn.segmentOffset(size) != 0);
    }
  }

  @Property
  void backupHistoryNamesEncodeTheStart(
      @ForAll("timelines") long timeline,
      @ForAll("lsns") Lsn start,
      @ForAll("sizes") WalSegmentSize size) {
    WalFileName name = WalFileName.backupHistory(timeline, start, size);
    assertThat(name.kind()).isEqualTo(WalFileName.Kind.BACKUP_HISTORY);
    assertThat(WalFileName.parse(name.name())).isEqualTo(name);
    assertThat(name.backupStartLsn(size)).isEqualTo(start);
    assertThat(name.segment()).isEqualTo(WalFileName.ofLsn(timeline, start, size));
    assertThat(name.name())
        .endsWith(String.format(Locale.ROOT, ".%08X.backup", start.segmentOffset(size)));
  }

  @Example
  void segmentFieldsMustExistForTheSegmentSize() {
    WalSegmentSize oneGib = WalSegmentSize.ofMegabytes(1024);
    assertThat(WalFileName.parse("000000010000000000000003").segmentNumber(oneGib)).isEqualTo(3);
    assertThatThrownBy(() -> WalFileName.parse("000000010000000000000004").segmentNumber(oneGib))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("000000010000000000000004");
    assertThatThrownBy(
            () -> WalFileName.parse("0000000100000000000000FF.partial").segmentNumber(oneGib))
        .isInstanceOf(IllegalArgumentException.class);
    // the backup offset must lie within the segment
    assertThatThrownBy(
            () ->
                WalFileName.parse("000000010000000000000000.00100000.backup")
                    .backupStartLsn(WalSegmentSize.ofMegabytes(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void segmentNumberRejectsSegIdsBeyondTheSize(
      @ForAll("sizes") WalSegmentSize size, @ForAll("timelines") long timeline, @ForAll int segId) {
    long field = Integer.toUnsignedLong(segId);
    WalFileName name =
        WalFileName.parse(String.format(Locale.ROOT, "%08X%08X%08X", timeline, 7, field));
    if (field < size.segmentsPerXLogId()) {
      assertThat(name.segmentNumber(size)).isEqualTo(7 * size.segmentsPerXLogId() + field);
    } else {
      assertThatThrownBy(() -> name.segmentNumber(size))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Property
  void factoriesRejectInvalidTimelinesAndSegmentNumbers(
      @ForAll("sizes") WalSegmentSize size, @ForAll long timeline, @ForAll long segmentNumber) {
    boolean valid =
        timeline >= 1
            && timeline <= 0xFFFFFFFFL
            && segmentNumber >= 0
            && segmentNumber < size.segmentCount();
    if (valid) {
      assertThat(WalFileName.segment(timeline, segmentNumber, size).timeline()).isEqualTo(timeline);
    } else {
      assertThatThrownBy(() -> WalFileName.segment(timeline, segmentNumber, size))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Provide
  Arbitrary<String> nearMisses() {
    Arbitrary<String> valid = WalArbitraries.validNames();
    Arbitrary<Integer> positions = Arbitraries.integers().between(0, 1000);
    Arbitrary<String> fragments = Arbitraries.of(WalArbitraries.badFragments());
    Arbitrary<String> inserted =
        Combinators.combine(valid, fragments, positions)
            .as(
                (s, bad, at) -> {
                  int i = at % (s.length() + 1);
                  return s.substring(0, i) + bad + s.substring(i);
                });
    Arbitrary<String> replaced =
        Combinators.combine(valid, fragments, positions)
            .as(
                (s, bad, at) -> {
                  int i = at % s.length();
                  return s.substring(0, i) + bad + s.substring(i + 1);
                })
            .filter(WalFileNameTest::isNotValid);
    Arbitrary<String> deleted =
        Combinators.combine(valid, positions)
            .as(
                (s, at) -> {
                  int i = at % s.length();
                  return s.substring(0, i) + s.substring(i + 1);
                })
            .filter(WalFileNameTest::isNotValid);
    Arbitrary<String> lowercased =
        Combinators.combine(valid, positions)
            .as((s, at) -> lowercaseOneHexLetter(s, at))
            .filter(s -> s != null);
    Arbitrary<String> pathLike =
        Combinators.combine(
                valid, Arbitraries.of("../", "/", "./", "dir/", "..\\", "pg_wal/", "/tmp/"))
            .as((s, prefix) -> prefix + s);
    Arbitrary<String> timelineZero =
        Combinators.combine(
                WalArbitraries.upperHex(16),
                WalArbitraries.upperHex(8),
                Arbitraries.of("", ".partial", ".backup"))
            .as(
                (segment, offset, suffix) ->
                    "00000000"
                        + segment
                        + (suffix.equals(".backup") ? "." + offset + suffix : suffix));
    Arbitrary<String> fixed =
        Arbitraries.of(
            "",
            ".",
            "..",
            "00000000.history",
            "00000001.HISTORY",
            "1.history",
            "000000001.history",
            "00000001.history.tmp",
            "000000010000000000000001.PARTIAL",
            "000000010000000000000001.partial.partial",
            "000000010000000000000001.0000028.backup",
            "000000010000000000000001.000000028.backup",
            "000000010000000000000001.00000028.backup.gz",
            "000000010000000000000001.00000028",
            "000000010000000000000001.backup",
            "000000010000000000000001.gz",
            "000000010000000000000001.zst",
            "00000001000000000000001",
            "0000000100000000000000010",
            "0x0000010000000000000001",
            "archive_status",
            "000000010000000000000001.ready",
            "000000010000000000000001.done",
            "backup_label",
            "RECOVERYXLOG",
            "RECOVERYHISTORY");
    return Arbitraries.oneOf(
        inserted, replaced, deleted, lowercased, pathLike, fixed, timelineZero);
  }

  private static boolean isNotValid(String s) {
    try {
      WalFileName.parse(s);
      return false;
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  private static String lowercaseOneHexLetter(String s, int at) {
    int hexLength = s.endsWith(".history") ? 8 : s.endsWith(".backup") ? 33 : 24;
    for (int k = 0; k < hexLength; k++) {
      int i = (at + k) % hexLength;
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'F') {
        return s.substring(0, i) + Character.toLowerCase(c) + s.substring(i + 1);
      }
    }
    return null;
  }

  @Property
  void rejectsNearMissesNamingTheInput(@ForAll("nearMisses") String text) {
    assertThatThrownBy(() -> WalFileName.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a WAL file name: \"");
  }

  @Example
  void errorMessagesEscapeControlCharacters() {
    assertThatThrownBy(() -> WalFileName.parse("00000001\nFAKE LOG LINE"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"00000001\\nFAKE LOG LINE\"")
        .message()
        .doesNotContain("\n");
    assertThatThrownBy(() -> WalFileName.parse("x".repeat(10_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(10000 characters)");
  }

  @Example
  void timelineZeroIsRejected() {
    assertThatThrownBy(() -> WalFileName.parse("000000000000000000000001"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeline 0");
    assertThatThrownBy(() -> WalFileName.timelineHistory(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WalFileName.timelineHistory(1L << 32))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(WalFileName.timelineHistory(0xFFFFFFFFL).name()).isEqualTo("FFFFFFFF.history");
  }
}
