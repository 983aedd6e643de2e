package dev.walarchive.core.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContinuityCheckTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  private final List<ArchiveInventory.Entry> entries = new ArrayList<>();

  private void segments(long timeline, long from, long to) {
    for (long s = from; s <= to; s++) {
      add(WalFileName.segment(timeline, s, SIZE));
    }
  }

  private void add(WalFileName name) {
    entries.add(new ArchiveInventory.Entry(name, 100, Instant.EPOCH));
  }

  private ArchiveInventory inventory() {
    return new ArchiveInventory(entries, List.of(), SIZE);
  }

  private static BackupHistory backup(long timeline, long segno, long stopSegno) {
    Lsn start = Lsn.ofSegment(segno, 0x28, SIZE);
    Lsn stop = Lsn.ofSegment(stopSegno, 0x100, SIZE);
    WalFileName name = WalFileName.backupHistory(timeline, start, SIZE);
    String content =
        "START WAL LOCATION: "
            + start
            + " (file "
            + WalFileName.ofLsn(timeline, start, SIZE)
            + ")\n"
            + "STOP WAL LOCATION: "
            + stop
            + " (file "
            + WalFileName.ofLsn(timeline, stop, SIZE)
            + ")\n"
            + "CHECKPOINT LOCATION: "
            + start.plus(0x60)
            + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
            + "START TIME: 2026-11-20 10:00:00 UTC\nLABEL: test\nSTART TIMELINE: "
            + timeline
            + "\nSTOP TIME: 2026-11-20 10:01:00 UTC\nSTOP TIMELINE: "
            + timeline
            + "\n";
    return BackupHistory.parse(name, content);
  }

  @Test
  void aCompleteArchiveHasNothingMissing() {
    segments(1, 2, 10);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), Map.of());
    assertThat(results)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.isComplete()).isTrue();
              assertThat(r.required()).isEqualTo(8); // segments 3..10
            });
  }

  @Test
  void aSegmentDeletedInTheMiddleIsNamedExactly() {
    segments(1, 2, 5);
    segments(1, 7, 10);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), Map.of());
    assertThat(results)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.isComplete()).isFalse();
              assertThat(r.missing())
                  .singleElement()
                  .satisfies(
                      m -> {
                        assertThat(m.first()).isEqualTo(WalFileName.segment(1, 6, SIZE));
                        assertThat(m.count()).isEqualTo(1);
                      });
            });
  }

  @Test
  void segmentsBeforeTheBackupAreNotNeeded() {
    segments(1, 5, 9);
    assertThat(ContinuityCheck.check(inventory(), List.of(backup(1, 5, 6)), Map.of()))
        .allSatisfy(r -> assertThat(r.isComplete()).isTrue());
  }

  @Test
  void aBackupMissingItsStopSegmentIsIncomplete() {
    segments(1, 3, 4);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 6)), Map.of());
    assertThat(results.get(0).missing())
        .singleElement()
        .satisfies(m -> assertThat(m.toString()).contains("000000010000000000000005"));
  }

  @Test
  void followsTheTimelineSwitchAndAcceptsTheNewTimelinesCopyOfTheSwitchSegment() {
    // timeline 2 branched inside segment 6; timeline 1's segment 6 only exists as .partial
    segments(1, 2, 5);
    add(WalFileName.parse(WalFileName.segment(1, 6, SIZE).name() + ".partial"));
    segments(2, 6, 9);
    TimelineHistory tl2 =
        TimelineHistory.ofFirstTimeline().branch(2, Lsn.ofSegment(6, 0x5000, SIZE), "promoted");
    add(WalFileName.timelineHistory(2));
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), Map.of(2L, tl2));
    assertThat(results)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.timeline()).isEqualTo(2);
              assertThat(r.isComplete()).as("%s", r).isTrue();
            });
  }

  @Test
  void aGapOnTheNewTimelineIsReportedOnThatTimeline() {
    segments(1, 2, 6);
    segments(2, 6, 7);
    segments(2, 9, 9);
    TimelineHistory tl2 =
        TimelineHistory.ofFirstTimeline().branch(2, Lsn.ofSegment(6, 0x5000, SIZE), "promoted");
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), Map.of(2L, tl2));
    assertThat(results.get(0).missing())
        .singleElement()
        .satisfies(m -> assertThat(m.first()).isEqualTo(WalFileName.segment(2, 8, SIZE)));
  }

  @Test
  void aTimelineWithoutHistoryFileIsAProblem() {
    segments(1, 2, 6);
    segments(2, 6, 7);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), Map.of());
    assertThat(results.get(0).problems()).singleElement().asString().contains("00000002.history");
  }
}
