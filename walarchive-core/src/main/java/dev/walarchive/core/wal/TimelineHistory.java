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
 * <p>Each entry records a parent timeline and the WAL position where that timeline ended and its
 * child began (the switch point), oldest first. The file format is PostgreSQL's: one line per
 * entry, {@code parentTLI<TAB>X/X<TAB>reason}, with {@code #} comments and blank lines ignored.
 * Timeline 1 has no history file ({@link #ofFirstTimeline()}).
 *
 * <p>Along the path to {@link #timeline()}, the first timeline in the file covers WAL from 0/0 up
 * to (not including) its switch point, each following one from the previous switch point up to its
 * own, and this timeline from the last switch point on.
 */
public final class TimelineHistory {
  /**
   * One timeline switch on the path to this history's timeline.
   *
   * @param timeline the timeline that ended at {@code switchPoint}
   * @param switchPoint the first WAL position that belongs to the next timeline on the path
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
   * strictly and stay below {@code timeline}; switch points must not decrease.
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
      if (!entries.isEmpty()) {
        Entry previous = entries.get(entries.size() - 1);
        if (entry.timeline() <= previous.timeline()) {
          throw invalidLine(file, lineNumber, line, "timelines must increase from line to line");
        }
        if (entry.switchPoint().compareTo(previous.switchPoint()) < 0) {
          throw invalidLine(
              file,
              lineNumber,
              line,
              "switch point "
                  + entry.switchPoint()
                  + " is before the previous one, "
                  + previous.switchPoint());
        }
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
   * PostgreSQL records it at the end of a recovery or at promotion.
   *
   * @throws IllegalArgumentException if {@code newTimeline} is not above this timeline, if {@code
   *     switchPoint} is before this history's last switch point, or if {@code reason} is not one
   *     line
   */
  public TimelineHistory branch(long newTimeline, Lsn switchPoint, String reason) {
    WalFileName.checkTimeline(newTimeline);
    requireNonNull(switchPoint, "switchPoint is null");
    if (newTimeline <= timeline) {
      throw new IllegalArgumentException(
          "new timeline " + newTimeline + " must be above timeline " + timeline);
    }
    if (!entries.isEmpty()
        && switchPoint.compareTo(entries.get(entries.size() - 1).switchPoint()) < 0) {
      throw new IllegalArgumentException(
          "switch point "
              + switchPoint
              + " is before timeline "
              + timeline
              + " began at "
              + entries.get(entries.size() - 1).switchPoint());
    }
    Entry entry = new Entry(timeline, switchPoint, reason);
    List<Entry> newEntries = new ArrayList<>(entries);
    newEntries.add(entry);
    String line = timeline + "\t" + switchPoint + "\t" + reason + "\n";
    String newContent = content.isEmpty() ? line : content + "\n" + line;
    return new TimelineHistory(newTimeline, newEntries, newContent);
  }

  /** Returns this timeline followed by its ancestors, newest first, down to the oldest. */
  public List<Long> ancestry() {
    List<Long> result = new ArrayList<>(entries.size() + 1);
    result.add(timeline);
    for (int i = entries.size() - 1; i >= 0; i--) {
      result.add(entries.get(i).timeline());
    }
    return List.copyOf(result);
  }

  /** Returns whether {@code timeline} is this timeline or one of its ancestors. */
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
   * Returns the timeline that holds {@code lsn} on the path to this timeline. A switch point
   * belongs to the new timeline (PostgreSQL's {@code tliOfPointInHistory}).
   */
  public long timelineOf(Lsn lsn) {
    requireNonNull(lsn, "lsn is null");
    for (Entry entry : entries) {
      if (lsn.compareTo(entry.switchPoint()) < 0) {
        return entry.timeline();
      }
    }
    return timeline;
  }

  /**
   * Returns where {@code timeline} ended on the path to this timeline: its switch point. Empty for
   * this timeline itself, which has not ended.
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
   * switch point lies inside a segment, that segment number appears twice: on the old timeline,
   * whose copy holds the WAL up to the switch point, and on the new timeline, whose copy holds what
   * follows. (At promotion PostgreSQL copies the old WAL up to the switch point into the new
   * timeline's segment, and recovery prefers the newest timeline's copy; the old timeline's copy is
   * often archived only as a {@code .partial} file. Listing both keeps a range complete for
   * retention and verification whichever copy a reader uses.) A switch point at a segment boundary
   * does not duplicate a segment.
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
    Lsn spanStart = Lsn.ZERO;
    for (int i = 0; i <= entries.size(); i++) {
      long spanTimeline = i < entries.size() ? entries.get(i).timeline() : timeline;
      // the span [spanStart, spanEnd) is on spanTimeline; spanEnd == null means "to the end"
      Lsn spanEnd = i < entries.size() ? entries.get(i).switchPoint() : null;
      Lsn from = max(spanStart, start);
      Lsn to = spanEnd == null ? end : min(spanEnd, end);
      if (from.compareTo(to) < 0) {
        long first = from.segmentNumber(segmentSize);
        long last = Lsn.of(to.value() - 1).segmentNumber(segmentSize);
        long count = last - first + 1;
        runs.add(new long[] {spanTimeline, first, count});
        total += count;
        if (total > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "the range " + start + " to " + end + " holds more than 2^31 segments");
        }
      }
      if (spanEnd != null) {
        spanStart = spanEnd;
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
