package dev.walarchive.core.restore;

import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.walarchive.core.restore.BackupSelector.Candidate;
import dev.walarchive.core.restore.BackupSelector.Choice;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The backup selector against a brute-force oracle over generated archives: up to four timelines,
 * each branching off an earlier one (sometimes exactly where its parent began), backups on every
 * timeline, complete or not, and every kind of target and target timeline.
 */
class BackupSelectorTest {
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
  private static final long UNIT = 0x1000;

  /** Timeline {@code t} (index t-1) branches off {@code parent} at {@code fork} (LSN units). */
  record Timeline(long timeline, long parent, long fork) {}

  record Scenario(
      List<Timeline> timelines,
      List<Candidate> backups,
      RecoveryTarget target,
      RecoveryTimeline timelineTarget) {

    Map<Long, TimelineHistory> histories() {
      Map<Long, TimelineHistory> h = new TreeMap<>();
      h.put(1L, TimelineHistory.ofFirstTimeline());
      for (Timeline t : timelines) {
        if (t.timeline() > 1) {
          h.put(t.timeline(), h.get(t.parent()).branch(t.timeline(), lsn(t.fork()), "test"));
        }
      }
      h.remove(1L); // timeline 1 has no history file in an archive
      return h;
    }

    Timeline timeline(long t) {
      return timelines.get((int) t - 1);
    }

    long begin(long t) {
      return t == 1 ? 0 : timeline(t).fork();
    }

    /** The oracle: whether a recovery from {@code b} can follow timeline {@code tl}. */
    boolean reaches(Candidate b, long tl) {
      if (tl > timelines.size()) {
        return false; // no history for it
      }
      if (b.timeline() == tl) {
        return true;
      }
      long end = Long.MAX_VALUE;
      for (long t = tl; ; t = timeline(t).parent()) {
        long begin = begin(t);
        if (t == b.timeline()) {
          long s = b.startLsn().value() / UNIT;
          long e = b.stopLsn().value() / UNIT;
          return begin <= s && s < end && e <= end;
        }
        if (t == 1) {
          return false;
        }
        end = Math.min(end, begin);
      }
    }

    long resolve(Candidate b) {
      if (timelineTarget.equals(RecoveryTimeline.current())) {
        return b.timeline();
      }
      if (timelineTarget.equals(RecoveryTimeline.latest())) {
        return Math.max(timelines.size(), b.timeline());
      }
      return timelineTarget.number().getAsLong();
    }

    boolean before(Candidate b) {
      return switch (target.kind()) {
        // a stop of whole seconds lies somewhere in that second
        case TIME ->
            b.stopTime().getNano() == 0
                ? !b.stopTime().plusSeconds(1).isAfter(target.time().get())
                : b.stopTime().isBefore(target.time().get());
        case LSN -> b.stopLsn().compareTo(target.lsn().get()) <= 0;
        default -> true;
      };
    }

    boolean qualifies(Candidate b) {
      return b.complete() && before(b) && reaches(b, resolve(b));
    }

    List<Candidate> qualifying() {
      return backups.stream().filter(this::qualifies).toList();
    }
  }

  static Lsn lsn(long units) {
    return Lsn.of(units * UNIT);
  }

  static Gen<Scenario> scenarios() {
    return in -> {
      int count = integers().between(1, 4).generate(in);
      List<Timeline> timelines = new ArrayList<>();
      timelines.add(new Timeline(1, 0, 0));
      for (int t = 2; t <= count; t++) {
        long parent = integers().between(1, t - 1).generate(in);
        long parentBegin = parent == 1 ? 0 : timelines.get((int) parent - 1).fork();
        long fork = parentBegin + integers().between(0, 400).generate(in);
        timelines.add(new Timeline(t, parent, fork));
      }
      int n = integers().between(0, 8).generate(in);
      List<Candidate> backups = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long tl = integers().between(1, count).generate(in);
        long begin = tl == 1 ? 0 : timelines.get((int) tl - 1).fork();
        long start = begin + integers().between(0, 400).generate(in);
        long stop = start + integers().between(0, 60).generate(in);
        boolean complete = integers().between(0, 9).generate(in) < 7;
        backups.add(
            new Candidate(
                "b" + i,
                lsn(start),
                lsn(stop),
                // most stop times are a .backup file's STOP TIME, of whole seconds
                T0.plusSeconds(stop).plusMillis(integers().between(0, 2).generate(in) == 0 ? i : 0),
                tl,
                complete));
      }
      RecoveryTarget target =
          switch (integers().between(0, 4).generate(in)) {
            case 0 -> RecoveryTarget.latest();
            case 1 ->
                RecoveryTarget.time(
                    T0.plusSeconds(
                            n > 0 && integers().between(0, 1).generate(in) == 0
                                // within a second or two of a backup's stop
                                ? backups
                                        .get(integers().between(0, n - 1).generate(in))
                                        .stopTime()
                                        .getEpochSecond()
                                    - T0.getEpochSecond()
                                    + integers().between(-1, 1).generate(in)
                                : integers().between(0, 900).generate(in))
                        .plusMillis(
                            integers().between(0, 3).generate(in) == 0
                                ? integers().between(0, 999).generate(in)
                                : 0));
            case 2 -> RecoveryTarget.lsn(lsn(integers().between(0, 900).generate(in)));
            case 3 -> RecoveryTarget.name("rp");
            default -> RecoveryTarget.xid("1234");
          };
      RecoveryTimeline timelineTarget =
          switch (integers().between(0, 2).generate(in)) {
            case 0 -> RecoveryTimeline.latest();
            case 1 -> RecoveryTimeline.current();
            default -> RecoveryTimeline.of(integers().between(1, 5).generate(in));
          };
      return new Scenario(timelines, backups, target, timelineTarget);
    };
  }

  private static final Comparator<Candidate> NEWEST_LAST =
      Comparator.comparing(Candidate::stopLsn)
          .thenComparing(Candidate::stopTime)
          .thenComparing(Candidate::name);

  @Test
  void choosesTheNewestQualifyingBackupOrRefuses() {
    qt().withExamples(3000)
        .forAll(scenarios())
        .checkAssert(
            s -> {
              List<Candidate> ok = s.qualifying();
              if (ok.isEmpty()) {
                assertThatThrownBy(
                        () ->
                            BackupSelector.choose(
                                s.backups(),
                                s.histories(),
                                Optional.empty(),
                                s.target(),
                                s.timelineTarget()))
                    .isInstanceOf(NoSuitableBackupException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").isNotBlank());
              } else {
                Choice choice = choose(s, Optional.empty());
                Candidate newest = ok.stream().max(NEWEST_LAST).get();
                assertThat(choice.backup()).isEqualTo(newest);
                assertThat(choice.backup().complete()).isTrue();
                assertThat(choice.targetTimeline()).isEqualTo(s.resolve(newest));
              }
            });
  }

  @Test
  void aNamedBackupIsRestoredExactlyWhenItQualifies() {
    qt().withExamples(2000)
        .forAll(scenarios())
        .checkAssert(
            s -> {
              for (Candidate b : s.backups()) {
                if (s.qualifies(b)) {
                  assertThat(choose(s, Optional.of(b.name())).backup()).isEqualTo(b);
                } else {
                  assertThatThrownBy(
                          () ->
                              BackupSelector.choose(
                                  s.backups(),
                                  s.histories(),
                                  Optional.of(b.name()),
                                  s.target(),
                                  s.timelineTarget()))
                      .isInstanceOf(NoSuitableBackupException.class)
                      .hasMessageContaining(b.name());
                }
              }
            });
  }

  @Test
  void anIncompleteBackupIsNeverChosenEvenIfItIsTheOnlyOrNewestOne() {
    qt().withExamples(1000)
        .forAll(scenarios())
        .checkAssert(
            s -> {
              List<Candidate> incomplete =
                  s.backups().stream()
                      .map(
                          b ->
                              new Candidate(
                                  b.name(),
                                  b.startLsn(),
                                  b.stopLsn(),
                                  b.stopTime(),
                                  b.timeline(),
                                  false))
                      .toList();
              assertThatThrownBy(
                      () ->
                          BackupSelector.choose(
                              incomplete,
                              s.histories(),
                              Optional.empty(),
                              s.target(),
                              s.timelineTarget()))
                  .isInstanceOf(NoSuitableBackupException.class);
            });
  }

  @Test
  void aLaterTargetTimeNeverChoosesAnOlderBackup() {
    qt().withExamples(1000)
        .forAll(scenarios(), integers().between(0, 900), integers().between(0, 900))
        .checkAssert(
            (s, a, b) -> {
              Scenario early =
                  new Scenario(
                      s.timelines(),
                      s.backups(),
                      RecoveryTarget.time(T0.plusSeconds(Math.min(a, b))),
                      s.timelineTarget());
              Scenario late =
                  new Scenario(
                      s.timelines(),
                      s.backups(),
                      RecoveryTarget.time(T0.plusSeconds(Math.max(a, b))),
                      s.timelineTarget());
              if (!early.qualifying().isEmpty() && !late.qualifying().isEmpty()) {
                assertThat(choose(late, Optional.empty()).backup().stopLsn())
                    .isGreaterThanOrEqualTo(choose(early, Optional.empty()).backup().stopLsn());
              }
            });
  }

  private static Choice choose(Scenario s, Optional<String> name) {
    try {
      return BackupSelector.choose(
          s.backups(), s.histories(), name, s.target(), s.timelineTarget());
    } catch (NoSuitableBackupException e) {
      throw new AssertionError(e.getMessage() + " in " + s, e);
    }
  }

  // examples with the messages users see

  private static Candidate backup(String name, long start, long stop, long tl, boolean complete) {
    return new Candidate(name, lsn(start), lsn(stop), T0.plusSeconds(stop), tl, complete);
  }

  /**
   * A stop time from a .backup file's STOP TIME (whole seconds): the backup may have stopped at any
   * moment of that second, so a target within it is not after the stop (PostgreSQL would fail with
   * "requested recovery stop point is before consistent recovery point").
   */
  @Test
  void aStopRecordedToTheSecondCountsAsTheWholeSecond() throws Exception {
    Instant stop = Instant.parse("2026-12-01T14:41:28Z");
    List<Candidate> backups =
        List.of(
            new Candidate("b1", lsn(10), lsn(20), stop.minusSeconds(60), 1, true),
            new Candidate("b2", lsn(100), lsn(110), stop, 1, true));
    for (String target : List.of("14:41:28.001", "14:41:28.999999")) {
      assertThat(
              BackupSelector.choose(
                      backups,
                      Map.of(),
                      Optional.empty(),
                      RecoveryTarget.time(Instant.parse("2026-12-01T" + target + "Z")),
                      RecoveryTimeline.latest())
                  .backup()
                  .name())
          .as(target)
          .isEqualTo("b1");
    }
    assertThat(
            BackupSelector.choose(
                    backups,
                    Map.of(),
                    Optional.empty(),
                    RecoveryTarget.time(stop.plusSeconds(1)),
                    RecoveryTimeline.latest())
                .backup()
                .name())
        .isEqualTo("b2");
    assertThatThrownBy(
            () ->
                BackupSelector.choose(
                    backups,
                    Map.of(),
                    Optional.of("b2"),
                    RecoveryTarget.time(stop.plusMillis(1)),
                    RecoveryTimeline.latest()))
        .isInstanceOf(NoSuitableBackupException.class)
        .hasMessageContaining(
            "finished at 2026-12-01T14:41:28Z (recorded to the second: before"
                + " 2026-12-01T14:41:29Z)");
    // a stop time with a fraction is exact
    List<Candidate> exact =
        List.of(new Candidate("b3", lsn(100), lsn(110), stop.plusMillis(900), 1, true));
    assertThat(
            BackupSelector.choose(
                    exact,
                    Map.of(),
                    Optional.empty(),
                    RecoveryTarget.time(stop.plusMillis(901)),
                    RecoveryTimeline.latest())
                .backup()
                .name())
        .isEqualTo("b3");
  }

  @Test
  void theNewestBackupThatFinishedBeforeTheTargetTimeIsChosen() throws Exception {
    List<Candidate> backups =
        List.of(
            backup("b1", 10, 20, 1, true),
            backup("b2", 100, 110, 1, true),
            backup("b3", 200, 210, 1, false),
            backup("b4", 300, 310, 1, true));
    Choice c =
        BackupSelector.choose(
            backups,
            Map.of(),
            Optional.empty(),
            RecoveryTarget.time(T0.plusSeconds(250)),
            RecoveryTimeline.latest());
    assertThat(c.backup().name()).isEqualTo("b2");
    assertThat(c.targetTimeline()).isEqualTo(1);
    // stop time equal to the target: not before it
    assertThat(
            BackupSelector.choose(
                    backups,
                    Map.of(),
                    Optional.empty(),
                    RecoveryTarget.time(T0.plusSeconds(110)),
                    RecoveryTimeline.latest())
                .backup()
                .name())
        .isEqualTo("b1");
  }

  @Test
  void refusalsSayWhy() {
    List<Candidate> backups =
        List.of(backup("b1", 100, 110, 1, true), backup("b2", 200, 210, 1, false));
    assertThatThrownBy(
            () ->
                BackupSelector.choose(
                    List.of(backup("b0", 1, 2, 1, false)),
                    Map.of(),
                    Optional.empty(),
                    RecoveryTarget.latest(),
                    RecoveryTimeline.latest()))
        .hasMessage(
            "the archive holds no complete base backup (1 incomplete backup is never restored);"
                + " take one with 'walarchive backup-push'");
    assertThatThrownBy(
            () ->
                BackupSelector.choose(
                    backups,
                    Map.of(),
                    Optional.empty(),
                    RecoveryTarget.time(T0.plusSeconds(50)),
                    RecoveryTimeline.latest()))
        .hasMessage(
            "no complete base backup finished before the target time 2026-12-01T00:00:50Z: the"
                + " oldest, b1, finished at 2026-12-01T00:01:50Z (recorded to the second: before"
                + " 2026-12-01T00:01:51Z) (1 incomplete backup is never"
                + " restored); choose a later target");
    assertThatThrownBy(
            () ->
                BackupSelector.choose(
                    backups,
                    Map.of(),
                    Optional.of("b2"),
                    RecoveryTarget.latest(),
                    RecoveryTimeline.latest()))
        .hasMessageContaining("base backup b2 is incomplete");
    assertThatThrownBy(
            () ->
                BackupSelector.choose(
                    backups,
                    Map.of(),
                    Optional.of("nope"),
                    RecoveryTarget.latest(),
                    RecoveryTimeline.latest()))
        .hasMessage(
            "no base backup named nope in the archive; 'walarchive backup-list' lists them");
    Map<Long, TimelineHistory> forkedEarly =
        Map.of(2L, TimelineHistory.ofFirstTimeline().branch(2, lsn(105), "promoted"));
    assertThatThrownBy(
            () ->
                BackupSelector.choose(
                    backups,
                    forkedEarly,
                    Optional.empty(),
                    RecoveryTarget.latest(),
                    RecoveryTimeline.latest()))
        .hasMessage(
            "no complete base backup can reach timeline 2: timeline 2 forked off timeline 1"
                + " at 0/69000, before backup b1 stopped at 0/6E000; give --target-timeline"
                + " current (the backup's timeline) or a timeline it reaches");
    assertThatThrownBy(
            () ->
                BackupSelector.choose(
                    backups,
                    Map.of(),
                    Optional.empty(),
                    RecoveryTarget.latest(),
                    RecoveryTimeline.of(3)))
        .hasMessageContaining("no history file for timeline 3 (00000003.history)");
  }
}
