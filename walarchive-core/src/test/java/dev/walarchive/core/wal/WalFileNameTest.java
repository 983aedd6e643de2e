package dev.walarchive.core.wal;

import static dev.walarchive.core.testing.Properties.anyInt;
import static dev.walarchive.core.testing.Properties.anyLong;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.longsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.wal.WalGens.lsns;
import static dev.walarchive.core.wal.WalGens.segmentSizes;
import static dev.walarchive.core.wal.WalGens.sizedSegments;
import static dev.walarchive.core.wal.WalGens.timelines;
import static dev.walarchive.core.wal.WalGens.validNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.walarchive.core.testing.Properties;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class WalFileNameTest {
  /** Any int as a segment id field, biased towards the limits of every segment size. */
  private static Gen<Integer> segIds() {
    return Generate.oneOf(anyInt(), intsBetween(0, 4097), Generate.pick(segIdLimits()));
  }

  private static List<Integer> segIdLimits() {
    List<Integer> limits = new ArrayList<>();
    for (WalSegmentSize size : WalGens.allSegmentSizes()) {
      int perXLogId = (int) size.segmentsPerXLogId();
      limits.addAll(List.of(perXLogId - 1, perXLogId, perXLogId + 1));
    }
    return limits;
  }

  /** Any long as a timeline, with the valid range's ends and their neighbours. */
  private static Gen<Long> anyTimeline() {
    return Generate.oneOf(
        anyLong(), WalGens.timelines(), Properties.oneOf(0L, 0xFFFF_FFFFL, 1L << 32));
  }

  /** Any long as a segment number, with the valid range's ends for every segment size. */
  private static Gen<Long> anySegmentNumber() {
    List<Long> limits = new ArrayList<>();
    for (WalSegmentSize size : WalGens.allSegmentSizes()) {
      limits.addAll(List.of(size.segmentCount() - 1, size.segmentCount()));
    }
    return Generate.oneOf(anyLong(), longsBetween(-1, 1L << 44), Generate.pick(limits));
  }

  @Test
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

  @Test
  void parsesEveryValidNameBackToItself() {
    qt().withExamples(1000)
        .forAll(validNames())
        .checkAssert(
            text -> {
              WalFileName name = WalFileName.parse(text);
              assertThat(name.name()).isEqualTo(text);
              assertThat(name.toString()).isEqualTo(text);
              assertThat(name)
                  .isEqualTo(WalFileName.parse(text))
                  .hasSameHashCodeAs(WalFileName.parse(text));
              assertThat(name.timeline())
                  .isEqualTo(Long.parseLong(text.substring(0, 8), 16))
                  .isPositive();
              if (name.kind() != WalFileName.Kind.TIMELINE_HISTORY) {
                assertThat(name.logId()).isEqualTo(Long.parseLong(text.substring(8, 16), 16));
                assertThat(name.segId()).isEqualTo(Long.parseLong(text.substring(16, 24), 16));
                assertThat(name.segment().name()).isEqualTo(text.substring(0, 24));
              } else {
                assertThat(WalFileName.timelineHistory(name.timeline())).isEqualTo(name);
              }
            });
  }

  @Test
  void segmentNamesRoundTripThroughTheirNumbers() {
    qt().withExamples(1000)
        .forAll(timelines(), sizedSegments())
        .checkAssert(
            (timeline, segment) -> {
              WalFileName name =
                  WalFileName.segment(timeline, segment.segmentNumber(), segment.size());
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
            });
  }

  @Test
  void nameOrderIsTimelineThenWalOrder() {
    Gen<long[]> timelinePairs =
        WalGens.timelines()
            .zip(
                WalGens.timelines(),
                Generate.booleans(),
                (a, b, same) -> new long[] {a, same ? a : b});
    Gen<long[]> numberPairs =
        anyLong()
            .zip(anyLong(), intsBetween(-2, 2), (a, b, d) -> new long[] {a, d == 0 ? b : a + d});
    qt().withExamples(1000)
        .forAll(segmentSizes(), timelinePairs, numberPairs)
        .checkAssert(
            (size, timelines, numbers) -> {
              long timelineA = timelines[0];
              long timelineB = timelines[1];
              long segmentA = Math.floorMod(numbers[0], size.segmentCount());
              long segmentB = Math.floorMod(numbers[1], size.segmentCount());
              WalFileName nameA = WalFileName.segment(timelineA, segmentA, size);
              WalFileName nameB = WalFileName.segment(timelineB, segmentB, size);
              int expected =
                  timelineA != timelineB
                      ? Long.compare(timelineA, timelineB)
                      : Long.compare(segmentA, segmentB);
              assertThat(Integer.signum(nameA.compareTo(nameB)))
                  .isEqualTo(Integer.signum(expected));
              assertThat(nameA.equals(nameB)).isEqualTo(expected == 0);
            });
  }

  @Test
  void aSegmentSortsBeforeItsPartialAndBackupFiles() {
    qt().withExamples(1000)
        .forAll(validNames())
        .checkAssert(
            text -> {
              WalFileName name = WalFileName.parse(text);
              if (name.kind() != WalFileName.Kind.TIMELINE_HISTORY && !name.isSegment()) {
                assertThat(name.segment()).isLessThan(name);
              }
            });
  }

  @Test
  void ofLsnNamesTheSegmentHoldingTheByteAndOfEndLsnTheByteBefore() {
    qt().withExamples(1000)
        .forAll(timelines(), lsns(), segmentSizes())
        .checkAssert(
            (timeline, lsn, size) -> {
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
            });
  }

  @Test
  void backupHistoryNamesEncodeTheStart() {
    qt().withExamples(1000)
        .forAll(timelines(), lsns(), segmentSizes())
        .checkAssert(
            (timeline, start, size) -> {
              WalFileName name = WalFileName.backupHistory(timeline, start, size);
              assertThat(name.kind()).isEqualTo(WalFileName.Kind.BACKUP_HISTORY);
              assertThat(WalFileName.parse(name.name())).isEqualTo(name);
              assertThat(name.backupStartLsn(size)).isEqualTo(start);
              assertThat(name.segment()).isEqualTo(WalFileName.ofLsn(timeline, start, size));
              assertThat(name.name())
                  .endsWith(String.format(Locale.ROOT, ".%08X.backup", start.segmentOffset(size)));
            });
  }

  @Test
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

  @Test
  void segmentNumberRejectsSegIdsBeyondTheSize() {
    qt().withExamples(1000)
        .forAll(segmentSizes(), timelines(), segIds())
        .checkAssert(
            (size, timeline, segId) -> {
              long field = Integer.toUnsignedLong(segId);
              WalFileName name =
                  WalFileName.parse(String.format(Locale.ROOT, "%08X%08X%08X", timeline, 7, field));
              if (field < size.segmentsPerXLogId()) {
                assertThat(name.segmentNumber(size))
                    .isEqualTo(7 * size.segmentsPerXLogId() + field);
              } else {
                assertThatThrownBy(() -> name.segmentNumber(size))
                    .isInstanceOf(IllegalArgumentException.class);
              }
            });
  }

  @Test
  void factoriesRejectInvalidTimelinesAndSegmentNumbers() {
    qt().withExamples(1000)
        .forAll(segmentSizes(), anyTimeline(), anySegmentNumber())
        .checkAssert(
            (size, timeline, segmentNumber) -> {
              boolean valid =
                  timeline >= 1
                      && timeline <= 0xFFFFFFFFL
                      && segmentNumber >= 0
                      && segmentNumber < size.segmentCount();
              if (valid) {
                assertThat(WalFileName.segment(timeline, segmentNumber, size).timeline())
                    .isEqualTo(timeline);
              } else {
                assertThatThrownBy(() -> WalFileName.segment(timeline, segmentNumber, size))
                    .isInstanceOf(IllegalArgumentException.class);
              }
            });
  }

  /** Strings that are almost WAL file names. */
  static Gen<String> nearMisses() {
    Gen<String> valid = validNames();
    Gen<Integer> positions = integers().between(0, 1000);
    Gen<String> fragments = Generate.pick(WalGens.badFragments());
    Gen<String> inserted =
        valid.zip(
            fragments,
            positions,
            (s, bad, at) -> {
              int i = at % (s.length() + 1);
              return s.substring(0, i) + bad + s.substring(i);
            });
    Gen<String> replaced =
        valid
            .zip(
                fragments,
                positions,
                (s, bad, at) -> {
                  int i = at % s.length();
                  return s.substring(0, i) + bad + s.substring(i + 1);
                })
            .assuming(WalFileNameTest::isNotValid);
    Gen<String> deleted =
        valid
            .zip(
                positions,
                (s, at) -> {
                  int i = at % s.length();
                  return s.substring(0, i) + s.substring(i + 1);
                })
            .assuming(WalFileNameTest::isNotValid);
    Gen<String> lowercased =
        valid.zip(positions, WalFileNameTest::lowercaseOneHexLetter).assuming(s -> s != null);
    Gen<String> pathLike =
        valid.zip(
            Properties.oneOf("../", "/", "./", "dir/", "..\\", "pg_wal/", "/tmp/"),
            (s, prefix) -> prefix + s);
    Gen<String> timelineZero =
        WalGens.upperHex(16)
            .zip(
                WalGens.upperHex(8),
                Properties.oneOf("", ".partial", ".backup"),
                (segment, offset, suffix) ->
                    "00000000"
                        + segment
                        + (suffix.equals(".backup") ? "." + offset + suffix : suffix));
    Gen<String> fixed =
        Properties.oneOf(
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
    return Generate.oneOf(inserted, replaced, deleted, lowercased, pathLike, fixed, timelineZero);
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

  @Test
  void rejectsNearMissesNamingTheInput() {
    qt().withExamples(1000)
        .forAll(nearMisses())
        .checkAssert(
            text -> {
              assertThatThrownBy(() -> WalFileName.parse(text))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageStartingWith("not a WAL file name: \"");
            });
  }

  @Test
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

  @Test
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
