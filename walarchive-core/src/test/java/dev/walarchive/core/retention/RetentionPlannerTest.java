package dev.walarchive.core.retention;

import static dev.walarchive.core.retention.TestArchive.hours;
import static dev.walarchive.core.retention.TestArchive.lsn;
import static dev.walarchive.core.retention.TestArchive.partial;
import static dev.walarchive.core.retention.TestArchive.seg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.retention.RetentionPlan.Backup;
import dev.walarchive.core.retention.RetentionPlan.Deletion;
import dev.walarchive.core.retention.RetentionPlan.KeptRange;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {
  private static final Instant NOW = hours(1000);

  private static RetentionPolicy keep(int n) {
    return RetentionPolicy.builder().keepBackups(n).build();
  }

  private static List<WalFileName> deleted(RetentionPlan plan) {
    return plan.deletions().stream().map(Deletion::name).toList();
  }

  private static List<WalFileName> names(List<Backup> backups) {
    return backups.stream().map(Backup::name).toList();
  }

  private static String reasonFor(RetentionPlan plan, WalFileName name) {
    return plan.deletions().stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is not deleted"))
        .reason();
  }

  private static List<WalFileName> segments(long timeline, long first, long last) {
    List<WalFileName> names = new ArrayList<>();
    for (long s = first; s <= last; s++) {
      names.add(seg(timeline, s));
    }
    return names;
  }

  @Test
  void anArchiveWithoutBackupsLosesNothing() {
    TestArchive archive = new TestArchive().segments(1, 1, 30);

    RetentionPlan plan = archive.plan(keep(1), NOW);

    assertThat(plan.isEmpty()).isTrue();
    assertThat(plan.retainedBackups()).isEmpty();
    assertThat(plan.expiredBackups()).isEmpty();
    assertThat(plan.warnings()).anyMatch(w -> w.contains("no base backup"));
  }

  @Test
  void keepsTheNewestBackupsAndTheWalFromTheOldestOfThemOn() {
    TestArchive archive = new TestArchive().segments(1, 1, 20);
    WalFileName b1 = archive.backup(1, lsn(3, 0x28), hours(3));
    WalFileName b2 = archive.backup(1, lsn(8, 0x28), hours(8));
    WalFileName b3 = archive.backup(1, lsn(14, 0x28), hours(14));

    RetentionPlan plan = archive.plan(keep(2), NOW);

    assertThat(names(plan.retainedBackups())).containsExactly(b3, b2);
    assertThat(plan.retainedBackups().get(0).reason()).isEqualTo("one of the newest 2 backups");
    assertThat(names(plan.expiredBackups())).containsExactly(b1);
    List<WalFileName> expected = new ArrayList<>(List.of(b1));
    expected.addAll(segments(1, 1, 7));
    assertThat(deleted(plan)).containsExactlyElementsOf(expected);
    assertThat(reasonFor(plan, b1)).startsWith("expired: not among the newest 2 backups");
    assertThat(reasonFor(plan, seg(1, 7)))
        .contains("before 000000010000000000000008")
        .contains(b2.name());
    assertThat(plan.kept())
        .containsExactly(
            new KeptRange(
                1,
                seg(1, 8),
                seg(1, 20),
                13,
                "needed by backup " + b2 + " (timeline 1 from 0/800028); also by " + b3));
    assertThat(plan.deletedBytes()).isEqualTo(7 * TestArchive.SIZE.bytes() + 100);
    assertThat(plan.warnings()).isEmpty();
  }

  @Test
  void aBranchThatForkedBeforeTheOldestRetainedBackupIsDeleted() {
    // a test restore branched timeline 2 off at 0/600100; the primary went on on timeline 1
    TestArchive archive =
        new TestArchive()
            .segments(1, 1, 20)
            .branch(2, 1, lsn(6, 0x100), hours(7))
            .segments(2, 6, 9, hours(7), Duration.ofHours(1));
    WalFileName old = archive.backup(1, lsn(2, 0x28), hours(2));
    WalFileName newest = archive.backup(1, lsn(10, 0x28), hours(10));

    RetentionPlan keepOne = archive.plan(keep(1), NOW);

    assertThat(names(keepOne.retainedBackups())).containsExactly(newest);
    assertThat(deleted(keepOne)).containsAll(segments(2, 6, 9)).containsAll(segments(1, 1, 9));
    assertThat(deleted(keepOne)).doesNotContain(WalFileName.timelineHistory(2));
    assertThat(reasonFor(keepOne, seg(2, 6)))
        .isEqualTo("timeline 2 is not reachable from any retained backup");
    assertThat(keepOne.kept()).extracting(KeptRange::timeline).containsExactly(1L);

    RetentionPlan keepTwo = archive.plan(keep(2), NOW);

    assertThat(names(keepTwo.retainedBackups())).containsExactly(newest, old);
    assertThat(deleted(keepTwo)).containsExactly(seg(1, 1));
    assertThat(keepTwo.kept())
        .extracting(KeptRange::timeline, KeptRange::first, KeptRange::last, KeptRange::files)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, seg(1, 2), seg(1, 20), 19L),
            org.assertj.core.groups.Tuple.tuple(2L, seg(2, 6), seg(2, 9), 4L));
    assertThat(keepTwo.kept().get(1).reason()).contains(old.name());
  }

  @Test
  void aBackupOnTimeline2NeedsNoTimeline1Wal() {
    // promotion at 0/A05000: timeline 1's segment 10 is archived as .partial, timeline 2 has
    // its own copy of segment 10
    TestArchive archive =
        new TestArchive()
            .segments(1, 1, 9)
            .add(partial(1, 10), hours(10))
            .branch(2, 1, lsn(10, 0x5000), hours(10))
            .segments(2, 10, 20);
    WalFileName onTimeline1 = archive.backup(1, lsn(2, 0x28), hours(2));
    WalFileName onTimeline2 = archive.backup(2, lsn(12, 0x28), hours(12));

    RetentionPlan keepOne = archive.plan(keep(1), NOW);

    assertThat(names(keepOne.retainedBackups())).containsExactly(onTimeline2);
    assertThat(deleted(keepOne))
        .contains(onTimeline1, partial(1, 10), seg(2, 10), seg(2, 11))
        .containsAll(segments(1, 1, 9))
        .doesNotContain(WalFileName.timelineHistory(2), seg(2, 12));
    assertThat(reasonFor(keepOne, partial(1, 10)))
        .isEqualTo(
            "the path to timeline 2 leaves timeline 1 at 0/A05000, before the retained backups on"
                + " timeline 2 started");
    assertThat(reasonFor(keepOne, seg(2, 11))).contains("before 00000002000000000000000C");
    assertThat(keepOne.kept())
        .containsExactly(
            new KeptRange(
                2,
                seg(2, 12),
                seg(2, 20),
                9,
                "needed by backup " + onTimeline2 + " (timeline 2 from 0/C00028)"));

    // the older backup on timeline 1 also needs the partial segment and timeline 2 from the switch
    RetentionPlan keepTwo = archive.plan(keep(2), NOW);

    assertThat(deleted(keepTwo)).containsExactly(seg(1, 1));
  }

  @Test
  void aNewerBackupOnAHigherTimelineWithLowerSegmentNumbersIsNotExpired() {
    // timeline 1 ran to segment 50 with a backup at segment 40; then a point-in-time restore to
    // 0/1400100 started timeline 2 at segment 20, with a newer backup at segment 25. By segment
    // number the timeline 1 backup looks newer; by time (and by the timeline graph) it is not.
    TestArchive archive =
        new TestArchive()
            .segments(1, 1, 50)
            .branch(2, 1, lsn(20, 0x100), hours(60))
            .segments(2, 20, 30, hours(60), Duration.ofHours(1));
    WalFileName timeline1 = archive.backup(1, lsn(40, 0x28), hours(40));
    WalFileName timeline2 = archive.backup(2, lsn(25, 0x28), hours(65));

    RetentionPlan plan = archive.plan(keep(1), NOW);

    assertThat(names(plan.retainedBackups())).containsExactly(timeline2);
    assertThat(names(plan.expiredBackups())).containsExactly(timeline1);
    assertThat(deleted(plan))
        .containsAll(segments(1, 1, 50))
        .containsAll(segments(2, 20, 24))
        .doesNotContainAnyElementsOf(segments(2, 25, 30));
    assertThat(reasonFor(plan, seg(1, 45)))
        .isEqualTo("timeline 1 is not reachable from any retained backup");
  }

  @Test
  void gapsNeitherShiftNorSplitTheKeptWal() {
    TestArchive archive = new TestArchive().segments(1, 1, 20);
    archive.remove(seg(1, 6)).remove(seg(1, 7));
    archive.backup(1, lsn(3, 0x28), hours(3));
    WalFileName inGap = archive.backup(1, lsn(6, 0x28), hours(6));
    WalFileName newest = archive.backup(1, lsn(10, 0x28), hours(10));

    RetentionPlan keepOne = archive.plan(keep(1), NOW);
    assertThat(names(keepOne.retainedBackups())).containsExactly(newest);
    assertThat(deleted(keepOne)).containsAll(segments(1, 1, 5)).contains(seg(1, 8), seg(1, 9));

    RetentionPlan keepTwo = archive.plan(keep(2), NOW);
    assertThat(names(keepTwo.retainedBackups())).containsExactly(newest, inGap);
    assertThat(deleted(keepTwo)).containsAll(segments(1, 1, 5)).doesNotContain(seg(1, 8));

    RetentionPlan keepThree = archive.plan(keep(3), NOW);
    assertThat(deleted(keepThree)).containsExactly(seg(1, 1), seg(1, 2));
    assertThat(keepThree.kept())
        .extracting(KeptRange::first, KeptRange::last, KeptRange::files)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(seg(1, 3), seg(1, 20), 16L));
  }

  @Test
  void aTimelineWithoutKnownHistoryIsKeptWhole() {
    TestArchive archive =
        new TestArchive()
            .segments(1, 1, 10)
            .branch(2, 1, lsn(5, 0), hours(5), false, false)
            .segments(2, 5, 9);
    WalFileName backup = archive.backup(1, lsn(7, 0x28), hours(7));

    RetentionPlan plan = archive.plan(keep(1), NOW);

    assertThat(deleted(plan)).containsExactlyElementsOf(segments(1, 1, 6));
    assertThat(plan.kept())
        .extracting(KeptRange::timeline, KeptRange::files)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, 4L),
            org.assertj.core.groups.Tuple.tuple(2L, 5L));
    assertThat(plan.kept().get(1).reason()).contains("00000002.history").contains("kept whole");
    assertThat(plan.warnings()).anyMatch(w -> w.startsWith("timeline 2 has no known history"));
    assertThat(plan.retainedBackups()).extracting(Backup::name).containsExactly(backup);
  }

  @Test
  void theRecoveryWindowFollowsTheTimelineGraph() {
    // timeline 1: backups at hour 10 (segment 10) and hour 50 (segment 50); at hour 70 a restore
    // to 0/1E00100 (segment 30) started timeline 2, which production has run on since.
    TestArchive archive =
        new TestArchive()
            .segments(1, 1, 60)
            .branch(2, 1, lsn(30, 0x100), hours(70))
            .segments(2, 30, 60, hours(70), Duration.ofHours(1));
    WalFileName beforeFork = archive.backup(1, lsn(10, 0x28), hours(10));
    WalFileName afterFork = archive.backup(1, lsn(50, 0x28), hours(50));
    Instant now = hours(100);

    // the window's anchor by time is the hour 50 backup, which cannot reach timeline 2; timeline
    // 2's WAL since hour 76 is only restorable from the hour 10 backup
    RetentionPlan plan =
        archive.plan(RetentionPolicy.builder().recoveryWindow(Duration.ofHours(24)).build(), now);

    assertThat(names(plan.retainedBackups())).containsExactly(afterFork, beforeFork);
    assertThat(plan.retainedBackups().get(0).reason())
        .startsWith("recovery window anchor: the newest backup that stopped at or before");
    assertThat(plan.retainedBackups().get(1).reason())
        .startsWith("recovery window anchor for timeline 2");
    assertThat(deleted(plan)).containsExactlyElementsOf(segments(1, 1, 9));

    // keeping only the newest backup gives up timeline 2, and says so
    RetentionPlan keepOne = archive.plan(keep(1), now);
    assertThat(deleted(keepOne)).containsAll(segments(2, 30, 60));
    assertThat(keepOne.warnings())
        .anyMatch(w -> w.startsWith("timeline 2 has WAL archived after the newest retained"));
  }

  @Test
  void theWindowKeepsBackupsThatStoppedInsideItAndTheNewestThatStoppedBefore() {
    TestArchive archive = new TestArchive().segments(1, 1, 100);
    WalFileName b1 = archive.backup(1, lsn(10, 0x28), hours(10));
    WalFileName b2 = archive.backup(1, lsn(50, 0x28), hours(50));
    WalFileName b3 = archive.backup(1, lsn(90, 0x28), hours(90));
    RetentionPolicy policy = RetentionPolicy.builder().recoveryWindow(Duration.ofHours(30)).build();

    RetentionPlan plan = archive.plan(policy, hours(100));

    assertThat(names(plan.retainedBackups())).containsExactly(b3, b2);
    assertThat(plan.retainedBackups().get(0).reason())
        .isEqualTo("stopped within the recovery window (after " + hours(70) + ")");
    assertThat(names(plan.expiredBackups())).containsExactly(b1);
    assertThat(plan.expiredBackups().get(0).reason())
        .isEqualTo(
            "expired: stopped at or before "
                + hours(70)
                + " and not needed to restore any point of the 30h recovery window; not pinned");
    assertThat(deleted(plan)).startsWith(b1).hasSize(1 + 49);

    // a backup that started before the window's start but stopped after it is not its anchor
    RetentionPlan later =
        archive.plan(policy, hours(50).plus(Duration.ofHours(30)).minusSeconds(30));
    assertThat(names(later.retainedBackups())).containsExactly(b3, b2, b1);
  }

  @Test
  void aWindowLongerThanTimeRetainsEverything() {
    TestArchive archive = new TestArchive().segments(1, 1, 10);
    archive.backup(1, lsn(2, 0x28), hours(2));
    archive.backup(1, lsn(8, 0x28), hours(8));

    RetentionPlan plan = archive.plan(RetentionPolicy.parse("window=999999999999w"), NOW);

    assertThat(plan.retainedBackups()).hasSize(2);
    assertThat(deleted(plan)).containsExactly(seg(1, 1));
  }

  @Test
  void pinnedBackupsKeepTheirWal() {
    TestArchive archive = new TestArchive().segments(1, 1, 30);
    WalFileName pinned = archive.backup(1, lsn(5, 0x28), hours(5));
    archive.backup(1, lsn(15, 0x28), hours(15));
    WalFileName newest = archive.backup(1, lsn(25, 0x28), hours(25));
    RetentionPolicy policy =
        RetentionPolicy.builder()
            .keepBackups(1)
            .pin(pinned)
            .pin("000000050000000000000001.00000028.backup")
            .build();

    RetentionPlan plan = archive.plan(policy, NOW);

    assertThat(names(plan.retainedBackups())).containsExactly(newest, pinned);
    assertThat(plan.retainedBackups().get(0).reason()).isEqualTo("the newest backup");
    assertThat(plan.retainedBackups().get(1).reason()).isEqualTo("pinned");
    assertThat(deleted(plan)).hasSize(1 + 4).doesNotContain(seg(1, 5), seg(1, 16));
    assertThat(plan.warnings())
        .contains("pinned backup 000000050000000000000001.00000028.backup is not in the archive");
  }

  @Test
  void backupTimesFallBackToTheListing() {
    TestArchive archive = new TestArchive().segments(1, 1, 30);
    // an ambiguous zone abbreviation: the time is taken from the listing (stop + 1 minute)
    WalFileName unknownZone = archive.backup(1, lsn(20, 0x28), hours(20), false, true);
    // not read at all: start from the name, time from the listing
    WalFileName unread = archive.backup(1, lsn(25, 0x28), hours(25), true, false);
    WalFileName older = archive.backup(1, lsn(10, 0x28), hours(10));

    RetentionPlan plan = archive.plan(keep(2), NOW);

    assertThat(names(plan.retainedBackups())).containsExactly(unread, unknownZone);
    assertThat(plan.retainedBackups().get(0).time()).isEqualTo(hours(25).plusSeconds(60));
    assertThat(plan.retainedBackups().get(0).start()).isEqualTo(lsn(25, 0x28));
    assertThat(plan.retainedBackups().get(1).time()).isEqualTo(hours(20).plusSeconds(60));
    assertThat(names(plan.expiredBackups())).containsExactly(older);
    assertThat(plan.warnings())
        .anyMatch(w -> w.contains(unknownZone.name()) && w.contains("time zone"))
        .anyMatch(w -> w.contains(unread.name()) && w.contains("was not read"));
  }

  @Test
  void namesTheArchiveCannotHoldAreLeftAlone() {
    WalFileName impossible = WalFileName.parse("00000001000000000000FFFF");
    WalFileName impossibleBackup = WalFileName.parse("00000001000000000000FFFF.00000028.backup");
    TestArchive archive =
        new TestArchive()
            .segments(1, 1, 10)
            .add(impossible, hours(1))
            .add(impossibleBackup, hours(1))
            .unrecognized("README")
            .unrecognized("000000010000000000000001.tmp");
    archive.backup(1, lsn(5, 0x28), hours(5));

    RetentionPlan plan = archive.plan(keep(1), NOW);

    assertThat(deleted(plan)).containsExactlyElementsOf(segments(1, 1, 4));
    assertThat(plan.warnings())
        .anyMatch(w -> w.contains(impossibleBackup.name()) && w.contains("left alone"))
        .anyMatch(w -> w.contains(impossible.name()) && w.contains("left alone"));
  }

  @Test
  void backupHistoryFilesOfExpiredBackupsAreDeletedFirst() {
    TestArchive archive = new TestArchive().segments(1, 1, 30);
    WalFileName b1 = archive.backup(1, lsn(5, 0x28), hours(5));
    WalFileName b2 = archive.backup(1, lsn(15, 0x28), hours(15));
    archive.backup(1, lsn(25, 0x28), hours(25));

    List<WalFileName> deleted = deleted(archive.plan(keep(1), NOW));

    assertThat(deleted.subList(0, 2)).containsExactly(b1, b2);
    assertThat(deleted.subList(2, deleted.size())).containsExactlyElementsOf(segments(1, 1, 24));
  }

  @Test
  void anUnknownSegmentSizeDeletesNothing() {
    TestArchive archive = new TestArchive().segments(1, 1, 10).segmentSizeUnknown();
    archive.backup(1, lsn(2, 0x28), hours(2));
    WalFileName newest = archive.backup(1, lsn(8, 0x28), hours(8));

    RetentionPlan plan = archive.plan(keep(1), NOW);

    assertThat(plan.isEmpty()).isTrue();
    assertThat(names(plan.retainedBackups())).containsExactly(newest);
    assertThat(plan.warnings()).anyMatch(w -> w.contains("segment size is not known"));
  }

  @Test
  void backupHistoriesOutsideTheListingAreIgnored() {
    TestArchive archive = new TestArchive().segments(1, 1, 10);
    WalFileName listed = archive.backup(1, lsn(2, 0x28), hours(2));
    TestArchive other = new TestArchive();
    WalFileName unlisted = other.backup(1, lsn(8, 0x28), hours(8));
    List<dev.walarchive.core.wal.BackupHistory> backups = new ArrayList<>(archive.backups());
    backups.addAll(other.backups());

    RetentionPlan plan =
        RetentionPlanner.plan(archive.inventory(), backups, Map.of(), keep(1), NOW);

    assertThat(names(plan.retainedBackups())).containsExactly(listed);
    assertThat(plan.warnings()).anyMatch(w -> w.contains(unlisted.name()) && w.contains("ignored"));
  }

  @Test
  void rejectsAHistoryFiledUnderTheWrongTimeline() {
    TestArchive archive = new TestArchive().segments(1, 1, 10);
    TimelineHistory two = TimelineHistory.ofFirstTimeline().branch(2, lsn(5, 0), "x");

    assertThatThrownBy(
            () ->
                RetentionPlanner.plan(
                    archive.inventory(), List.of(), Map.of(3L, two), keep(1), NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeline 3");
  }

  @Test
  void summaryNamesPolicyAndCounts() {
    TestArchive archive = new TestArchive().segments(1, 1, 10);
    archive.backup(1, lsn(2, 0x28), hours(2));
    archive.backup(1, lsn(4, 0x28), hours(4));

    assertThat(archive.plan(keep(1), NOW).toString())
        .isEqualTo(
            "RetentionPlan[keep=1: retain 1 backup(s), expire 1, delete 4 file(s) ("
                + (3 * TestArchive.SIZE.bytes() + 100)
                + " bytes), 0 warning(s)]");
  }
}
