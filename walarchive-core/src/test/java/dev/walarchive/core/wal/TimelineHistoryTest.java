package dev.walarchive.core.wal;

import static dev.walarchive.core.testing.Properties.anyLong;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.wal.WalGens.timelines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.walarchive.core.testing.Properties;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class TimelineHistoryTest {
  private static final int WINDOW_SEGMENTS = 48;

  /** A history whose switch points, and a recovery range, lie in a window of a few segments. */
  record Case(WalSegmentSize size, TimelineHistory history, Lsn start, Lsn end) {}

  static Gen<Case> cases() {
    // plain numbers, mapped onto the segment size afterwards
    Gen<Integer> shifts = integers().between(20, 30);
    Gen<Long> longs = anyLong();
    Gen<List<Long>> switchSeeds = listsOf(anyLong(), 0, 6);
    Gen<Long> firstParent = Generate.oneOf(longs().between(1, 3), longs().between(1, 0xFFFF_FF00L));
    Gen<List<Integer>> steps = listsOf(integers().between(1, 5), 6, 6);
    Gen<List<String>> reasons = listsOf(Generate.pick(REASONS), 6, 6);
    return in -> {
      WalSegmentSize size = WalSegmentSize.of(1L << shifts.generate(in));
      long[] base = {longs.generate(in), longs.generate(in)};
      List<Long> seeds = switchSeeds.generate(in);
      long parent = firstParent.generate(in);
      List<Integer> step = steps.generate(in);
      List<String> reason = reasons.generate(in);
      long[] ends = {longs.generate(in), longs.generate(in)};
      long lastBase = size.segmentCount() - WINDOW_SEGMENTS - 1;
      long baseSegment;
      switch (Math.floorMod(base[0], 4)) {
        case 0:
          baseSegment = 0;
          break;
        case 1:
          baseSegment = Math.floorMod(base[1], 1000);
          break;
        case 2:
          baseSegment = lastBase;
          break;
        default:
          baseSegment = Math.floorMod(base[1], lastBase + 1);
          break;
      }
      long baseLsn = baseSegment * size.bytes();
      List<Long> switches = seeds.stream().map(seed -> offset(size, seed)).sorted().toList();
      TimelineHistory history = history(baseLsn, switches, parent, step, reason);
      long a = offset(size, ends[0]);
      long b = offset(size, ends[1]);
      return new Case(
          size, history, Lsn.of(baseLsn + Math.min(a, b)), Lsn.of(baseLsn + Math.max(a, b)));
    };
  }

  /** An offset into the window: anywhere, or at, just before or just after a segment boundary. */
  private static long offset(WalSegmentSize size, long seed) {
    long window = WINDOW_SEGMENTS * size.bytes();
    if ((seed & 1) == 0) {
      return Math.floorMod(seed >> 1, window);
    }
    long segment = 1 + Math.floorMod(seed >> 4, WINDOW_SEGMENTS - 1);
    long delta = Math.floorMod(seed >> 1, 5) - 2;
    return segment * size.bytes() + delta;
  }

  private static final List<String> REASONS =
      List.of(
          "no recovery target specified",
          "before 2026-11-21 10:15:02.123456+00",
          "after transaction 1234",
          "at restore point \"nightly\"",
          "before WAL location 0/5000028",
          "",
          "with\ttabs\tinside",
          "  leading and trailing spaces  ",
          "#not a comment",
          "non-ASCII: \u00e9t\u00e9 \u4e2d",
          "\r");

  private static TimelineHistory history(
      long baseLsn,
      List<Long> switches,
      long firstParent,
      List<Integer> steps,
      List<String> reasons) {
    TimelineHistory history =
        firstParent == 1
            ? TimelineHistory.ofFirstTimeline()
            : TimelineHistory.parse(firstParent, ""); // a parent without a history file
    for (int i = 0; i < switches.size(); i++) {
      history =
          history.branch(
              history.timeline() + steps.get(i), Lsn.of(baseLsn + switches.get(i)), reasons.get(i));
    }
    return history;
  }

  static Gen<TimelineHistory> histories() {
    return cases().map(Case::history);
  }

  @Test
  void readsAndWritesPostgresFormat() {
    String content =
        "1\t0/3000000\tno recovery target specified\n"
            + "\n"
            + "2\t0/50000A0\tbefore 2026-11-21 10:15:02.123456+00\n";
    TimelineHistory history = TimelineHistory.parse(3, content);
    assertThat(history.timeline()).isEqualTo(3);
    assertThat(history.fileName().name()).isEqualTo("00000003.history");
    assertThat(history.entries())
        .containsExactly(
            new TimelineHistory.Entry(1, Lsn.parse("0/3000000"), "no recovery target specified"),
            new TimelineHistory.Entry(
                2, Lsn.parse("0/50000A0"), "before 2026-11-21 10:15:02.123456+00"));
    assertThat(history.toFileContent()).isEqualTo(content);
    assertThat(
            TimelineHistory.ofFirstTimeline()
                .branch(2, Lsn.parse("0/3000000"), "no recovery target specified")
                .branch(3, Lsn.parse("0/50000A0"), "before 2026-11-21 10:15:02.123456+00"))
        .isEqualTo(history);
    assertThat(history.ancestry()).containsExactly(3L, 2L, 1L);
    assertThat(history.timelineOf(Lsn.parse("0/2FFFFFF"))).isEqualTo(1);
    assertThat(history.timelineOf(Lsn.parse("0/3000000"))).isEqualTo(2);
    assertThat(history.timelineOf(Lsn.parse("0/50000A0"))).isEqualTo(3);
    assertThat(history.endOf(2)).contains(Lsn.parse("0/50000A0"));
    assertThat(history.endOf(3)).isEmpty();
    assertThatThrownBy(() -> history.endOf(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ancestry is 3, 2, 1");

    WalSegmentSize size = WalSegmentSize.DEFAULT;
    assertThat(history.segmentsForRecovery(Lsn.parse("0/2000028"), Lsn.parse("0/7000000"), size))
        .extracting(WalFileName::name)
        .containsExactly(
            "000000010000000000000002",
            // the first switch is at a boundary: segment 3 only on timeline 2
            "000000020000000000000003",
            "000000020000000000000004",
            // the second switch is inside segment 5: both copies
            "000000020000000000000005",
            "000000030000000000000005",
            "000000030000000000000006");
  }

  @Test
  void firstTimelineHasNoHistory() {
    TimelineHistory first = TimelineHistory.ofFirstTimeline();
    assertThat(first.timeline()).isEqualTo(1);
    assertThat(first.entries()).isEmpty();
    assertThat(first.toFileContent()).isEmpty();
    assertThat(first.ancestry()).containsExactly(1L);
    assertThat(first.timelineOf(Lsn.of(-1))).isEqualTo(1);
    assertThat(first.segmentsForRecovery(Lsn.ZERO, Lsn.ZERO, WalSegmentSize.DEFAULT)).isEmpty();
  }

  @Test
  void writtenHistoriesParseBackUnchanged() {
    qt().withExamples(1000)
        .forAll(histories())
        .checkAssert(
            history -> {
              TimelineHistory parsed =
                  TimelineHistory.parse(history.timeline(), history.toFileContent());
              assertThat(parsed).isEqualTo(history);
              assertThat(parsed.entries()).isEqualTo(history.entries());
              assertThat(parsed.toFileContent()).isEqualTo(history.toFileContent());
              if (!history.entries().isEmpty()) {
                assertThat(history.toFileContent()).endsWith("\n");
              }
            });
  }

  @Test
  void commentsAndBlankLinesAreIgnoredAndKept() {
    qt().withExamples(1000)
        .forAll(histories(), noise(), anyLong())
        .checkAssert(
            (history, noise, seed) -> {
              String[] lines = history.toFileContent().split("\n", -1);
              StringBuilder content = new StringBuilder();
              java.util.Random random = new java.util.Random(seed);
              for (String line : lines) {
                if (!noise.isEmpty() && random.nextBoolean()) {
                  content.append(noise.get(random.nextInt(noise.size()))).append('\n');
                }
                content.append(line).append('\n');
              }
              TimelineHistory parsed =
                  TimelineHistory.parse(history.timeline(), content.toString());
              assertThat(parsed.entries()).isEqualTo(history.entries());
              assertThat(parsed.toFileContent()).isEqualTo(content.toString());
            });
  }

  static Gen<List<String>> noise() {
    return listsOf(
        Properties.oneOf(
            "", "   ", "\t", "# comment", "  # indented comment", "#1\t0/0\tcommented out", "\r"),
        0,
        3);
  }

  @Test
  void ancestryListsThisTimelineThenParentsNewestFirst() {
    qt().withExamples(1000)
        .forAll(histories(), timelines())
        .checkAssert(
            (history, other) -> {
              List<Long> expected = new ArrayList<>();
              expected.add(history.timeline());
              for (int i = history.entries().size() - 1; i >= 0; i--) {
                expected.add(history.entries().get(i).timeline());
              }
              assertThat(history.ancestry())
                  .isEqualTo(expected)
                  .isSortedAccordingTo((a, b) -> b.compareTo(a));
              assertThat(history.includes(other)).isEqualTo(expected.contains(other));
              for (long timeline : expected) {
                assertThat(history.includes(timeline)).isTrue();
              }
            });
  }

  /** PostgreSQL's tliOfPointInHistory over the list readTimeLineHistory builds. */
  private static long postgresTliOfPointInHistory(TimelineHistory history, Lsn ptr) {
    record Tle(long tli, long begin, long end) {}
    List<Tle> newestFirst = new ArrayList<>();
    long prevEnd = 0;
    for (TimelineHistory.Entry entry : history.entries()) {
      newestFirst.add(0, new Tle(entry.timeline(), prevEnd, entry.switchPoint().value()));
      prevEnd = entry.switchPoint().value();
    }
    newestFirst.add(0, new Tle(history.timeline(), prevEnd, 0));
    for (Tle tle : newestFirst) {
      if ((tle.begin == 0 || Long.compareUnsigned(tle.begin, ptr.value()) <= 0)
          && (tle.end == 0 || Long.compareUnsigned(ptr.value(), tle.end) < 0)) {
        return tle.tli;
      }
    }
    throw new AssertionError("timeline history was not contiguous");
  }

  @Test
  void timelineOfAgreesWithPostgres() {
    qt().withExamples(1000)
        .forAll(cases(), offsets())
        .checkAssert(
            (c, delta) -> {
              // PostgreSQL reads a 0/0 switch point as "no end"; real histories never contain one
              if (c.history().entries().stream().anyMatch(e -> e.switchPoint().equals(Lsn.ZERO))) {
                return;
              }
              List<Lsn> probes = new ArrayList<>(List.of(c.start(), c.end(), Lsn.ZERO, Lsn.of(-1)));
              for (TimelineHistory.Entry entry : c.history().entries()) {
                probes.add(entry.switchPoint());
                try {
                  probes.add(entry.switchPoint().plus(delta));
                } catch (ArithmeticException e) {
                  // off the edge
                }
              }
              for (Lsn probe : probes) {
                assertThat(c.history().timelineOf(probe))
                    .as("timeline of %s in %s", probe, c.history())
                    .isEqualTo(postgresTliOfPointInHistory(c.history(), probe));
              }
            });
  }

  static Gen<Long> offsets() {
    return longs().between(-3, 3);
  }

  @Test
  void endOfIsTheSwitchPointOfEachAncestor() {
    qt().withExamples(1000)
        .forAll(histories())
        .checkAssert(
            history -> {
              for (TimelineHistory.Entry entry : history.entries()) {
                assertThat(history.endOf(entry.timeline())).contains(entry.switchPoint());
              }
              assertThat(history.endOf(history.timeline())).isEmpty();
              long stranger = history.timeline() + 1;
              if (stranger <= 0xFFFFFFFFL) {
                assertThatThrownBy(() -> history.endOf(stranger))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not an ancestor");
              }
            });
  }

  @Test
  void segmentsForRecoveryCoverEachByteOnItsTimeline() {
    qt().withExamples(1000)
        .forAll(cases())
        .checkAssert(
            c -> {
              WalSegmentSize size = c.size();
              TimelineHistory history = c.history();
              List<WalFileName> expected = new ArrayList<>();
              if (c.start().compareTo(c.end()) < 0) {
                long first = c.start().segmentNumber(size);
                long last = c.end().plus(-1).segmentNumber(size);
                for (long s = first; s <= last; s++) {
                  // the part of the range in segment s is [lo, hi), hi exclusive
                  Lsn lo = max(c.start(), Lsn.ofSegment(s, 0, size));
                  Lsn segmentEnd = Lsn.ofSegment(s, size.bytes() - 1, size); // inclusive
                  boolean toSegmentEnd = c.end().compareTo(segmentEnd) > 0;
                  TreeSet<Long> timelines = new TreeSet<>();
                  timelines.add(history.timelineOf(lo));
                  for (TimelineHistory.Entry entry : history.entries()) {
                    Lsn sp = entry.switchPoint();
                    boolean inside =
                        sp.compareTo(lo) > 0
                            && (toSegmentEnd
                                ? sp.compareTo(segmentEnd) <= 0
                                : sp.compareTo(c.end()) < 0);
                    if (inside) {
                      timelines.add(history.timelineOf(sp));
                    }
                  }
                  for (long timeline : timelines) {
                    expected.add(WalFileName.segment(timeline, s, size));
                  }
                }
              }
              List<WalFileName> actual = history.segmentsForRecovery(c.start(), c.end(), size);
              assertThat(actual)
                  .as("%s from %s to %s", history, c.start(), c.end())
                  .isEqualTo(expected);
              assertThat(actual).isSorted().doesNotHaveDuplicates();
            });
  }

  private static Lsn max(Lsn a, Lsn b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Lsn min(Lsn a, Lsn b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Test
  void segmentsForRecoveryIsLazyAndBounded() {
    TimelineHistory history =
        TimelineHistory.ofFirstTimeline().branch(2, Lsn.parse("80/00000010"), "r");
    WalSegmentSize size = WalSegmentSize.ofMegabytes(1);
    List<WalFileName> segments = history.segmentsForRecovery(Lsn.ZERO, Lsn.parse("100/0"), size);
    assertThat(segments).hasSize((1 << 20) + 1);
    assertThat(segments.get(0).name()).isEqualTo("000000010000000000000000");
    assertThat(segments.get(1 << 19).name()).isEqualTo("000000010000008000000000");
    assertThat(segments.get((1 << 19) + 1).name()).isEqualTo("000000020000008000000000");
    assertThat(segments.get(1 << 20).name())
        .isEqualTo("0000000200000000FFF".substring(0, 8) + "000000FF00000FFF");
    assertThatThrownBy(() -> segments.get((1 << 20) + 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> history.segmentsForRecovery(Lsn.ZERO, Lsn.of(-1), size))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2^31");
    assertThatThrownBy(() -> history.segmentsForRecovery(Lsn.parse("1/0"), Lsn.parse("0/1"), size))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("before start");
  }

  @Test
  void branchRejectsWhatPostgresNeverWrites() {
    TimelineHistory history =
        TimelineHistory.ofFirstTimeline().branch(2, Lsn.parse("0/5000000"), "r");
    assertThatThrownBy(() -> history.branch(2, Lsn.parse("0/6000000"), "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be above timeline 2");
    // a recovery that stopped on timeline 1 before timeline 2 began branches below 2's start
    assertThat(history.branch(3, Lsn.parse("0/4FFFFFF"), "r").entries()).hasSize(2);
    assertThatThrownBy(() -> history.branch(3, Lsn.parse("0/6000000"), "two\nlines"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one line");
    assertThatThrownBy(() -> history.branch(1L << 32, Lsn.parse("0/6000000"), "r"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(history.branch(3, Lsn.parse("0/5000000"), "same switch point").entries()).hasSize(2);
  }

  /** A valid history with one of its entry lines broken in a way PostgreSQL never writes. */
  record Broken(long timeline, String content, int line) {}

  static Gen<Broken> broken() {
    Gen<TimelineHistory> nonEmpty = histories().assuming(h -> !h.entries().isEmpty());
    return nonEmpty.zip(
        integers().between(0, 100),
        integers().between(0, 16),
        (history, which, how) -> {
          String[] lines = history.toFileContent().split("\n", -1);
          List<Integer> entryLines = new ArrayList<>();
          for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isEmpty()) {
              entryLines.add(i);
            }
          }
          int index = entryLines.get(which % entryLines.size());
          String line = lines[index];
          int tab = line.indexOf('\t');
          String tli = line.substring(0, tab);
          String rest = line.substring(tab + 1);
          String lsn = rest.contains("\t") ? rest.substring(0, rest.indexOf('\t')) : rest;
          String tail = rest.substring(lsn.length());
          String brokenLine;
          switch (how) {
            case 0:
              brokenLine = tli + " " + rest;
              break;
            case 1:
              brokenLine = " " + line;
              break;
            case 2:
              brokenLine = tli + "\t" + lsn.replace("/", "") + tail;
              break;
            case 3:
              brokenLine = tli + "\t0x" + lsn + tail;
              break;
            case 4:
              brokenLine = "-" + line;
              break;
            case 5:
              brokenLine = "0\t" + rest;
              break;
            case 6:
              brokenLine = "99999999999\t" + rest;
              break;
            case 7:
              brokenLine = tli + "\t1" + lsn.replace("/", "/00000000") + tail;
              break;
            case 8:
              brokenLine = tli + "\t";
              break;
            case 9:
              brokenLine = tli;
              break;
            case 10:
              brokenLine = "\t" + rest;
              break;
            case 11:
              brokenLine = tli + "\t" + lsn + " reason without a tab";
              break;
            case 12:
              brokenLine = Long.toString(history.timeline()) + "\t" + rest; // not below
              break;
            case 13:
              brokenLine = tli + "\t" + lsn + "G" + tail;
              break;
            case 14:
              brokenLine = tli + "x\t" + rest;
              break;
            case 15:
              brokenLine = "+" + line;
              break;
            default:
              brokenLine = "4294967296\t" + rest;
              break;
          }
          lines[index] = brokenLine;
          return new Broken(history.timeline(), String.join("\n", lines), index + 1);
        });
  }

  @Test
  void rejectsBrokenLinesNamingFileAndLine() {
    qt().withExamples(1000)
        .forAll(broken())
        .checkAssert(
            broken -> {
              assertThatThrownBy(() -> TimelineHistory.parse(broken.timeline(), broken.content()))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining(WalFileName.timelineHistory(broken.timeline()).name())
                  .hasMessageContaining("line " + broken.line() + " ");
            });
  }

  @Test
  void rejectsHistoriesPostgresWouldRefuse() {
    assertThatThrownBy(() -> TimelineHistory.parse(2, "2\t0/3000000\tr\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not below timeline 2");
    assertThatThrownBy(() -> TimelineHistory.parse(5, "2\t0/3000000\tr\n\n2\t0/4000000\tr\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("increase")
        .hasMessageContaining("line 3");
    assertThatThrownBy(() -> TimelineHistory.parse(5, "3\t0/3000000\tr\n\n2\t0/4000000\tr\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("increase");
    // switch points may go down (028_pitr_timelines): PostgreSQL requires increasing ids only
    assertThat(TimelineHistory.parse(5, "1\t0/4000000\tr\n\n2\t0/3000000\tr\n").entries())
        .hasSize(2);
    assertThatThrownBy(() -> TimelineHistory.parse(0, ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TimelineHistory.parse(1, "1\t0/1\tr\n"))
        .isInstanceOf(IllegalArgumentException.class);
    // lowercase hex, as sscanf's %X would read it, is accepted
    assertThat(TimelineHistory.parse(2, "1\t0/a0\tr").entries().get(0).switchPoint())
        .isEqualTo(Lsn.of(0xA0));
  }
}
