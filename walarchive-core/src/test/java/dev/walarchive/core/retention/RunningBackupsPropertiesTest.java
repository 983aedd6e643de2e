package dev.walarchive.core.retention;

import static dev.walarchive.core.retention.TestArchive.SIZE;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.retention.RetentionPlan.Deletion;
import dev.walarchive.core.retention.RetentionPlan.KeptRange;
import dev.walarchive.core.wal.WalFileName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Properties of {@link RetentionPlanner#keepRunningBackups} over the generated archives and plans
 * of {@link RetentionPlannerPropertiesTest}, with running backups at random segments of random
 * timelines.
 */
class RunningBackupsPropertiesTest {
  /** A running backup: its timeline (1 to 6) and start segment. */
  record Running(int timeline, int segment) {}

  private static Gen<List<Running>> running() {
    return listsOf(intsBetween(1, 6).zip(intsBetween(0, 120), Running::new), 0, 3);
  }

  private static boolean isWal(WalFileName name) {
    return name.kind() == WalFileName.Kind.SEGMENT
        || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT;
  }

  private static boolean needed(WalFileName name, List<Running> running) {
    if (!isWal(name)) {
      return false;
    }
    long segment;
    try {
      segment = name.segmentNumber(SIZE);
    } catch (IllegalArgumentException e) {
      return false;
    }
    for (Running r : running) {
      if (r.timeline() == name.timeline() && segment >= r.segment()) {
        return true;
      }
    }
    return false;
  }

  @Test
  void keepsExactlyTheWalOfRunningBackupsAndEveryOtherDeletionInOrder() {
    qt().withExamples(300)
        .forAll(RetentionPlannerPropertiesTest.scenarios(), running())
        .checkAssert(
            (scenario, running) -> {
              RetentionPlan plan = scenario.plan();
              Map<WalFileName, String> first = new TreeMap<>();
              for (Running r : running) {
                first.put(
                    WalFileName.segment(r.timeline(), r.segment(), SIZE),
                    "running backup on " + r.timeline() + " from " + r.segment());
              }
              RetentionPlan kept =
                  RetentionPlanner.keepRunningBackups(plan, first, List.of("w"), SIZE);

              List<Deletion> expected = new ArrayList<>();
              long keptFiles = 0;
              for (Deletion d : plan.deletions()) {
                if (needed(d.name(), running)) {
                  keptFiles++;
                } else {
                  expected.add(d);
                }
              }
              assertThat(kept.deletions()).containsExactlyElementsOf(expected);
              assertThat(kept.kept()).containsAll(plan.kept());
              long added =
                  kept.kept().stream()
                      .filter(k -> !plan.kept().contains(k))
                      .mapToLong(KeptRange::files)
                      .sum();
              assertThat(added).isEqualTo(keptFiles);
              for (KeptRange k : kept.kept()) {
                if (!plan.kept().contains(k)) {
                  assertThat(k.reason()).startsWith("running backup on " + k.timeline());
                }
              }
              assertThat(kept.kept())
                  .isSortedAccordingTo(java.util.Comparator.comparingLong(KeptRange::timeline));
              assertThat(kept.warnings()).endsWith("w").hasSize(plan.warnings().size() + 1);
              assertThat(kept.retainedBackups()).isEqualTo(plan.retainedBackups());
              assertThat(kept.expiredBackups()).isEqualTo(plan.expiredBackups());
              // the WAL of a running backup survives a second pass unchanged
              assertThat(
                      RetentionPlanner.keepRunningBackups(kept, first, List.of(), SIZE).deletions())
                  .isEqualTo(kept.deletions());
            });
  }
}
