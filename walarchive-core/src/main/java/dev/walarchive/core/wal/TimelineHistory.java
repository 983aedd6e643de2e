package dev.walarchive.core.wal;

import static java.util.Objects.requireNonNull;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * The history of one timeline: the chain of timeline switches that led to it, as recorded in its
 * {@code NNNNNNNN.history} file.
 *
 * <p>Each entry records a parent timeline and the WAL position where the next timeline in the file
 * began (the switch point), oldest first. The file format is PostgreSQL's: one line per entry,
 * {@code parentTLI<TAB>X/X<TAB>reason}, with {@code #} comments and blank lines ignored. Timeline 1
 * has no history file ({@link #ofFirstTimeline()}).
 *
 * <p>Every query follows PostgreSQL's reading of the file ({@code readTimeLineHistory} and its
 * users in {@code timeline.c} and {@code xlogrecovery.c}): the first timeline in the file is given
 * the range from 0/0 up to (not including) its switch point, each following one the range from the
 * previous switch point up to its own, and this timeline the range from the last switch point on.
 * Switch points need not increase: a point-in-time recovery that targets timeline N but stops
 * before N began (on an ancestor) records N with a switch point before N's start, so N's range is
 * empty, as in PostgreSQL's own test {@code 028_pitr_timelines}:
 *
 * <pre>
 * 1	0/3018CB0	no recovery target specified
 *
 * 2	0/3018C48	at restore point "rp"
 * </pre>
 *
 * <p>Ranges may therefore overlap, and the newest timeline whose range holds a position wins (as
 * {@code tliOfPointInHistory} walks the list newest first): in the file above, positions below
 * 0/3018C48 are on timeline 1, those from 0/3018C48 on are on timeline 3, and none is on timeline
 * 2, although timeline 2 is part of the {@linkplain #ancestry() ancestry}. Along the path, the
 * timeline of a position never decreases as the position grows.
 */
public final class TimelineHistory {
  /**
   * One timeline switch on the path to this history's timeline.
   *
   * @param timeline the parent timeline this line records
   * @param switchPoint where the next timeline in the file (or this history's own timeline, for the
   *     last entry) began; the end of {@code timeline}'s range, which is empty if this is not after
   *     the previous entry's switch point
   * @param reason PostgreSQL's explanation (such as {@code no recovery target specified})
   */
  public record Entry(long timeline, Lsn switchPoint, String reason) {
    /** Validates the entry. */
    public Entry {
      WalFileName.checkTimeline(timeline);
      requireNonNull(switchPoint, "switchPoint is null");
      requireNonNull(reason, "reason is null");
      if (reason.indexOf('\n') >= 0 || reason.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "invalid timeline switch reason " + Inputs.quote(reason) + ": must be one line");
      }
    }
  }

  private final long timeline;
  private final List<Entry> entries;
  private final String content;

  private TimelineHistory(long timeline, List<Entry> entries, String content) {
    this.timeline = timeline;
    this.entries = List.copyOf(entries);
    this.content = content;
  }

  /** Returns the history of timeline 1, which has no parents and no history file. */
  public static TimelineHistory ofFirstTimeline() {
    return new TimelineHistory(1, List.of(), "");
  }

  /**
   * Parses the content of the history file of {@code timeline}.
   *
   * <p>The parser is strict: every line that is neither blank nor a comment must be {@code
   * parentTLI<TAB>X/X} optionally followed by {@code <TAB>reason}; parent timelines must increase
   * strictly and stay below {@code timeline} (PostgreSQL refuses such a file). Switch points may go
   * down from line to line, as PostgreSQL writes them after a point-in-time recovery that stopped
   * before its target timeline began, and reads them (see the class description).
   *
   * @throws IllegalArgumentException naming the file and line if the content is not a valid history
   *     of {@code timeline}
   */
  public static TimelineHistory parse(long timeline, String content) {
    WalFileName.checkTimeline(timeline);
    requireNonNull(content, "content is null");
    String file = WalFileName.timelineHistory(timeline).name();
    List<Entry> entries = new ArrayList<>();
    int lineNumber = 0;
    int start = 0;
    while (start < content.length()) {
      int end = content.indexOf('\n', start);
      if (end < 0) {
        end = content.length();
      }
      String line = content.substring(start, end);
      start = end + 1;
      lineNumber++;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      Entry entry = parseLine(file, lineNumber, line);
      if (entry.timeline() >= timeline) {
        throw invalidLine(
            file,
            lineNumber,
            line,
            "parent timeline " + entry.timeline() + " is not below timeline " + timeline);
      }
      if (!entries.isEmpty() && entry.timeline() <= entries.get(entries.size() - 1).timeline()) {
        throw invalidLine(file, lineNumber, line, "timelines must increase from line to line");
      }
      entries.add(entry);
    }
    return new TimelineHistory(timeline, entries, content);
  }

  private static Entry parseLine(String file, int lineNumber, String line) {
    int tab1 = line.indexOf('\t');
    int tab2 = tab1 < 0 ? -1 : line.indexOf('\t', tab1 + 1);
    if (tab1 < 1) {
      throw invalidLine(file, lineNumber, line, "expected parentTLI<TAB>X/X<TAB>reason");
    }
    String tli = line.substring(0, tab1);
    String lsn = tab2 < 0 ? line.substring(tab1 + 1) : line.substring(tab1 + 1, tab2);
    String reason = tab2 < 0 ? "" : line.substring(tab2 + 1);
    long parent = 0;
    if (tli.length() > 10) {
      throw invalidLine(file, lineNumber, line, "invalid parent timeline " + Inputs.quote(tli));
    }
    for (int i = 0; i < tli.length(); i++) {
      char c = tli.charAt(i);
      if (c < '0' || c > '9') {
        throw invalidLine(file, lineNumber, line, "invalid parent timeline " + Inputs.quote(tli));
      }
      parent = parent * 10 + (c - '0');
    }
    if (parent < 1 || parent > 0xFFFF_FFFFL) {
      throw invalidLine(file, lineNumber, line, "invalid parent timeline " + Inputs.quote(tli));
    }
    Lsn switchPoint;
    try {
      switchPoint = Lsn.parse(lsn);
    } catch (IllegalArgumentException e) {
      throw invalidLine(file, lineNumber, line, "invalid switch point " + Inputs.quote(lsn));
    }
    return new Entry(parent, switchPoint, reason);
  }

  private static IllegalArgumentException invalidLine(
      String file, int lineNumber, String line, String problem) {
    return new IllegalArgumentException(
        "invalid timeline history file "
            + file
            + ", line "
            + lineNumber
            + " "
            + Inputs.quote(line)
            + ": "
            + problem);
  }

  /** Returns the timeline this history leads to. */
  public long timeline() {
    return timeline;
  }

  /** Returns the timeline switches on the path to {@link #timeline()}, oldest first. */
  public List<Entry> entries() {
    return entries;
  }

  /** Returns the name of this timeline's history file. */
  public WalFileName fileName() {
    return WalFileName.timelineHistory(timeline);
  }

  /**
   * Returns the file content. For a parsed history this is the parsed text, unchanged; for one made
   * by {@link #branch} it is what PostgreSQL writes: the parent's file verbatim, then, if the
   * parent had a file, a newline, then {@code parentTLI<TAB>X/X<TAB>reason} and a newline. Timeline
   * 1 has no history file; its content is empty.
   */
  public String toFileContent() {
    return content;
  }

  /**
   * Returns the history of a new timeline that branches off this one at {@code switchPoint}, as
   * PostgreSQL records it at the end of a recovery or at promotion. The switch point may be before
   * this timeline began: PostgreSQL records the recovery's target timeline as the parent even when
   * the recovery stopped on an ancestor before the target began (this timeline's range is then
   * empty on the new path).
   *
   * @throws IllegalArgumentException if {@code newTimeline} is not above this timeline, or if
   *     {@code reason} is not one line
   */
  public TimelineHistory branch(long newTimeline, Lsn switchPoint, String reason) {
    WalFileName.checkTimeline(newTimeline);
    requireNonNull(switchPoint, "switchPoint is null");
    if (newTimeline <= timeline) {
      throw new IllegalArgumentException(
          "new timeline " + newTimeline + " must be above timeline " + timeline);
    }
    Entry entry = new Entry(timeline, switchPoint, reason);
    List<Entry> newEntries = new ArrayList<>(entries);
    newEntries.add(entry);
    String line = timeline + "\t" + switchPoint + "\t" + reason + "\n";
    String newContent = content.isEmpty() ? line : content + "\n" + line;
    return new TimelineHistory(newTimeline, newEntries, newContent);
  }

  /**
   * Returns this timeline followed by its ancestors, newest first, down to the oldest: every
   * timeline of the file, including those whose range is empty (PostgreSQL's {@code expectedTLEs}
   * list, which decides which timelines a recovery accepts and whose files it tries).
   */
  public List<Long> ancestry() {
    List<Long> result = new ArrayList<>(entries.size() + 1);
    result.add(timeline);
    for (int i = entries.size() - 1; i >= 0; i--) {
      result.add(entries.get(i).timeline());
    }
    return List.copyOf(result);
  }

  /**
   * Returns whether {@code timeline} is this timeline or one of its {@linkplain #ancestry()
   * ancestors} (PostgreSQL's {@code tliInHistory}), even one whose range is empty.
   */
  public boolean includes(long timeline) {
    if (timeline == this.timeline) {
      return true;
    }
    for (Entry entry : entries) {
      if (entry.timeline() == timeline) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the timeline that holds {@code lsn} on the path to this timeline, exactly as
   * PostgreSQL's {@code tliOfPointInHistory}: the newest timeline whose range holds it (a switch
   * point belongs to the timeline that began there). Never a timeline whose range is empty or
   * hidden by newer ones. A recovery from a backup whose checkpoint is at {@code lsn} on timeline T
   * can reach this timeline only if this returns T; otherwise PostgreSQL refuses with "requested
   * timeline is not a child of this server's history".
   */
  public long timelineOf(Lsn lsn) {
    requireNonNull(lsn, "lsn is null");
    if (isInRange(lsn, begin(entries.size()), Lsn.ZERO)) {
      return timeline;
    }
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (isInRange(lsn, begin(i), entries.get(i).switchPoint())) {
        return entries.get(i).timeline();
      }
    }
    throw new AssertionError("timeline history was not contiguous: " + this);
  }

  /** Where the range of entry {@code index} begins; {@code entries.size()} for this timeline. */
  private Lsn begin(int index) {
    return index == 0 ? Lsn.ZERO : entries.get(index - 1).switchPoint();
  }

  /** PostgreSQL's test: 0/0 (InvalidXLogRecPtr) as a begin or end means no bound. */
  private static boolean isInRange(Lsn lsn, Lsn begin, Lsn end) {
    return (begin.equals(Lsn.ZERO) || begin.compareTo(lsn) <= 0)
        && (end.equals(Lsn.ZERO) || lsn.compareTo(end) < 0);
  }

  /**
   * Returns the timelines whose copy of segment {@code segmentNumber} a recovery to this timeline
   * tries, in the order it tries them, as PostgreSQL's {@code XLogFileReadAnyTLI} does: newest
   * first, every timeline of the {@linkplain #ancestry() ancestry} whose range begins in or before
   * that segment. Recovery reads the first of them found in the archive (or {@code pg_wal}); it
   * also never goes back to a timeline older than that of the segment it read before, which is only
   * ever a limit when a newer copy was missing.
   *
   * <p>The first of them is always {@link #timelineOf} the segment's last byte, and its copy is the
   * one that holds the WAL on the path: the others are tried only if it is missing. Those are the
   * older timelines of a switch inside the segment (whose copies hold the path's WAL up to the
   * switch) and timelines whose range is empty or hidden by newer ones (whose copies, if they
   * exist, hold WAL that is not on the path at all).
   */
  public List<Long> timelinesToTry(long segmentNumber, WalSegmentSize segmentSize) {
    requireNonNull(segmentSize, "segmentSize is null");
    if (segmentNumber < 0) {
      throw new IllegalArgumentException("invalid segment number " + segmentNumber);
    }
    List<Long> result = new ArrayList<>(entries.size() + 1);
    for (int i = entries.size(); i >= 0; i--) {
      Lsn begin = begin(i);
      if (begin.equals(Lsn.ZERO) || begin.segmentNumber(segmentSize) <= segmentNumber) {
        result.add(i == entries.size() ? timeline : entries.get(i).timeline());
      }
    }
    return List.copyOf(result);
  }

  /**
   * The path to this timeline as {@link #timelineOf} sees it, oldest first: each timeline that
   * holds some position with the range it holds ({@code [begin, end)}, end null for this timeline).
   * The ranges are contiguous from 0/0 and their timelines increase.
   */
  private List<Span> path() {
    List<Span> newestFirst = new ArrayList<>(entries.size() + 1);
    Lsn low = begin(entries.size());
    newestFirst.add(new Span(timeline, low, null));
    for (int i = entries.size() - 1; i >= 0 && low.compareTo(Lsn.ZERO) > 0; i--) {
      Lsn begin = begin(i);
      Lsn end = min(entries.get(i).switchPoint(), low);
      if (begin.compareTo(end) < 0) {
        newestFirst.add(new Span(entries.get(i).timeline(), begin, end));
        low = begin;
      }
    }
    List<Span> result = new ArrayList<>(newestFirst.size());
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      result.add(newestFirst.get(i));
    }
    return result;
  }

  private record Span(long timeline, Lsn begin, Lsn end) {}

  /**
   * Returns where {@code timeline} ended on the path to this timeline: its switch point, as
   * PostgreSQL's {@code tliSwitchPoint} answers (the next timeline in the file began there). Empty
   * for this timeline itself, which has not ended. For a timeline whose range is empty this is at
   * or before where it began.
   *
   * @throws IllegalArgumentException if {@code timeline} is not on the path
   */
  public Optional<Lsn> endOf(long timeline) {
    if (timeline == this.timeline) {
      return Optional.empty();
    }
    for (Entry entry : entries) {
      if (entry.timeline() == timeline) {
        return Optional.of(entry.switchPoint());
      }
    }
    throw new IllegalArgumentException(
        "timeline "
            + timeline
            + " is not an ancestor of timeline "
            + this.timeline
            + ancestryText());
  }

  private String ancestryText() {
    StringBuilder text = new StringBuilder(" (its ancestry is ");
    List<Long> ancestry = ancestry();
    for (int i = 0; i < ancestry.size(); i++) {
      text.append(i == 0 ? "" : ", ").append(ancestry.get(i));
    }
    return text.append(')').toString();
  }

  /**
   * Returns the segments a recovery reads to replay the WAL from {@code start} up to (not
   * including) {@code end} along the path to this timeline, in WAL order (which is also name
   * order).
   *
   * <p>Each part of the range is read from the timeline that holds it ({@link #timelineOf}). When a
   * switch on the path lies inside a segment, that segment number appears twice: on the old
   * timeline, whose copy holds the WAL up to the switch point, and on the new timeline, whose copy
   * holds what follows. (At promotion PostgreSQL copies the old WAL up to the switch point into the
   * new timeline's segment, and recovery prefers the newest timeline's copy; the old timeline's
   * copy is often archived only as a {@code .partial} file. Listing both keeps a range complete for
   * retention and verification whichever copy a reader uses.) A switch point at a segment boundary
   * does not duplicate a segment.
   *
   * <p>This models {@code XLogFileReadAnyTLI} ({@link #timelinesToTry}): for every segment wholly
   * in the range, the newest copy listed is the one recovery reads when the archive holds it, and
   * every copy listed is one it would try. A timeline whose range on the path is empty or hidden by
   * newer ones (timeline 2 in the class description's example) contributes no segment: recovery
   * opens its files only when the copy of a newer timeline is missing, and then reads WAL that is
   * not on the path. If {@code end} lies inside a segment, recovery opens that last segment from
   * the timeline of its last byte, which may be newer than those listed for it (its copy holds the
   * same WAL up to {@code end}); pass the segment's end as {@code end} to list that copy as well.
   *
   * <p>The list is computed lazily and takes constant memory, however long the range.
   *
   * @throws IllegalArgumentException if {@code end} is before {@code start}, or the range holds
   *     more than {@link Integer#MAX_VALUE} segments
   */
  public List<WalFileName> segmentsForRecovery(Lsn start, Lsn end, WalSegmentSize segmentSize) {
    requireNonNull(start, "start is null");
    requireNonNull(end, "end is null");
    requireNonNull(segmentSize, "segmentSize is null");
    if (end.compareTo(start) < 0) {
      throw new IllegalArgumentException("end " + end + " is before start " + start);
    }
    List<long[]> runs = new ArrayList<>(); // {timeline, first segment number, count}
    long total = 0;
    for (Span span : path()) {
      // the span [begin, end) is on its timeline; end == null means "to the end"
      Lsn from = max(span.begin(), start);
      Lsn to = span.end() == null ? end : min(span.end(), end);
      if (from.compareTo(to) < 0) {
        long first = from.segmentNumber(segmentSize);
        long last = Lsn.of(to.value() - 1).segmentNumber(segmentSize);
        long count = last - first + 1;
        runs.add(new long[] {span.timeline(), first, count});
        total += count;
        if (total > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "the range " + start + " to " + end + " holds more than 2^31 segments");
        }
      }
    }
    return new SegmentRuns(runs, (int) total, segmentSize);
  }

  private static Lsn max(Lsn a, Lsn b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Lsn min(Lsn a, Lsn b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** An immutable list of segment names given as runs of consecutive segments. */
  private static final class SegmentRuns extends AbstractList<WalFileName> implements RandomAccess {
    private final List<long[]> runs;
    private final int size;
    private final WalSegmentSize segmentSize;

    SegmentRuns(List<long[]> runs, int size, WalSegmentSize segmentSize) {
      this.runs = List.copyOf(runs);
      this.size = size;
      this.segmentSize = segmentSize;
    }

    @Override
    public WalFileName get(int index) {
      if (index < 0 || index >= size) {
        throw new IndexOutOfBoundsException("index " + index + ", size " + size);
      }
      long remaining = index;
      for (long[] run : runs) {
        if (remaining < run[2]) {
          return WalFileName.segment(run[0], run[1] + remaining, segmentSize);
        }
        remaining -= run[2];
      }
      throw new AssertionError("unreachable");
    }

    @Override
    public int size() {
      return size;
    }
  }

  /** Two histories are equal if they have the same timeline, entries and file content. */
  @Override
  public boolean equals(Object other) {
    return other instanceof TimelineHistory
        && ((TimelineHistory) other).timeline == timeline
        && ((TimelineHistory) other).entries.equals(entries)
        && ((TimelineHistory) other).content.equals(content);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(timeline) * 31 + entries.hashCode();
  }

  /** Returns a short description such as {@code TimelineHistory[3: 1 until 0/5000000, 2 ...]}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("TimelineHistory[").append(timeline);
    String separator = ": ";
    for (Entry entry : entries) {
      text.append(separator).append(entry.timeline()).append(" until ").append(entry.switchPoint());
      separator = ", ";
    }
    return text.append(']').toString();
  }
}
