package dev.walarchive.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Timeline history as PostgreSQL reads it, including histories whose switch points go down (a
 * point-in-time recovery that stopped before its target timeline began), checked against a direct
 * transcription of {@code readTimeLineHistory}, {@code tliOfPointInHistory}, {@code tliSwitchPoint}
 * and {@code XLogFileReadAnyTLI} (PostgreSQL 15).
 */
class TimelineHistoryPostgresSemanticsTest {
  /** The history file PostgreSQL's test 028_pitr_timelines produces for timeline 3. */
  static final String PITR_028 =
      "1\t0/3018CB0\tno recovery target specified\n"
          + "\n"
          + "2\t0/3018C48\tat restore point \"rp\"\n";

  private static final WalSegmentSize SIZE_16M = WalSegmentSize.DEFAULT;

  // ---- the exact file of 028_pitr_timelines ----

  @Test
  void parsesThe028HistoryWhoseSwitchPointGoesDown() {
    TimelineHistory history = TimelineHistory.parse(3, PITR_028);
    assertThat(history.entries())
        .containsExactly(
            new TimelineHistory.Entry(1, Lsn.parse("0/3018CB0"), "no recovery target specified"),
            new TimelineHistory.Entry(2, Lsn.parse("0/3018C48"), "at restore point \"rp\""));
    assertThat(history.toFileContent()).isEqualTo(PITR_028);
    assertThat(history.toString())
        .isEqualTo("TimelineHistory[3: 1 until 0/3018CB0, 2 until 0/3018C48]");
    // PostgreSQL writes it by copying timeline 2's file and appending the new line
    TimelineHistory two = TimelineHistory.parse(2, "1\t0/3018CB0\tno recovery target specified\n");
    assertThat(two.branch(3, Lsn.parse("0/3018C48"), "at restore point \"rp\"")).isEqualTo(history);
    assertThat(TimelineHistory.parse(3, history.toFileContent())).isEqualTo(history);
  }

  @Test
  void the028HistoryPutsEverythingBelowTheNewSwitchOnTimeline1AndTheRestOnTimeline3() {
    TimelineHistory history = TimelineHistory.parse(3, PITR_028);
    assertThat(history.ancestry()).containsExactly(3L, 2L, 1L);
    assertThat(history.includes(2)).isTrue();
    assertThat(history.timelineOf(Lsn.ZERO)).isEqualTo(1);
    assertThat(history.timelineOf(Lsn.parse("0/3018C47"))).isEqualTo(1);
    assertThat(history.timelineOf(Lsn.parse("0/3018C48"))).isEqualTo(3);
    // timeline 2's range [0/3018CB0, 0/3018C48) is empty: nothing is on timeline 2
    assertThat(history.timelineOf(Lsn.parse("0/3018CB0"))).isEqualTo(3);
    assertThat(history.timelineOf(Lsn.parse("0/3018CAF"))).isEqualTo(3);
    assertThat(history.timelineOf(Lsn.parse("5/0"))).isEqualTo(3);
    assertThat(history.endOf(1)).contains(Lsn.parse("0/3018CB0"));
    assertThat(history.endOf(2)).contains(Lsn.parse("0/3018C48"));
    assertThat(history.endOf(3)).isEmpty();
    for (Lsn probe :
        List.of(Lsn.ZERO, Lsn.parse("0/3018C48"), Lsn.parse("0/3018CB0"), Lsn.parse("0/2FFFFFF"))) {
      assertThat(history.timelineOf(probe))
          .isEqualTo(tliOfPointInHistory(probe.value(), readTimeLineHistory(history)));
    }
  }

  @Test
  void the028RecoveryReadsTimeline1ThenTimeline3AndNeverTimeline2() {
    TimelineHistory history = TimelineHistory.parse(3, PITR_028);
    // the base backup of 028 starts in segment 2
    assertThat(
            history.segmentsForRecovery(Lsn.parse("0/2000028"), Lsn.parse("0/5000000"), SIZE_16M))
        .extracting(WalFileName::name)
        .containsExactly(
            "000000010000000000000002",
            // the switch at 0/3018C48 is inside segment 3: timeline 1's copy up to it, and
            // timeline 3's copy (which recovery reads when it is there)
            "000000010000000000000003",
            "000000030000000000000003",
            "000000030000000000000004");
    assertThat(history.timelinesToTry(2, SIZE_16M)).containsExactly(1L);
    assertThat(history.timelinesToTry(3, SIZE_16M)).containsExactly(3L, 2L, 1L);
    assertThat(history.timelinesToTry(4, SIZE_16M)).containsExactly(3L, 2L, 1L);
    // up to the switch only timeline 1 is needed
    assertThat(
            history.segmentsForRecovery(Lsn.parse("0/2000028"), Lsn.parse("0/3018C48"), SIZE_16M))
        .extracting(WalFileName::name)
        .containsExactly("000000010000000000000002", "000000010000000000000003");
  }

  @Test
  void stillRejectsWhatPostgresRejects() {
    assertThatThrownBy(() -> TimelineHistory.parse(3, "2\t0/3000000\tr\n\n2\t0/2000000\tr\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("00000003.history")
        .hasMessageContaining("line 3")
        .hasMessageContaining("increase");
    assertThatThrownBy(() -> TimelineHistory.parse(5, "1\t0/3000000\tr\n\n5\t0/2000000\tr\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not below timeline 5");
    assertThatThrownBy(() -> TimelineHistory.parse(3, "1\t0/3000000\tr\n\n2\tX/2000000\tr\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid switch point");
    assertThatThrownBy(() -> TimelineHistory.parse(3, "1 0/3000000\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 1");
    assertThatThrownBy(() -> TimelineHistory.parse(2, "one\t0/1\tr\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid parent timeline");
  }

  // ---- properties over generated histories ----

  /**
   * A history with switch points anywhere in a window of a few segments (so they often go down,
   * fall into one segment, or sit on a boundary), and a recovery range in the same window.
   */
  record Case(WalSegmentSize size, TimelineHistory history, Lsn start, Lsn end) {}

  private static final int WINDOW_SEGMENTS = 8;

  private static final List<String> REASONS =
      List.of(
          "no recovery target specified",
          "at restore point \"rp\"",
          "before 2026-11-21 10:15:02.123456+00",
          "",
          "with\ttabs");

  /** An offset in the window: anywhere, or next to a segment boundary. */
  private static long offset(WalSegmentSize size, long seed) {
    long window = WINDOW_SEGMENTS * size.bytes();
    if ((seed & 1) == 0) {
      return Math.floorMod(seed >> 1, window);
    }
    long segment = Math.floorMod(seed >> 4, WINDOW_SEGMENTS);
    long delta = Math.floorMod(seed >> 1, 5) - 2;
    return Math.max(0, segment * size.bytes() + delta);
  }

  static Gen<Case> cases() {
    Gen<Integer> shifts = integers().between(20, 24);
    Gen<Long> bases = longs().between(0, 3);
    Gen<List<Long>> switchSeeds = lists().of(longs().all()).ofSizeBetween(0, 6);
    Gen<List<Integer>> steps = lists().of(integers().between(1, 3)).ofSize(7);
    Gen<long[]> range = longs().all().zip(longs().all(), (a, b) -> new long[] {a, b});
    return shifts.zip(
        bases,
        switchSeeds,
        steps,
        range,
        (shift, base, seeds, step, ends) -> {
          WalSegmentSize size = WalSegmentSize.of(1L << shift);
          // at 0/0, a few segments in, or far away (high xlogid)
          long baseSegment = base == 0 ? 0 : base == 1 ? 3 : base == 2 ? 0x1234 : 0xFFFF_0000L;
          long baseLsn = baseSegment * size.bytes();
          // about half of the histories start from a parent timeline above 1 without a file
          long firstParent = step.get(6) == 1 ? 1 : step.get(6) * 7;
          TimelineHistory history =
              firstParent == 1
                  ? TimelineHistory.ofFirstTimeline()
                  : TimelineHistory.parse(firstParent, "");
          for (int i = 0; i < seeds.size(); i++) {
            history =
                history.branch(
                    history.timeline() + step.get(i),
                    Lsn.of(baseLsn + offset(size, seeds.get(i))),
                    REASONS.get(Math.floorMod(seeds.get(i) >> 8, REASONS.size())));
          }
          long a = baseLsn + offset(size, ends[0]);
          long b = baseLsn + offset(size, ends[1]);
          return new Case(size, history, Lsn.of(Math.min(a, b)), Lsn.of(Math.max(a, b)));
        });
  }

  @Test
  void generatorProducesDecreasingSwitchPointsAndEmptyRanges() {
    int[] decreasing = {0};
    int[] hidden = {0};
    qt().withExamples(500)
        .forAll(cases())
        .checkAssert(
            c -> {
              List<TimelineHistory.Entry> e = c.history().entries();
              for (int i = 1; i < e.size(); i++) {
                if (e.get(i).switchPoint().compareTo(e.get(i - 1).switchPoint()) < 0) {
                  decreasing[0]++;
                }
              }
              for (TimelineHistory.Entry entry : e) {
                if (!onPath(c.history(), entry.timeline())) {
                  hidden[0]++;
                }
              }
            });
    assertThat(decreasing[0]).isGreaterThan(100);
    assertThat(hidden[0]).isGreaterThan(100);
  }

  private static boolean onPath(TimelineHistory history, long timeline) {
    Set<Long> seen = new HashSet<>();
    for (Lsn probe : probes(history, Lsn.ZERO, Lsn.ZERO)) {
      seen.add(history.timelineOf(probe));
    }
    return seen.contains(timeline);
  }

  @Test
  void writtenHistoriesParseBackExactly() {
    qt().withExamples(1000)
        .forAll(cases())
        .checkAssert(
            c -> {
              TimelineHistory h = c.history();
              TimelineHistory parsed = TimelineHistory.parse(h.timeline(), h.toFileContent());
              assertThat(parsed).isEqualTo(h);
              assertThat(parsed.toFileContent()).isEqualTo(h.toFileContent());
              assertThat(parsed.toString()).isEqualTo(h.toString());
              // and as PostgreSQL reads it: the same timelines, newest first
              List<Long> tlis = new ArrayList<>();
              for (Tle tle : readTimeLineHistory(h)) {
                tlis.add(tle.tli());
              }
              assertThat(h.ancestry()).isEqualTo(tlis);
              for (long t = 1; t <= h.timeline() + 1; t++) {
                assertThat(h.includes(t)).isEqualTo(tlis.contains(t));
              }
            });
  }

  @Test
  void timelineOfIsTliOfPointInHistory() {
    qt().withExamples(1000)
        .forAll(cases())
        .checkAssert(
            c -> {
              List<Tle> tles = readTimeLineHistory(c.history());
              for (Lsn probe : probes(c.history(), c.start(), c.end())) {
                assertThat(c.history().timelineOf(probe))
                    .as("timeline of %s in %s", probe, c.history())
                    .isEqualTo(tliOfPointInHistory(probe.value(), tles));
              }
            });
  }

  @Test
  void endOfIsTliSwitchPoint() {
    qt().withExamples(500)
        .forAll(cases())
        .checkAssert(
            c -> {
              List<Tle> tles = readTimeLineHistory(c.history());
              for (long t : c.history().ancestry()) {
                long end = tliSwitchPoint(t, tles);
                assertThat(c.history().endOf(t))
                    .isEqualTo(
                        t == c.history().timeline()
                            ? java.util.Optional.empty()
                            : java.util.Optional.of(Lsn.of(end)));
              }
            });
  }

  @Test
  void timelinesToTryIsXLogFileReadAnyTliOrder() {
    qt().withExamples(1000)
        .forAll(cases())
        .checkAssert(
            c -> {
              List<Tle> tles = readTimeLineHistory(c.history());
              long base = c.start().segmentNumber(c.size());
              for (long s = Math.max(0, base - 2); s <= base + WINDOW_SEGMENTS + 1; s++) {
                List<Long> order = c.history().timelinesToTry(s, c.size());
                assertThat(order).isEqualTo(candidates(tles, s, 0, c.size()));
                // the first one holds the segment's last byte
                Lsn last = Lsn.ofSegment(s, c.size().bytes() - 1, c.size());
                assertThat(order.get(0)).isEqualTo(c.history().timelineOf(last));
              }
            });
  }

  @Test
  void segmentsForRecoveryListEachPartOfTheRangeOnTheTimelineThatHoldsIt() {
    qt().withExamples(1000)
        .forAll(cases())
        .checkAssert(
            c -> {
              List<Tle> tles = readTimeLineHistory(c.history());
              WalSegmentSize size = c.size();
              List<WalFileName> expected = new ArrayList<>();
              if (c.start().compareTo(c.end()) < 0) {
                long first = c.start().segmentNumber(size);
                long last = c.end().plus(-1).segmentNumber(size);
                for (long s = first; s <= last; s++) {
                  long lo = Math.max(c.start().value(), Lsn.ofSegment(s, 0, size).value());
                  long hi = Math.min(c.end().value(), Lsn.ofSegment(s + 1, 0, size).value());
                  TreeSet<Long> timelines = new TreeSet<>();
                  for (long p : breakpoints(tles, lo, hi)) {
                    timelines.add(tliOfPointInHistory(p, tles));
                  }
                  for (long t : timelines) {
                    expected.add(WalFileName.segment(t, s, size));
                  }
                }
              }
              List<WalFileName> actual = c.history().segmentsForRecovery(c.start(), c.end(), size);
              assertThat(actual)
                  .as("%s from %s to %s", c.history(), c.start(), c.end())
                  .isEqualTo(expected)
                  .isSorted()
                  .doesNotHaveDuplicates();
            });
  }

  /**
   * The key property for retention and verification: from an archive that holds exactly the listed
   * segments, PostgreSQL's recovery (XLogFileReadAnyTLI, with its curFileTLI rule) finds a file for
   * every segment of the range, and the copy it reads holds the WAL of the path there.
   */
  @Test
  void recoveryFromExactlyTheListedSegmentsReadsThePathsWal() {
    qt().withExamples(1000)
        .forAll(cases())
        .checkAssert(
            c -> {
              TimelineHistory h = c.history();
              WalSegmentSize size = c.size();
              if (c.start().compareTo(c.end()) >= 0) {
                return;
              }
              List<Tle> tles = readTimeLineHistory(h);
              Set<WalFileName> listed =
                  new LinkedHashSet<>(h.segmentsForRecovery(c.start(), c.end(), size));
              List<WalFileName> read = recover(tles, c.start(), c.end(), size, listed::contains);
              long first = c.start().segmentNumber(size);
              for (int i = 0; i < read.size(); i++) {
                long s = first + i;
                WalFileName file = read.get(i);
                assertThat(file).as("segment %d of %s", s, h).isNotNull();
                long lo = Math.max(c.start().value(), Lsn.ofSegment(s, 0, size).value());
                long hi = Math.min(c.end().value(), Lsn.ofSegment(s + 1, 0, size).value());
                List<Tle> fileTles = readTimeLineHistory(ownHistory(h, file.timeline()));
                for (long p : breakpoints(tles, lo, hi)) {
                  assertThat(tliOfPointInHistory(p, fileTles))
                      .as("WAL at %s in %s read for %s", Lsn.of(p), file, h)
                      .isEqualTo(tliOfPointInHistory(p, tles));
                }
              }
            });
  }

  /**
   * With every timeline's copy of every segment in the archive, recovery reads, for each segment
   * wholly in the range, the newest listed copy.
   */
  @Test
  void recoveryFromACompleteArchiveReadsTheNewestListedCopy() {
    qt().withExamples(1000)
        .forAll(cases())
        .checkAssert(
            c -> {
              TimelineHistory h = c.history();
              WalSegmentSize size = c.size();
              if (c.start().compareTo(c.end()) >= 0) {
                return;
              }
              List<Tle> tles = readTimeLineHistory(h);
              List<WalFileName> listed = h.segmentsForRecovery(c.start(), c.end(), size);
              List<WalFileName> read = recover(tles, c.start(), c.end(), size, name -> true);
              long first = c.start().segmentNumber(size);
              for (int i = 0; i < read.size(); i++) {
                long s = first + i;
                WalFileName newestListed = null;
                for (WalFileName n : listed) {
                  if (n.segmentNumber(size) == s) {
                    newestListed = n;
                    assertThat(h.timelinesToTry(s, size)).contains(n.timeline());
                  }
                }
                boolean whole = Lsn.ofSegment(s + 1, 0, size).compareTo(c.end()) <= 0;
                if (whole) {
                  assertThat(read.get(i)).isEqualTo(newestListed);
                } else {
                  assertThat(read.get(i).timeline())
                      .isGreaterThanOrEqualTo(newestListed.timeline());
                }
              }
            });
  }

  // ---- a direct model of PostgreSQL 15 (timeline.c, xlogrecovery.c) ----

  /** TimeLineHistoryEntry: 0 is InvalidXLogRecPtr. */
  record Tle(long tli, long begin, long end) {}

  /** readTimeLineHistory: newest first, begin = previous end, end = switchpoint, tip unbounded. */
  static List<Tle> readTimeLineHistory(TimelineHistory history) {
    List<Tle> result = new ArrayList<>();
    long prevEnd = 0;
    for (TimelineHistory.Entry e : history.entries()) {
      result.add(0, new Tle(e.timeline(), prevEnd, e.switchPoint().value()));
      prevEnd = e.switchPoint().value();
    }
    result.add(0, new Tle(history.timeline(), prevEnd, 0));
    return result;
  }

  static long tliOfPointInHistory(long ptr, List<Tle> history) {
    for (Tle tle : history) {
      if ((tle.begin() == 0 || Long.compareUnsigned(tle.begin(), ptr) <= 0)
          && (tle.end() == 0 || Long.compareUnsigned(ptr, tle.end()) < 0)) {
        return tle.tli();
      }
    }
    throw new AssertionError("timeline history was not contiguous");
  }

  static long tliSwitchPoint(long tli, List<Tle> history) {
    for (Tle tle : history) {
      if (tle.tli() == tli) {
        return tle.end();
      }
    }
    throw new AssertionError("requested timeline " + tli + " is not in this server's history");
  }

  /** The timelines XLogFileReadAnyTLI tries for {@code segno}, in order. */
  static List<Long> candidates(List<Tle> tles, long segno, long curFileTli, WalSegmentSize size) {
    List<Long> result = new ArrayList<>();
    for (Tle hent : tles) {
      if (hent.tli() < curFileTli) {
        break;
      }
      if (hent.begin() != 0) {
        long beginseg = Long.divideUnsigned(hent.begin(), size.bytes());
        if (segno < beginseg) {
          continue;
        }
      }
      result.add(hent.tli());
    }
    return result;
  }

  /**
   * Replays segment after segment from {@code start} to {@code end} as recovery opens them: each
   * one from the first timeline XLogFileReadAnyTLI tries whose file {@code archive} holds (null,
   * and the end, if none).
   */
  static List<WalFileName> recover(
      List<Tle> tles, Lsn start, Lsn end, WalSegmentSize size, Predicate<WalFileName> archive) {
    List<WalFileName> read = new ArrayList<>();
    long curFileTli = 0;
    for (long s = start.segmentNumber(size); s <= end.plus(-1).segmentNumber(size); s++) {
      WalFileName found = null;
      for (long tli : candidates(tles, s, curFileTli, size)) {
        WalFileName name = WalFileName.segment(tli, s, size);
        if (archive.test(name)) {
          found = name;
          break;
        }
      }
      read.add(found);
      if (found == null) {
        break;
      }
      curFileTli = found.timeline();
    }
    return read;
  }

  /** The history of {@code timeline} itself: the lines of {@code history}'s file before it. */
  static TimelineHistory ownHistory(TimelineHistory history, long timeline) {
    if (timeline == history.timeline()) {
      return history;
    }
    StringBuilder content = new StringBuilder();
    for (TimelineHistory.Entry e : history.entries()) {
      if (e.timeline() == timeline) {
        return timeline == 1
            ? TimelineHistory.ofFirstTimeline()
            : TimelineHistory.parse(timeline, content.toString());
      }
      content.append(e.timeline()).append('\t').append(e.switchPoint()).append('\n');
    }
    throw new AssertionError(timeline + " is not in " + history);
  }

  /**
   * Positions in {@code [lo, hi)} at which tliOfPointInHistory can change: lo and every begin or
   * end inside.
   */
  static List<Long> breakpoints(List<Tle> tles, long lo, long hi) {
    TreeSet<Long> points = new TreeSet<>(Long::compareUnsigned);
    points.add(lo);
    for (Tle tle : tles) {
      for (long p : new long[] {tle.begin(), tle.end()}) {
        if (Long.compareUnsigned(p, lo) > 0 && Long.compareUnsigned(p, hi) < 0) {
          points.add(p);
        }
      }
    }
    return new ArrayList<>(points);
  }

  private static List<Lsn> probes(TimelineHistory history, Lsn start, Lsn end) {
    List<Lsn> probes = new ArrayList<>(List.of(start, end, Lsn.ZERO, Lsn.of(-1)));
    for (TimelineHistory.Entry e : history.entries()) {
      for (long delta = -2; delta <= 2; delta++) {
        long p = e.switchPoint().value() + delta;
        if (delta >= 0 || Long.compareUnsigned(p, e.switchPoint().value()) < 0) {
          probes.add(Lsn.of(p));
        }
      }
    }
    return probes;
  }
}
