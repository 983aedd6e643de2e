package dev.walarchive.core.retention;

import static dev.walarchive.core.retention.TestArchive.SIZE;
import static dev.walarchive.core.retention.TestArchive.T0;
import static dev.walarchive.core.retention.TestArchive.lsn;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.weight;
import static dev.walarchive.core.testing.Properties.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.generators.Generate.constant;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.retention.RetentionPlan.Backup;
import dev.walarchive.core.retention.RetentionPlan.Deletion;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Properties of retention plans over generated archives: several timelines with branches (including
 * branches to an earlier point), partial segments at switch points, timelines whose history is
 * missing, gaps, backups on different timelines (some with unreadable times or not read at all),
 * pinned backups, names the archive cannot hold, and random policies and times.
 */
class RetentionPlannerPropertiesTest {
  /** Beyond every generated segment: "the newest point" of any timeline. */
  private static final Lsn END = lsn(200, 0);

  private static final Duration SEGMENT_EVERY = Duration.ofHours(10);

  /**
   * A timeline branching off an earlier one.
   *
   * @param parent index of the parent among the timelines made so far
   * @param atPercent where in the parent's WAL it branches off
   * @param midSegment whether the switch point is inside a segment (else at a boundary)
   * @param length segments written on it after the switch
   * @param historyMode 0: history archived and read; 1: archived but not read; 2: missing
   * @param partialAtSwitch whether the parent's switch segment is archived as {@code .partial}
   * @param delayHours how long after the parent reached the switch point the branch was made
   */
  record BranchSpec(
      int parent,
      int atPercent,
      boolean midSegment,
      int length,
      int historyMode,
      boolean partialAtSwitch,
      int delayHours) {}

  /**
   * A base backup.
   *
   * @param timeline index of its timeline
   * @param atPercent where in the timeline's WAL it starts
   * @param jitterMinutes how long after its start segment was archived it stopped
   * @param stopTimeReadable whether its STOP TIME is in an understood zone
   * @param read whether the planner gets its parsed backup history
   */
  record BackupSpec(
      int timeline, int atPercent, int jitterMinutes, boolean stopTimeReadable, boolean read) {}

  /** Policy, pins (an index of a backup, or an unknown backup if 100 or more) and now. */
  record PolicySpec(
      Optional<Integer> keep, Optional<Integer> windowHours, List<Integer> pins, int nowHours) {}

  record Spec(
      int timeline1Length,
      List<BranchSpec> branches,
      List<BackupSpec> backups,
      List<Integer> gaps,
      PolicySpec policy,
      boolean junk) {}

  /** A generated archive with the policy and time to plan for. */
  record Scenario(TestArchive archive, RetentionPolicy policy, Instant now, Spec spec) {
    RetentionPlan plan() {
      return archive.plan(policy, now);
    }

    @Override
    public String toString() {
      return "Scenario[policy "
          + policy
          + ", now "
          + now
          + ", histories "
          + archive.allHistories().values()
          + " (given: "
          + archive.givenHistories().keySet()
          + "), files "
          + archive.entries().stream()
              .map(e -> e.name() + "@" + e.lastModified())
              .collect(Collectors.joining(", "))
          + ", spec "
          + spec
          + "]";
    }
  }

  private record Timeline(long id, Lsn start, long firstSegment, long lastSegment, Instant began) {
    Instant archived(long segment) {
      return began.plus(SEGMENT_EVERY.multipliedBy(segment - firstSegment));
    }
  }

  static Gen<Scenario> scenarios() {
    Gen<Boolean> booleans = Generate.booleans();
    Gen<Integer> historyModes =
        weighted(weight(12, constant(0)), weight(1, constant(1)), weight(1, constant(2)));
    Gen<Integer> percents = intsBetween(0, 100);
    Gen<Integer> indexes = integers().between(0, 9);
    Gen<Integer> lengths = intsBetween(0, 25);
    Gen<Integer> delays = intsBetween(0, 300);
    Gen<BranchSpec> branch =
        in ->
            new BranchSpec(
                indexes.generate(in),
                percents.generate(in),
                booleans.generate(in),
                lengths.generate(in),
                historyModes.generate(in),
                booleans.generate(in),
                delays.generate(in));
    Gen<Boolean> mostlyTrue = weighted(weight(5, constant(true)), weight(1, constant(false)));
    Gen<Integer> jitters = intsBetween(0, 500);
    Gen<BackupSpec> backup =
        in ->
            new BackupSpec(
                indexes.generate(in),
                percents.generate(in),
                jitters.generate(in),
                mostlyTrue.generate(in),
                mostlyTrue.generate(in));
    Gen<Optional<Integer>> keeps = intsBetween(1, 3).toOptionals(25);
    Gen<Optional<Integer>> windows = intsBetween(1, 800).toOptionals(25);
    Gen<List<Integer>> pins = listsOf(intsBetween(0, 120), 0, 3);
    Gen<Integer> nows = intsBetween(0, 1500);
    Gen<PolicySpec> policy =
        in ->
            new PolicySpec(
                keeps.generate(in), windows.generate(in), pins.generate(in), nows.generate(in));
    Gen<Integer> timeline1Lengths = intsBetween(1, 40);
    Gen<List<BranchSpec>> branches = listsOf(branch, 0, 4);
    Gen<List<BackupSpec>> backups = listsOf(backup, 2, 8);
    Gen<List<Integer>> gaps = listsOf(intsBetween(0, 1000), 0, 5);
    Gen<Boolean> junk = weighted(weight(4, constant(false)), weight(1, constant(true)));
    Gen<Spec> specs =
        in ->
            new Spec(
                timeline1Lengths.generate(in),
                branches.generate(in),
                backups.generate(in),
                gaps.generate(in),
                policy.generate(in),
                junk.generate(in));
    return specs.map(RetentionPlannerPropertiesTest::build);
  }

  static Scenario build(Spec spec) {
    TestArchive archive = new TestArchive();
    List<Timeline> timelines = new ArrayList<>();
    timelines.add(new Timeline(1, lsn(1, 0), 1, 1 + spec.timeline1Length(), T0));
    Set<WalFileName> partials = new HashSet<>();
    for (BranchSpec b : spec.branches()) {
      Timeline parent = timelines.get(b.parent() % timelines.size());
      long segment =
          parent.firstSegment()
              + (long) b.atPercent() * (parent.lastSegment() - parent.firstSegment()) / 100;
      Lsn switchPoint = lsn(segment, b.midSegment() ? 0x5000 : 0);
      if (switchPoint.compareTo(parent.start()) < 0) {
        switchPoint = parent.start();
      }
      long id = timelines.size() + 1;
      Instant began = parent.archived(segment).plus(Duration.ofHours(5 + b.delayHours()));
      archive.branch(
          id, parent.id(), switchPoint, began, b.historyMode() != 2, b.historyMode() == 0);
      long first = switchPoint.segmentNumber(SIZE);
      timelines.add(new Timeline(id, switchPoint, first, first + b.length(), began));
      if (b.partialAtSwitch() && switchPoint.segmentOffset(SIZE) != 0) {
        partials.add(TestArchive.seg(parent.id(), first));
      }
    }
    List<ArchiveInventory.Entry> files = new ArrayList<>();
    for (Timeline t : timelines) {
      for (long s = t.firstSegment(); s <= t.lastSegment(); s++) {
        WalFileName name = TestArchive.seg(t.id(), s);
        if (partials.contains(name)) {
          name = TestArchive.partial(t.id(), s);
        }
        files.add(new ArchiveInventory.Entry(name, 0, t.archived(s)));
      }
    }
    for (int gap : spec.gaps()) {
      if (!files.isEmpty()) {
        files.remove(gap % files.size());
      }
    }
    files.forEach(f -> archive.add(f.name(), f.lastModified()));
    List<WalFileName> backups = new ArrayList<>();
    for (BackupSpec b : spec.backups()) {
      Timeline t = timelines.get(b.timeline() % timelines.size());
      long segment =
          t.firstSegment() + (long) b.atPercent() * (t.lastSegment() - t.firstSegment()) / 100;
      Lsn start = lsn(segment, 0x28);
      if (start.compareTo(t.start().plus(0x28)) < 0) {
        start = t.start().plus(0x28);
      }
      WalFileName name = WalFileName.backupHistory(t.id(), start, SIZE);
      if (backups.contains(name)) {
        continue;
      }
      Instant stopped =
          t.archived(start.segmentNumber(SIZE)).plus(Duration.ofMinutes(b.jitterMinutes()));
      backups.add(archive.backup(t.id(), start, stopped, b.stopTimeReadable(), b.read()));
    }
    if (spec.junk()) {
      archive.add(WalFileName.parse("00000001000000000000FFFF"), T0);
      archive.add(WalFileName.parse("00000001000000000000FFFF.00000028.backup"), T0);
      archive.unrecognized("README");
    }
    PolicySpec p = spec.policy();
    RetentionPolicy.Builder policy = RetentionPolicy.builder();
    p.keep().ifPresent(policy::keepBackups);
    p.windowHours().ifPresent(h -> policy.recoveryWindow(Duration.ofHours(h)));
    if (p.keep().isEmpty() && p.windowHours().isEmpty()) {
      policy.keepBackups(1);
    }
    for (int pin : p.pins()) {
      if (pin < 100 && !backups.isEmpty()) {
        policy.pin(backups.get(pin % backups.size()));
      } else {
        policy.pin("000000630000000000000001.00000028.backup");
      }
    }
    return new Scenario(archive, policy.build(), T0.plus(Duration.ofHours(p.nowHours())), spec);
  }

  private static Set<WalFileName> deleted(RetentionPlan plan) {
    return plan.deletions().stream().map(Deletion::name).collect(Collectors.toSet());
  }

  private static boolean hasValidSegmentNumber(WalFileName name) {
    try {
      name.segmentNumber(SIZE);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isWal(WalFileName name) {
    return (name.kind() == WalFileName.Kind.SEGMENT
            || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT)
        && hasValidSegmentNumber(name);
  }

  /** The segments a restore from the backup may read, to any newest point of any timeline. */
  private static Set<WalFileName> needed(Backup backup, Collection<TimelineHistory> histories) {
    Set<WalFileName> needed = new HashSet<>();
    for (TimelineHistory h : histories) {
      if (!h.includes(backup.timeline())) {
        continue;
      }
      if (h.timeline() != backup.timeline()
          && h.endOf(backup.timeline()).orElseThrow().compareTo(backup.start()) < 0) {
        continue; // forked off before the backup started
      }
      needed.addAll(h.segmentsForRecovery(backup.start(), END, SIZE));
    }
    return needed;
  }

  private static List<Backup> allBackups(RetentionPlan plan) {
    List<Backup> all = new ArrayList<>(plan.retainedBackups());
    all.addAll(plan.expiredBackups());
    return all;
  }

  @Test
  void noRetainedBackupLosesWalItNeeds() {
    qt().withExamples(400)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              RetentionPlan plan = scenario.plan();
              Set<WalFileName> deleted = deleted(plan);
              Collection<TimelineHistory> truth = scenario.archive().allHistories().values();
              for (Backup backup : plan.retainedBackups()) {
                assertThat(deleted).as("backup history file").doesNotContain(backup.name());
                for (WalFileName segment : needed(backup, truth)) {
                  assertThat(deleted)
                      .as("%s needs %s", backup.name(), segment)
                      .doesNotContain(segment, WalFileName.parse(segment.name() + ".partial"));
                }
              }
            });
  }

  @Test
  void historyFilesAreKept() {
    qt().withExamples(400)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              RetentionPlan plan = scenario.plan();
              assertThat(plan.deletions())
                  .noneMatch(d -> d.name().kind() == WalFileName.Kind.TIMELINE_HISTORY);
              Set<WalFileName> remaining = new HashSet<>();
              scenario.archive().entries().forEach(e -> remaining.add(e.name()));
              remaining.removeAll(deleted(plan));
              for (RetentionPlan.KeptRange range : plan.kept()) {
                for (long timeline :
                    scenario.archive().allHistories().get(range.timeline()).ancestry()) {
                  WalFileName history =
                      timeline == 1 ? null : WalFileName.timelineHistory(timeline);
                  if (history != null && scenario.archive().contains(history)) {
                    assertThat(remaining).contains(history);
                  }
                }
              }
            });
  }

  @Test
  void planningTheResultAgainDeletesNothingMore() {
    qt().withExamples(400)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              RetentionPlan plan = scenario.plan();
              List<WalFileName> deletions = plan.deletions().stream().map(Deletion::name).toList();

              Scenario applied =
                  new Scenario(
                      scenario.archive().without(deletions),
                      scenario.policy(),
                      scenario.now(),
                      null);
              RetentionPlan again = applied.plan();

              assertThat(again.deletions()).isEmpty();
              assertThat(again.retainedBackups()).isEqualTo(plan.retainedBackups());
              assertThat(again.expiredBackups()).isEmpty();
              assertThat(again.kept()).isEqualTo(plan.kept());
            });
  }

  @Test
  void anInterruptedRunIsFinishedByPlanningAgain() {
    qt().withExamples(300)
        .forAll(scenarios(), intsBetween(0, 100))
        .checkAssert(
            (scenario, percent) -> {
              List<WalFileName> deletions =
                  scenario.plan().deletions().stream().map(Deletion::name).toList();
              int done = deletions.size() * percent / 100;

              Scenario interrupted =
                  new Scenario(
                      scenario.archive().without(deletions.subList(0, done)),
                      scenario.policy(),
                      scenario.now(),
                      null);

              assertThat(interrupted.plan().deletions())
                  .extracting(Deletion::name)
                  .containsExactlyElementsOf(deletions.subList(done, deletions.size()));
            });
  }

  @Test
  void anArchiveWithoutBackupsLosesNothing() {
    qt().withExamples(200)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              List<WalFileName> backupFiles =
                  scenario.archive().entries().stream()
                      .map(ArchiveInventory.Entry::name)
                      .filter(n -> n.kind() == WalFileName.Kind.BACKUP_HISTORY)
                      .toList();
              TestArchive withoutBackups = scenario.archive().without(backupFiles);

              RetentionPlan plan = withoutBackups.plan(scenario.policy(), scenario.now());

              assertThat(plan.isEmpty()).isTrue();
              assertThat(plan.deletions()).isEmpty();
              assertThat(plan.retainedBackups()).isEmpty();
            });
  }

  @Test
  void backupsThePolicyKeepsAreRetainedWithTheirFiles() {
    qt().withExamples(400)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              RetentionPlan plan = scenario.plan();
              Set<WalFileName> deleted = deleted(plan);
              // the times the policy is defined on: STOP TIME, or when the backup history was
              // archived
              Map<WalFileName, BackupHistory> read = new HashMap<>();
              scenario.archive().backups().forEach(b -> read.put(b.fileName(), b));
              Map<WalFileName, Instant> times = new LinkedHashMap<>();
              for (ArchiveInventory.Entry e : scenario.archive().entries()) {
                if (e.name().kind() == WalFileName.Kind.BACKUP_HISTORY
                    && hasValidSegmentNumber(e.name())) {
                  BackupHistory h = read.get(e.name());
                  times.put(
                      e.name(),
                      h == null ? e.lastModified() : h.stopTime().orElse(e.lastModified()));
                }
              }
              Set<WalFileName> retained =
                  plan.retainedBackups().stream().map(Backup::name).collect(Collectors.toSet());
              Set<WalFileName> expired =
                  plan.expiredBackups().stream().map(Backup::name).collect(Collectors.toSet());
              assertThat(allBackups(plan)).extracting(Backup::name).doesNotHaveDuplicates();
              assertThat(java.util.Collections.disjoint(retained, expired)).isTrue();
              Set<WalFileName> all = new HashSet<>(retained);
              all.addAll(expired);
              assertThat(all).isEqualTo(times.keySet());
              for (Backup b : allBackups(plan)) {
                assertThat(b.time()).isEqualTo(times.get(b.name()));
              }

              RetentionPolicy policy = scenario.policy();
              for (Map.Entry<WalFileName, Instant> b : times.entrySet()) {
                long newer = times.values().stream().filter(t -> t.isAfter(b.getValue())).count();
                if (newer < policy.keepBackups().orElse(0)) {
                  assertThat(retained).as("newest N").contains(b.getKey());
                }
                if (newer == 0) {
                  assertThat(retained).as("the newest").contains(b.getKey());
                }
                if (policy.pinned().contains(b.getKey())) {
                  assertThat(retained).as("pinned").contains(b.getKey());
                }
              }
              if (policy.recoveryWindow().isPresent()) {
                Instant cutoff = scenario.now().minus(policy.recoveryWindow().get());
                times.forEach(
                    (name, time) -> {
                      if (time.isAfter(cutoff)) {
                        assertThat(retained).as("in the window").contains(name);
                      }
                    });
                Optional<Instant> anchor =
                    times.values().stream().filter(t -> !t.isAfter(cutoff)).max(Instant::compareTo);
                anchor.ifPresent(
                    a ->
                        assertThat(retained)
                            .as("window anchor")
                            .anyMatch(n -> times.get(n).equals(a)));
              }
              for (WalFileName name : retained) {
                assertThat(deleted).doesNotContain(name);
              }
              for (WalFileName name : expired) {
                assertThat(deleted).as("expired backup history").contains(name);
              }
            });
  }

  @Test
  void everyPointOfTheWindowStaysRestorable() {
    qt().withExamples(400)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              Optional<Duration> window = scenario.policy().recoveryWindow();
              if (window.isEmpty()) {
                return;
              }
              Instant cutoff = scenario.now().minus(window.get());
              RetentionPlan plan = scenario.plan();
              Set<WalFileName> deleted = deleted(plan);
              Collection<TimelineHistory> truth = scenario.archive().allHistories().values();
              // WAL archived within the window that some backup could restore before the plan
              Set<WalFileName> restorable = new HashSet<>();
              for (Backup b : allBackups(plan)) {
                restorable.addAll(needed(b, truth));
              }
              Set<Long> known = scenario.archive().givenHistories().keySet();
              Set<WalFileName> restorableFromRetained = new HashSet<>();
              for (Backup b : plan.retainedBackups()) {
                restorableFromRetained.addAll(needed(b, truth));
              }
              for (ArchiveInventory.Entry e : scenario.archive().entries()) {
                if (isWal(e.name())
                    && e.lastModified().isAfter(cutoff)
                    && restorable.contains(e.name().segment())) {
                  assertThat(deleted).as("archived within the window").doesNotContain(e.name());
                  // Without a timeline's history the planner cannot tell which backups reach it
                  // (and
                  // PostgreSQL cannot follow it from the archive either): it keeps the segments
                  // only.
                  if (e.name().timeline() == 1 || known.contains(e.name().timeline())) {
                    assertThat(restorableFromRetained)
                        .as("a retained backup restores %s", e.name())
                        .contains(e.name().segment());
                  }
                }
              }
            });
  }

  @Test
  void deletesExactlyTheWalNoRetainedBackupNeeds() {
    Coverage coverage = new Coverage();
    qt().withExamples(400)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              RetentionPlan plan = scenario.plan();
              if (plan.retainedBackups().isEmpty()) {
                assertThat(plan.deletions()).isEmpty();
                return;
              }
              Map<Long, TimelineHistory> given = scenario.archive().givenHistories();
              given.putIfAbsent(1L, TimelineHistory.ofFirstTimeline());
              Set<WalFileName> needed = new HashSet<>();
              for (Backup b : plan.retainedBackups()) {
                needed.addAll(needed(b, given.values()));
              }
              Set<WalFileName> deleted = deleted(plan);
              for (ArchiveInventory.Entry e : scenario.archive().entries()) {
                WalFileName name = e.name();
                if (!isWal(name)) {
                  continue;
                }
                boolean keep =
                    !given.containsKey(name.timeline()) || needed.contains(name.segment());
                assertThat(deleted.contains(name)).as("%s deleted", name).isEqualTo(!keep);
              }
              coverage.collect(plan);
            });
    coverage.check();
  }

  /**
   * How often the generated scenarios reach the interesting cases: each label is counted once per
   * example, and {@link #check} requires a minimum share of the examples for each.
   */
  static final class Coverage {
    private final Map<String, Integer> hits = new LinkedHashMap<>();
    private int examples;

    void collect(RetentionPlan plan) {
      examples++;
      count("deletes WAL", plan.deletions().stream().anyMatch(d -> isWal(d.name())));
      count(
          "deletes WAL above timeline 1",
          plan.deletions().stream().anyMatch(d -> isWal(d.name()) && d.name().timeline() > 1));
      count(
          "keeps WAL above timeline 1 for a backup below",
          plan.kept().stream()
              .anyMatch(
                  k ->
                      plan.retainedBackups().stream()
                          .anyMatch(
                              b ->
                                  b.timeline() < k.timeline()
                                      && k.reason().contains(b.name().name()))));
      count(
          "deletes a partial segment",
          plan.deletions().stream()
              .anyMatch(d -> d.name().kind() == WalFileName.Kind.PARTIAL_SEGMENT));
      count("expires a backup", !plan.expiredBackups().isEmpty());
      count(
          "window anchor for a timeline",
          plan.retainedBackups().stream()
              .anyMatch(b -> b.reason().contains("anchor for timeline")));
      count(
          "timeline without known history",
          plan.kept().stream().anyMatch(k -> k.reason().contains("no known history")));
    }

    private void count(String label, boolean hit) {
      hits.merge(label, hit ? 1 : 0, Integer::sum);
    }

    void check() {
      Map<String, Double> minimumPercent = new LinkedHashMap<>();
      minimumPercent.put("deletes WAL", 40.0);
      minimumPercent.put("deletes WAL above timeline 1", 10.0);
      minimumPercent.put("keeps WAL above timeline 1 for a backup below", 5.0);
      minimumPercent.put("deletes a partial segment", 3.0);
      minimumPercent.put("expires a backup", 20.0);
      minimumPercent.put("window anchor for a timeline", 0.5);
      minimumPercent.put("timeline without known history", 3.0);
      minimumPercent.forEach(
          (label, minimum) ->
              assertThat(100.0 * hits.getOrDefault(label, 0) / examples)
                  .as("%% of %d examples that %s (all: %s)", examples, label, hits)
                  .isGreaterThan(minimum));
    }
  }

  @Test
  void deletesOnlyListedFilesThePlannerUnderstands() {
    qt().withExamples(400)
        .forAll(scenarios())
        .checkAssert(
            scenario -> {
              RetentionPlan plan = scenario.plan();
              Set<WalFileName> listed = new HashSet<>();
              scenario.archive().entries().forEach(e -> listed.add(e.name()));
              assertThat(plan.deletions()).extracting(Deletion::name).doesNotHaveDuplicates();
              for (Deletion d : plan.deletions()) {
                assertThat(listed).contains(d.name());
                assertThat(hasValidSegmentNumber(d.name()))
                    .as("%s is a possible name", d.name())
                    .isTrue();
                assertThat(d.name().kind()).isNotEqualTo(WalFileName.Kind.TIMELINE_HISTORY);
                assertThat(d.reason()).isNotBlank();
                assertThat(d.name().name()).isNotEqualTo("README");
              }
              // backup history files first, then WAL in name order
              List<WalFileName> names = plan.deletions().stream().map(Deletion::name).toList();
              int firstWal = 0;
              while (firstWal < names.size()
                  && names.get(firstWal).kind() == WalFileName.Kind.BACKUP_HISTORY) {
                firstWal++;
              }
              assertThat(names.subList(firstWal, names.size()))
                  .allMatch(RetentionPlannerPropertiesTest::isWal)
                  .isSorted();
            });
  }
}
