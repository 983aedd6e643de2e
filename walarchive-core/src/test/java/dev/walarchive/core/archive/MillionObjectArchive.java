package dev.walarchive.core.archive;

import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A generated listing of 1,000,000 objects with 50 backups (walarchive-benchmarks' {@code
 * ListingScale} generates the same): timeline 1 has segments 0 to 599,999; timeline 2 branched off
 * it inside segment 400,000 (a test restore promoted) and has segments 400,000 to 799,951; three
 * segments are lost, one on timeline 1 before the branch, one on timeline 1 after it, one on
 * timeline 2. Segment s is archived at {@link #T0} + s seconds on either timeline.
 */
final class MillionObjectArchive {
  static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final long TL1_LAST = 599_999;
  static final long BRANCH_SEGMENT = 400_000;
  static final Lsn BRANCH = Lsn.ofSegment(BRANCH_SEGMENT, 0x5000, SIZE);
  static final long TL2_LAST = 799_951;
  static final long LOST_TL1_BEFORE = 200_000;
  static final long LOST_TL1_AFTER = 500_000;
  static final long LOST_TL2 = 700_000;
  static final int BACKUPS = 50;
  static final TimelineHistory TL2 =
      TimelineHistory.ofFirstTimeline().branch(2, BRANCH, "test restore promoted");

  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private MillionObjectArchive() {}

  static Map<Long, TimelineHistory> histories() {
    return Map.of(2L, TL2);
  }

  /** Backup i starts in this segment. */
  static long backupSegment(int i) {
    return 10_000 + i * 15_000L;
  }

  static long backupTimeline(int i) {
    long segment = backupSegment(i);
    if (segment <= BRANCH_SEGMENT) {
      return 1;
    }
    return i % 2 == 1 && segment < TL1_LAST ? 1 : 2;
  }

  static List<BackupHistory> backups() {
    List<BackupHistory> result = new ArrayList<>();
    for (int i = 0; i < BACKUPS; i++) {
      long segment = backupSegment(i);
      long timeline = backupTimeline(i);
      Lsn start = Lsn.ofSegment(segment, 0x28, SIZE);
      Lsn stop = Lsn.ofSegment(segment + 1, 0x100, SIZE);
      String content =
          "START WAL LOCATION: "
              + start
              + " (file "
              + WalFileName.ofLsn(timeline, start, SIZE)
              + ")\nSTOP WAL LOCATION: "
              + stop
              + " (file "
              + WalFileName.ofLsn(timeline, stop, SIZE)
              + ")\nCHECKPOINT LOCATION: "
              + start.plus(0x60)
              + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: "
              + PG_TIME.format(T0.plusSeconds(segment))
              + "\nLABEL: backup "
              + i
              + "\nSTART TIMELINE: "
              + timeline
              + "\nSTOP TIME: "
              + PG_TIME.format(T0.plusSeconds(segment + 1))
              + "\nSTOP TIMELINE: "
              + timeline
              + "\n";
      result.add(BackupHistory.parse(WalFileName.backupHistory(timeline, start, SIZE), content));
    }
    return result;
  }

  /** The listing, streamed into a builder (segments in name order). */
  static ArchiveInventory inventory() {
    ArchiveInventory.Builder builder = ArchiveInventory.builder(SIZE);
    List<BackupHistory> backups = backups();
    Set<Long> lost1 = Set.of(LOST_TL1_BEFORE, LOST_TL1_AFTER);
    for (long s = 0; s <= TL1_LAST; s++) {
      if (!lost1.contains(s)) {
        builder.add(WalFileName.segment(1, s, SIZE), 0, T0.plusSeconds(s));
      }
    }
    builder.add(WalFileName.timelineHistory(2), 40, T0.plusSeconds(BRANCH_SEGMENT + 1));
    for (int i = 0; i < BACKUPS; i++) {
      builder.add(backups.get(i).fileName(), 300, T0.plusSeconds(backupSegment(i) + 1));
    }
    for (long s = BRANCH_SEGMENT; s <= TL2_LAST; s++) {
      if (s != LOST_TL2) {
        builder.add(WalFileName.segment(2, s, SIZE), 0, T0.plusSeconds(s));
      }
    }
    return builder.build();
  }
}
