package dev.walarchive.core.retention;

import static dev.walarchive.core.retention.TestArchive.SIZE;
import static dev.walarchive.core.retention.TestArchive.hours;
import static dev.walarchive.core.retention.TestArchive.lsn;
import static dev.walarchive.core.retention.TestArchive.partial;
import static dev.walarchive.core.retention.TestArchive.seg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Retention with timeline histories whose switch points go down (a point-in-time recovery that
 * stopped before its target timeline began, PostgreSQL's 028_pitr_timelines): the plan keeps every
 * file PostgreSQL's recovery of a retained backup reads, for every timeline it can recover to.
 */
class RetentionPostgresTimelinesTest {
  private static final java.time.Instant NOW = hours(1000);

  private static RetentionPolicy keep(int n) {
    return RetentionPolicy.builder().keepBackups(n).build();
  }

  /** 028's archive: timeline 2 began at 3/CB0; the PITR to 3/C48 on timeline 1 made timeline 3. */
  private static TestArchive archive028() {
    TestArchive archive = new TestArchive().segments(1, 1, 2);
    archive.add(partial(1, 3), hours(3));
    archive.branch(2, 1, lsn(3, 0xCB0), hours(3));
    archive.segments(2, 3, 4, hours(3), Duration.ofHours(1));
    archive.branch(3, 2, lsn(3, 0xC48), hours(6));
    archive.segments(3, 3, 8, hours(6), Duration.ofHours(1));
    return archive;
  }

  @Test
  void keepsWhatTheRecoveryOfTheBackupBeforeBothTimelinesReads() {
    TestArchive archive = archive028();
    WalFileName old = archive.backup(1, lsn(2, 0x28), hours(2));
    archive.backup(3, lsn(6, 0x28), hours(12));

    RetentionPlan keepTwo = archive.plan(keep(2), NOW);
    assertThat(keepTwo.retainedBackups()).hasSize(2);
    Set<WalFileName> deleted = deleted(keepTwo);
    TimelineHistory three = archive.allHistories().get(3L);
    // recovery of the old backup to timeline 3 reads timeline 1's segment 2, then timeline 3's
    List<WalFileName> read = recover(three, lsn(2, 0x28), archive::contains);
    assertThat(read)
        .containsExactly(
            seg(1, 2), seg(3, 3), seg(3, 4), seg(3, 5), seg(3, 6), seg(3, 7), seg(3, 8));
    assertThat(read).noneMatch(deleted::contains);
    assertThat(deleted).doesNotContain(partial(1, 3), old);

    RetentionPlan keepOne = archive.plan(keep(1), NOW);
    // only the backup on timeline 3 from segment 6 is left: everything before it can go
    assertThat(deleted(keepOne))
        .contains(seg(1, 1), seg(1, 2), partial(1, 3), seg(2, 3), seg(2, 4), seg(3, 5))
        .doesNotContain(seg(3, 6), seg(3, 7), seg(3, 8));
  }

  @Test
  void aBackupOnTheEmptyTimelineKeepsItsOwnTimeline() {
    TestArchive archive = archive028();
    // taken on timeline 2 after it began; PostgreSQL can recover it to timeline 2, not to 3
    archive.backup(2, lsn(4, 0x28), hours(5));
    RetentionPlan plan = archive.plan(keep(1), NOW);
    assertThat(deleted(plan)).doesNotContain(seg(2, 4)).contains(seg(1, 1), seg(1, 2));
    assertThat(archive.allHistories().get(3L).timelineOf(lsn(4, 0x28 + 0x38))).isEqualTo(3);
  }

  // ---- property: the plan never changes what PostgreSQL's recovery reads ----

  /** A generated archive: timelines branching anywhere on their parent's path, and backups. */
  record Scenario(TestArchive archive, int keep, String description) {
    @Override
    public String toString() {
      return description;
    }
  }

  static Gen<Scenario> scenarios() {
    Gen<List<Long>> branchSeeds = lists().of(longs().all()).ofSizeBetween(0, 4);
    Gen<List<Long>> backupSeeds = lists().of(longs().all()).ofSizeBetween(1, 4);
    Gen<Integer> keeps = integers().between(1, 3);
    Gen<Integer> firstEnds = integers().between(1, 8);
    return branchSeeds.zip(backupSeeds, keeps, firstEnds, RetentionPostgresTimelinesTest::build);
  }

  private static Scenario build(List<Long> branches, List<Long> backups, int keep, int firstEnd) {
    StringBuilder text = new StringBuilder("keep=" + keep + "; TL1 1.." + firstEnd);
    TestArchive archive = new TestArchive().segments(1, 1, firstEnd);
    Map<Long, Long> lastSegment = new TreeMap<>(Map.of(1L, (long) firstEnd));
    long hour = firstEnd + 1;
    for (long seed : branches) {
      long child = lastSegment.size() + 1;
      List<Long> existing = new ArrayList<>(lastSegment.keySet());
      long parent = existing.get((int) Math.floorMod(seed, existing.size()));
      // anywhere on the parent's path where WAL was archived: often before the parent began
      long pathEnd = (lastSegment.get(parent) + 1) * SIZE.bytes();
      long switchPoint = SIZE.bytes() + Math.floorMod(seed >> 8, pathEnd - SIZE.bytes());
      long first = switchPoint / SIZE.bytes();
      long last = first + Math.floorMod(seed >> 40, 4);
      archive.branch(child, parent, Lsn.of(switchPoint), hours(hour));
      archive.segments(child, first, last, hours(hour), Duration.ofMinutes(1));
      lastSegment.put(child, last);
      hour += 1;
      text.append("; TL")
          .append(child)
          .append(" from ")
          .append(parent)
          .append(" at ")
          .append(Lsn.of(switchPoint))
          .append(" segs ")
          .append(first)
          .append("..")
          .append(last);
    }
    Set<Lsn> starts = new HashSet<>();
    for (long seed : backups) {
      List<Long> timelines = new ArrayList<>(lastSegment.keySet());
      long timeline = timelines.get((int) Math.floorMod(seed, timelines.size()));
      TimelineHistory own = archive.allHistories().get(timeline);
      long begin = own.entries().isEmpty() ? SIZE.bytes() : lastBegin(own);
      long end = (lastSegment.get(timeline) + 1) * SIZE.bytes() - 0x1000;
      if (end <= begin) {
        continue;
      }
      Lsn start = Lsn.of(begin + Math.floorMod(seed >> 8, end - begin));
      if (!starts.add(start)) {
        continue;
      }
      archive.backup(timeline, start, hours(hour));
      hour += 1;
      text.append("; backup TL").append(timeline).append(" at ").append(start);
    }
    return new Scenario(archive, keep, text.toString());
  }

  private static long lastBegin(TimelineHistory own) {
    return own.entries().get(own.entries().size() - 1).switchPoint().value();
  }

  @Test
  void theRecoveryOfEveryRetainedBackupReadsTheSameFilesAfterThePlan() {
    qt().withExamples(500)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              TestArchive archive = scenario.archive();
              RetentionPlan plan = archive.plan(keep(scenario.keep()), NOW);
              Set<WalFileName> deleted = deleted(plan);
              Predicate<WalFileName> before = archive::contains;
              Predicate<WalFileName> after = n -> archive.contains(n) && !deleted.contains(n);
              Set<WalFileName> retained = new HashSet<>();
              plan.retainedBackups().forEach(b -> retained.add(b.name()));
              for (BackupHistory backup : archive.backups()) {
                if (!retained.contains(backup.fileName())) {
                  continue;
                }
                for (TimelineHistory target : archive.allHistories().values()) {
                  // PostgreSQL recovers to target only if the checkpoint is on the backup's
                  // timeline on target's path
                  if (target.timelineOf(backup.checkpointLsn()) != backup.startTimeline()) {
                    continue;
                  }
                  List<WalFileName> readBefore = recover(target, backup.startLsn(), before);
                  List<WalFileName> readAfter = recover(target, backup.startLsn(), after);
                  assertThat(readAfter)
                      .as("recovery of %s to timeline %d", backup.fileName(), target.timeline())
                      .isEqualTo(readBefore);
                }
              }
            });
  }

  /**
   * The segments recovery reads from {@code start} on the path to {@code target}'s timeline, as
   * XLogFileReadAnyTLI picks them from an archive, until a segment is not found.
   */
  static List<WalFileName> recover(
      TimelineHistory target, Lsn start, Predicate<WalFileName> archive) {
    List<WalFileName> read = new ArrayList<>();
    long curFileTli = 0;
    for (long s = start.segmentNumber(SIZE); ; s++) {
      WalFileName found = null;
      for (long tli : target.timelinesToTry(s, SIZE)) {
        if (tli < curFileTli) {
          break;
        }
        if (archive.test(seg(tli, s))) {
          found = seg(tli, s);
          break;
        }
      }
      if (found == null) {
        return read;
      }
      read.add(found);
      curFileTli = found.timeline();
    }
  }

  private static Set<WalFileName> deleted(RetentionPlan plan) {
    Set<WalFileName> names = new HashSet<>();
    plan.deletions().forEach(d -> names.add(d.name()));
    return names;
  }
}
