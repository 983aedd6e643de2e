package dev.walarchive.core.archive;

import static dev.walarchive.core.archive.MillionObjectArchive.BACKUPS;
import static dev.walarchive.core.archive.MillionObjectArchive.BRANCH_SEGMENT;
import static dev.walarchive.core.archive.MillionObjectArchive.LOST_TL1_AFTER;
import static dev.walarchive.core.archive.MillionObjectArchive.LOST_TL1_BEFORE;
import static dev.walarchive.core.archive.MillionObjectArchive.LOST_TL2;
import static dev.walarchive.core.archive.MillionObjectArchive.SIZE;
import static dev.walarchive.core.archive.MillionObjectArchive.T0;
import static dev.walarchive.core.archive.MillionObjectArchive.TL1_LAST;
import static dev.walarchive.core.archive.MillionObjectArchive.TL2_LAST;
import static dev.walarchive.core.archive.MillionObjectArchive.backupSegment;
import static dev.walarchive.core.archive.MillionObjectArchive.backupTimeline;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPlanner;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.WalFileName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Verification and retention planning over a generated listing of 1,000,000 objects and 50 backups
 * ({@link MillionObjectArchive}). Correctness only: the time is measured by walarchive-benchmarks'
 * {@code ListingScale}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MillionObjectScaleTest {
  private ArchiveInventory inventory;
  private List<BackupHistory> backups;

  @BeforeAll
  void generate() {
    inventory = MillionObjectArchive.inventory();
    backups = MillionObjectArchive.backups();
  }

  @Test
  void theListingHoldsAMillionObjects() {
    assertThat(inventory.entries()).hasSize(1_000_000);
    assertThat(inventory.backupHistoryFiles()).hasSize(BACKUPS);
    assertThat(inventory.timelines())
        .extracting(ArchiveInventory.TimelineSummary::segments)
        .containsExactly(TL1_LAST + 1 - 2, TL2_LAST - BRANCH_SEGMENT + 1 - 1);
  }

  @Test
  void verifyNamesEveryLostSegmentOnEveryPathOfEveryBackup() {
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory, backups, MillionObjectArchive.histories());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < BACKUPS; i++) {
      long segment = backupSegment(i);
      long timeline = backupTimeline(i);
      String name = backups.get(i).fileName().name();
      if (timeline == 1) {
        List<String> missing = new ArrayList<>();
        if (segment <= LOST_TL1_BEFORE) {
          missing.add(segment(1, LOST_TL1_BEFORE));
        }
        if (segment <= LOST_TL1_AFTER) {
          missing.add(segment(1, LOST_TL1_AFTER));
        }
        expected.add(name + " 1 " + (TL1_LAST + 1 - segment) + " " + missing);
      }
      if (timeline == 2 || segment <= BRANCH_SEGMENT) {
        List<String> missing = new ArrayList<>();
        long required = TL2_LAST - Math.max(segment, BRANCH_SEGMENT) + 1;
        if (timeline == 1) {
          required += BRANCH_SEGMENT - segment + 1; // timeline 1 up to the switch segment
          if (segment <= LOST_TL1_BEFORE) {
            missing.add(segment(1, LOST_TL1_BEFORE));
          }
        }
        if (segment <= LOST_TL2) {
          missing.add(segment(2, LOST_TL2));
        }
        expected.add(name + " 2 " + required + " " + missing);
      }
    }
    assertThat(results)
        .allSatisfy(r -> assertThat(r.problems()).isEmpty())
        .map(
            r ->
                r.backup().fileName().name()
                    + " "
                    + r.timeline()
                    + " "
                    + r.required()
                    + " "
                    + r.missing().stream().map(ContinuityCheck.Missing::toString).toList())
        .containsExactlyElementsOf(expected);
  }

  @Test
  void theTwoTimelinesGrowingSideBySideAreNamed() {
    assertThat(ContinuityCheck.divergences(inventory, MillionObjectArchive.histories()))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.timeline()).isEqualTo(1);
              assertThat(d.branch()).isEqualTo(2);
              assertThat(d.segmentsAfterBranch()).isEqualTo(TL1_LAST - BRANCH_SEGMENT - 1);
              assertThat(d.newest().name()).isEqualTo(WalFileName.segment(1, TL1_LAST, SIZE));
            });
  }

  @Test
  void retentionKeepsTheWalOfTheTenNewestBackupsAndDeletesTheRest() {
    Instant now = T0.plusSeconds(TL2_LAST + 60);
    RetentionPlan plan =
        RetentionPlanner.plan(
            inventory,
            backups,
            MillionObjectArchive.histories(),
            RetentionPolicy.parse("keep=10"),
            now);
    long oldestKept = backupSegment(BACKUPS - 10);
    assertThat(plan.retainedBackups())
        .extracting(b -> b.name().name())
        .containsExactlyInAnyOrderElementsOf(
            backups.subList(BACKUPS - 10, BACKUPS).stream().map(b -> b.fileName().name()).toList());
    assertThat(plan.retainedBackups()).allSatisfy(b -> assertThat(b.timeline()).isEqualTo(2));
    long tl1 = 0;
    long tl2 = 0;
    long backupFiles = 0;
    for (RetentionPlan.Deletion d : plan.deletions()) {
      WalFileName n = d.name();
      if (n.kind() == WalFileName.Kind.BACKUP_HISTORY) {
        backupFiles++;
      } else if (n.timeline() == 1) {
        tl1++;
      } else {
        assertThat(n.segmentNumber(SIZE)).isLessThan(oldestKept);
        tl2++;
      }
    }
    assertThat(backupFiles).isEqualTo(BACKUPS - 10);
    assertThat(tl1).as("all of timeline 1").isEqualTo(TL1_LAST + 1 - 2);
    assertThat(tl2)
        .as("timeline 2 before the oldest retained backup")
        .isEqualTo(oldestKept - BRANCH_SEGMENT);
    assertThat(plan.kept())
        .singleElement()
        .satisfies(
            k -> {
              assertThat(k.timeline()).isEqualTo(2);
              assertThat(k.files()).isEqualTo(TL2_LAST - oldestKept + 1 - 1);
            });
  }

  private static String segment(long timeline, long number) {
    return WalFileName.segment(timeline, number, SIZE).name();
  }
}
