package dev.walarchive.core.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

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

  private void segments(long timeline, long from, long to, Instant archived) {
    for (long s = from; s <= to; s++) {
      entries.add(
          new ArchiveInventory.Entry(
              WalFileName.segment(timeline, s, SIZE), 100, archived.plusSeconds(s)));
    }
  }

  private void remove(WalFileName name) {
    entries.removeIf(e -> e.name().equals(name));
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

  private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

  /** A test restore promoted to timeline 2 archives into the archive while timeline 1 goes on. */
  private Map<Long, TimelineHistory> twoTimelinesGrowingSideBySide() {
    segments(1, 2, 20, T0); // the primary goes on, archiving segment s at T0 + s seconds
    TimelineHistory tl2 =
        TimelineHistory.ofFirstTimeline().branch(2, Lsn.ofSegment(8, 0x5000, SIZE), "promoted");
    entries.add(new ArchiveInventory.Entry(WalFileName.timelineHistory(2), 40, T0.plusSeconds(10)));
    segments(2, 8, 12, T0.plusSeconds(5)); // the test restore's own WAL
    return Map.of(2L, tl2);
  }

  @Test
  void aSegmentLostOnATimelineThatWentOnAfterABranchIsAGap() {
    Map<Long, TimelineHistory> histories = twoTimelinesGrowingSideBySide();
    remove(WalFileName.segment(1, 15, SIZE));
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), histories);
    assertThat(results).extracting(ContinuityCheck.Result::timeline).containsExactly(1L, 2L);
    assertThat(results.get(0).missing())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.first()).isEqualTo(WalFileName.segment(1, 15, SIZE));
              assertThat(m.count()).isEqualTo(1);
            });
    assertThat(results.get(0).end()).isEqualTo(Lsn.ofSegment(21, 0, SIZE));
    assertThat(results.get(1).isComplete()).as("%s", results.get(1)).isTrue();
  }

  @Test
  void aSegmentLostOnTheBranchIsAGapOnTheBranchOnly() {
    Map<Long, TimelineHistory> histories = twoTimelinesGrowingSideBySide();
    remove(WalFileName.segment(2, 10, SIZE));
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), histories);
    assertThat(results.get(0).isComplete()).isTrue();
    assertThat(results.get(1).missing())
        .singleElement()
        .satisfies(m -> assertThat(m.first()).isEqualTo(WalFileName.segment(2, 10, SIZE)));
  }

  @Test
  void aBackupTakenAfterTheBranchIsCheckedOnItsOwnTimelineOnly() {
    Map<Long, TimelineHistory> histories = twoTimelinesGrowingSideBySide();
    remove(WalFileName.segment(1, 15, SIZE));
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 13, 13)), histories);
    assertThat(results)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.timeline()).isEqualTo(1);
              assertThat(r.missing())
                  .singleElement()
                  .asString()
                  .isEqualTo("00000001000000000000000F");
            });
  }

  @Test
  void timelinesGrowingSideBySideAreADivergence() {
    Map<Long, TimelineHistory> histories = twoTimelinesGrowingSideBySide();
    assertThat(ContinuityCheck.divergences(inventory(), histories))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.timeline()).isEqualTo(1);
              assertThat(d.branch()).isEqualTo(2);
              assertThat(d.branchPoint()).isEqualTo(Lsn.ofSegment(8, 0x5000, SIZE));
              assertThat(d.segmentsAfterBranch()).isEqualTo(12); // 9..20
              assertThat(d.newest().name()).isEqualTo(WalFileName.segment(1, 20, SIZE));
              assertThat(d.branchArchived()).isEqualTo(T0.plusSeconds(10));
              assertThat(d.branchNewest().orElseThrow().name())
                  .isEqualTo(WalFileName.segment(2, 12, SIZE));
            });
  }

  @Test
  void anOrdinaryPromotionIsNoDivergence() {
    // the old primary archived its last segment before the standby's promotion was archived
    segments(1, 2, 9, T0);
    TimelineHistory tl2 =
        TimelineHistory.ofFirstTimeline().branch(2, Lsn.ofSegment(8, 0x5000, SIZE), "promoted");
    entries.add(new ArchiveInventory.Entry(WalFileName.timelineHistory(2), 40, T0.plusSeconds(60)));
    segments(2, 8, 12, T0.plusSeconds(60));
    Map<Long, TimelineHistory> histories = Map.of(2L, tl2);
    assertThat(ContinuityCheck.divergences(inventory(), histories)).isEmpty();
    // timeline 1's segment 9, after the branch, is still on a path that is checked
    remove(WalFileName.segment(1, 9, SIZE));
    segments(1, 10, 10, T0);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), histories);
    assertThat(results.get(0).timeline()).isEqualTo(1);
    assertThat(results.get(0).missing())
        .singleElement()
        .satisfies(m -> assertThat(m.first()).isEqualTo(WalFileName.segment(1, 9, SIZE)));
  }

  @Test
  void aSegmentOfTheOldTimelineWhollyAfterABranchAtASegmentBoundaryIsOnItsOwnPath() {
    segments(1, 2, 8, T0);
    TimelineHistory tl2 =
        TimelineHistory.ofFirstTimeline().branch(2, Lsn.ofSegment(8, 0, SIZE), "promoted");
    entries.add(new ArchiveInventory.Entry(WalFileName.timelineHistory(2), 40, T0));
    segments(2, 8, 10, T0);
    Map<Long, TimelineHistory> histories = Map.of(2L, tl2);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), histories);
    assertThat(results).extracting(ContinuityCheck.Result::timeline).containsExactly(1L, 2L);
    assertThat(results.get(0).end()).isEqualTo(Lsn.ofSegment(9, 0, SIZE));
    assertThat(results).allSatisfy(r -> assertThat(r.isComplete()).isTrue());
    assertThat(ContinuityCheck.divergences(inventory(), histories))
        .singleElement()
        .satisfies(d -> assertThat(d.segmentsAfterBranch()).isEqualTo(1));
  }

  @Test
  void aPartialSegmentInsideARangeIsPresent() {
    segments(1, 2, 5);
    add(WalFileName.parse(WalFileName.segment(1, 6, SIZE).name() + ".partial"));
    segments(1, 8, 9);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backup(1, 3, 4)), Map.of());
    assertThat(results.get(0).missing())
        .singleElement()
        .satisfies(m -> assertThat(m.first()).isEqualTo(WalFileName.segment(1, 7, SIZE)));
  }

  /**
   * PostgreSQL follows a timeline from a backup only if the backup's checkpoint lies on the
   * backup's timeline in that timeline's history; a branch between the backup's start (its redo
   * point) and its checkpoint record is not reachable, although the branch is after the start.
   */
  @Test
  void aTimelineThatBranchedBetweenTheBackupsStartAndItsCheckpointIsNotReachable() {
    BackupHistory b = backup(1, 3, 4);
    assertThat(b.startLsn()).isLessThan(b.checkpointLsn());
    Lsn branch = b.startLsn().plus(0x10); // after the start, before the checkpoint record
    segments(1, 2, 9);
    TimelineHistory tl2 = TimelineHistory.ofFirstTimeline().branch(2, branch, "promoted");
    add(WalFileName.timelineHistory(2));
    segments(2, 3, 6);
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(b), Map.of(2L, tl2));
    assertThat(results).extracting(ContinuityCheck.Result::timeline).containsExactly(1L);
  }

  @Test
  void aTimelineThatBeginsAtTheBackupsCheckpointIsNotReachableOneAfterItIs() {
    BackupHistory b = backup(1, 3, 4);
    segments(1, 2, 9);
    add(WalFileName.timelineHistory(2));
    add(WalFileName.timelineHistory(3));
    segments(2, 3, 6);
    segments(3, 3, 6);
    // a switch point belongs to the timeline that begins there: timeline 2 begins at the
    // checkpoint record itself, timeline 3 one byte after it
    TimelineHistory tl2 =
        TimelineHistory.ofFirstTimeline().branch(2, b.checkpointLsn(), "promoted");
    TimelineHistory tl3 =
        TimelineHistory.ofFirstTimeline().branch(3, b.checkpointLsn().plus(1), "promoted");
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(b), Map.of(2L, tl2, 3L, tl3));
    assertThat(results).extracting(ContinuityCheck.Result::timeline).containsExactly(1L, 3L);
  }

  /**
   * For a backup on timeline 1 and a timeline 2 branching off anywhere around it, timeline 2 is
   * checked exactly when it branched strictly after the backup's checkpoint record.
   */
  @Test
  void aBranchIsFollowedExactlyWhenItIsAfterTheCheckpoint() {
    qt().withExamples(200)
        .forAll(integers().between(1, 6), integers().between(-0x200, 0x200))
        .checkAssert(
            (segment, delta) -> {
              entries.clear();
              BackupHistory b = backup(1, 3, 4);
              Lsn base = Lsn.ofSegment(segment, 0, SIZE);
              Lsn branch =
                  Lsn.of(
                      Math.max(0x28, base.value() + b.checkpointLsn().value() % 0x100000 + delta));
              segments(1, 2, 12);
              add(WalFileName.timelineHistory(2));
              segments(2, branch.segmentNumber(SIZE), 8);
              TimelineHistory tl2 = TimelineHistory.ofFirstTimeline().branch(2, branch, "x");
              List<Long> checked =
                  ContinuityCheck.check(inventory(), List.of(b), Map.of(2L, tl2)).stream()
                      .map(ContinuityCheck.Result::timeline)
                      .toList();
              boolean after = branch.compareTo(b.checkpointLsn()) > 0;
              assertThat(checked.contains(2L)).as("branch at %s, %s", branch, b).isEqualTo(after);
              assertThat(checked).as("timeline 1 went on past segment 8").contains(1L);
            });
  }

  /**
   * The check agrees with a plain walk over every segment a recovery reads, for archives with
   * random holes, .partial files and up to three timelines.
   */
  @Test
  void agreesWithAWalkOverEverySegment() {
    qt().withExamples(300)
        .forAll(
            longs().between(0, Long.MAX_VALUE),
            integers().between(2, 40),
            integers().between(1, 3),
            integers().between(0, 10))
        .checkAssert(
            (seed, length, timelineCount, holes) -> {
              java.util.Random random = new java.util.Random(seed);
              List<ArchiveInventory.Entry> files = new ArrayList<>();
              Map<Long, TimelineHistory> histories = new java.util.HashMap<>();
              TimelineHistory h = TimelineHistory.ofFirstTimeline();
              long from = 0;
              Lsn previousPoint = Lsn.ZERO;
              for (long t = 1; t <= timelineCount; t++) {
                if (t > 1) {
                  long at = from + random.nextInt(length);
                  Lsn point = Lsn.ofSegment(at, random.nextBoolean() ? 0 : 0x5000, SIZE);
                  if (point.compareTo(previousPoint) < 0) {
                    point = previousPoint;
                  }
                  previousPoint = point;
                  h =
                      histories
                          .getOrDefault(t - 1, TimelineHistory.ofFirstTimeline())
                          .branch(t, point, "x");
                  histories.put(t, h);
                  files.add(new ArchiveInventory.Entry(WalFileName.timelineHistory(t), 1, T0));
                  from = at;
                }
                for (long s = t == 1 ? 0 : from; s < from + length + 5; s++) {
                  WalFileName n = WalFileName.segment(t, s, SIZE);
                  int dice = random.nextInt(40);
                  if (dice < holes) {
                    continue;
                  }
                  files.add(
                      new ArchiveInventory.Entry(
                          dice == 39 ? WalFileName.parse(n.name() + ".partial") : n, 1, T0));
                }
              }
              ArchiveInventory inventory = new ArchiveInventory(files, List.of(), SIZE);
              BackupHistory b = backup(1, random.nextInt(length), length);
              for (ContinuityCheck.Result r :
                  ContinuityCheck.check(inventory, List.of(b), histories)) {
                TimelineHistory target =
                    r.timeline() == 1
                        ? TimelineHistory.ofFirstTimeline()
                        : histories.get(r.timeline());
                List<WalFileName> required =
                    target.segmentsForRecovery(b.startLsn(), r.end(), SIZE);
                assertThat(r.required()).isEqualTo(required.size());
                assertThat(r.missing())
                    .as("seed %s, %s", seed, r)
                    .isEqualTo(walk(inventory, required));
              }
            });
  }

  /** The reference: every required segment looked up one by one. */
  private static List<ContinuityCheck.Missing> walk(
      ArchiveInventory inventory, List<WalFileName> required) {
    List<ContinuityCheck.Missing> result = new ArrayList<>();
    WalFileName runStart = null;
    WalFileName previous = null;
    long count = 0;
    for (int i = 0; i < required.size(); i++) {
      WalFileName n = required.get(i);
      boolean present =
          inventory.contains(n)
              || inventory.contains(WalFileName.parse(n.name() + ".partial"))
              || (i + 1 < required.size()
                  && required.get(i + 1).segmentNumber(SIZE) == n.segmentNumber(SIZE)
                  && inventory.contains(required.get(i + 1)));
      if (!present) {
        if (runStart != null
            && previous.timeline() == n.timeline()
            && previous.segmentNumber(SIZE) + 1 == n.segmentNumber(SIZE)) {
          count++;
        } else {
          if (runStart != null) {
            result.add(new ContinuityCheck.Missing(runStart, previous, count));
          }
          runStart = n;
          count = 1;
        }
        previous = n;
      } else if (runStart != null) {
        result.add(new ContinuityCheck.Missing(runStart, previous, count));
        runStart = null;
      }
    }
    if (runStart != null) {
      result.add(new ContinuityCheck.Missing(runStart, previous, count));
    }
    return result;
  }
}
