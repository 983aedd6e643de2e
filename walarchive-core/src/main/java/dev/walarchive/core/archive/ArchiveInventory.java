package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.TreeMap;

/**
 * What an archive holds, from one listing: every archived WAL file, grouped by timeline into
 * contiguous segment ranges and gaps.
 *
 * <p>Full segments, which are nearly all of a listing, are held compactly (a few primitive values
 * per segment, by timeline), so an inventory of millions of segments stays small; {@link
 * #entries()} is a view that makes each {@link Entry} when it is read. Build one from a streaming
 * listing with {@link #builder}.
 */
public final class ArchiveInventory {
  /**
   * One archived file.
   *
   * @param name its WAL file name
   * @param storedSize bytes stored
   * @param lastModified when it was archived
   */
  public record Entry(WalFileName name, long storedSize, Instant lastModified) {
    public Entry {
      requireNonNull(name, "name is null");
      requireNonNull(lastModified, "lastModified is null");
    }
  }

  /**
   * A run of consecutive segments on one timeline.
   *
   * @param timeline the timeline
   * @param first first segment of the run
   * @param last last segment of the run
   * @param count number of segments
   */
  public record SegmentRange(long timeline, WalFileName first, WalFileName last, long count) {}

  /**
   * Missing segments between two runs on one timeline.
   *
   * @param timeline the timeline
   * @param firstMissing first missing segment
   * @param lastMissing last missing segment
   * @param count number of missing segments
   */
  public record Gap(long timeline, WalFileName firstMissing, WalFileName lastMissing, long count) {}

  /**
   * Segments, bytes and ranges of one timeline.
   *
   * @param timeline the timeline
   * @param segments number of archived segments
   * @param storedBytes bytes stored for them
   * @param ranges contiguous runs, in order
   * @param gaps holes between the runs, in order
   * @param newest newest segment, if any
   */
  public record TimelineSummary(
      long timeline,
      long segments,
      long storedBytes,
      List<SegmentRange> ranges,
      List<Gap> gaps,
      Optional<Entry> newest) {}

  /** The full segments of one timeline, in name order: parallel primitive arrays. */
  private static final class Segments {
    final long timeline;
    long[] ids = new long[16]; // logId << 32 | segId, which sorts like the name
    long[] sizes = new long[16];
    long[] seconds = new long[16];
    int[] nanos = new int[16];
    int count;
    boolean sorted = true;
    long[] numbers; // segment numbers, when the segment size is known
    WalSegmentSize segmentSize;
    int[] breaks; // indexes i where numbers[i + 1] is not numbers[i] or numbers[i] + 1

    Segments(long timeline) {
      this.timeline = timeline;
    }

    void add(long id, long size, Instant lastModified) {
      if (count == ids.length) {
        int grown = count + (count >> 1) + 16;
        ids = Arrays.copyOf(ids, grown);
        sizes = Arrays.copyOf(sizes, grown);
        seconds = Arrays.copyOf(seconds, grown);
        nanos = Arrays.copyOf(nanos, grown);
      }
      if (count > 0 && Long.compareUnsigned(id, ids[count - 1]) < 0) {
        sorted = false;
      }
      ids[count] = id;
      sizes[count] = size;
      seconds[count] = lastModified.getEpochSecond();
      nanos[count] = lastModified.getNano();
      count++;
    }

    void finish(WalSegmentSize segmentSize) {
      if (!sorted) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
          order[i] = i;
        }
        long[] keys = ids;
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(keys[a], keys[b]));
        long[] i2 = new long[count];
        long[] s2 = new long[count];
        long[] t2 = new long[count];
        int[] n2 = new int[count];
        for (int i = 0; i < count; i++) {
          i2[i] = ids[order[i]];
          s2[i] = sizes[order[i]];
          t2[i] = seconds[order[i]];
          n2[i] = nanos[order[i]];
        }
        ids = i2;
        sizes = s2;
        seconds = t2;
        nanos = n2;
        sorted = true;
      } else {
        ids = Arrays.copyOf(ids, count);
        sizes = Arrays.copyOf(sizes, count);
        seconds = Arrays.copyOf(seconds, count);
        nanos = Arrays.copyOf(nanos, count);
      }
      this.segmentSize = segmentSize;
      if (segmentSize != null) {
        long perId = segmentSize.segmentsPerXLogId();
        numbers = new long[count];
        int breakCount = 0;
        int[] found = new int[16];
        for (int i = 0; i < count; i++) {
          long segId = ids[i] & 0xFFFF_FFFFL;
          // a name impossible with this segment size never matches a segment number
          numbers[i] = segId < perId ? (ids[i] >>> 32) * perId + segId : -1;
          if (i > 0 && numbers[i] != numbers[i - 1] && numbers[i] != numbers[i - 1] + 1) {
            if (breakCount == found.length) {
              found = Arrays.copyOf(found, breakCount * 2);
            }
            found[breakCount++] = i - 1;
          }
        }
        breaks = Arrays.copyOf(found, breakCount);
      }
    }

    WalFileName name(int i) {
      if (segmentSize != null && numbers[i] >= 0) {
        return WalFileName.segment(timeline, numbers[i], segmentSize);
      }
      return WalFileName.parse(hex8(timeline) + hex8(ids[i] >>> 32) + hex8(ids[i] & 0xFFFF_FFFFL));
    }

    Entry entry(int i) {
      return new Entry(name(i), sizes[i], Instant.ofEpochSecond(seconds[i], nanos[i]));
    }

    /** Index of the first segment numbered at least {@code number}. */
    int lowerBound(long number) {
      int lo = 0;
      int hi = count;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (numbers[mid] < number) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }

    int indexOf(long id) {
      int lo = 0;
      int hi = count - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c = Long.compareUnsigned(ids[mid], id);
        if (c < 0) {
          lo = mid + 1;
        } else if (c > 0) {
          hi = mid - 1;
        } else {
          return mid;
        }
      }
      return -1;
    }
  }

  private static String hex8(long value) {
    String hex = Long.toHexString(value).toUpperCase(java.util.Locale.ROOT);
    return "00000000".substring(hex.length()) + hex;
  }

  private final Segments[] segments; // by ascending timeline
  private final long[] segmentsBefore; // segments of all earlier timelines
  private final List<Entry> others; // everything but full segments, in name order
  private final int[] othersAt; // index of others.get(k) in entries()
  private final int size;
  private final List<String> unrecognizedKeys;
  private final WalSegmentSize segmentSize;

  /**
   * @param entries archived files (any order)
   * @param unrecognizedKeys storage keys under the WAL prefix that are not WAL file names
   * @param segmentSize the archive's segment size, or null if no segment was archived yet
   */
  public ArchiveInventory(
      List<Entry> entries, List<String> unrecognizedKeys, WalSegmentSize segmentSize) {
    this(build(entries, unrecognizedKeys, segmentSize));
  }

  private static Builder build(
      List<Entry> entries, List<String> unrecognizedKeys, WalSegmentSize segmentSize) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(Entry::name));
    Builder builder = new Builder(segmentSize);
    for (Entry e : sorted) {
      builder.add(e.name(), e.storedSize(), e.lastModified());
    }
    unrecognizedKeys.forEach(builder::addUnrecognized);
    return builder;
  }

  private ArchiveInventory(Builder builder) {
    this.segmentSize = builder.segmentSize;
    this.unrecognizedKeys = List.copyOf(builder.unrecognized);
    this.segments = builder.timelines.values().toArray(new Segments[0]);
    this.segmentsBefore = new long[segments.length + 1];
    for (int i = 0; i < segments.length; i++) {
      segments[i].finish(segmentSize);
      segmentsBefore[i + 1] = segmentsBefore[i] + segments[i].count;
    }
    List<Entry> sortedOthers = new ArrayList<>(builder.others);
    sortedOthers.sort(Comparator.comparing(Entry::name));
    this.others = List.copyOf(sortedOthers);
    long total = segmentsBefore[segments.length] + others.size();
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the listing holds more than 2^31 files");
    }
    this.size = (int) total;
    this.othersAt = new int[others.size()];
    for (int k = 0; k < others.size(); k++) {
      othersAt[k] = (int) (k + segmentsSortingBefore(others.get(k).name()));
    }
  }

  /** How many full segments sort before {@code name}, a file that is not a full segment. */
  private long segmentsSortingBefore(WalFileName name) {
    long timeline = name.timeline();
    int t = timelineIndex(timeline);
    int insertion = t >= 0 ? t : -t - 1;
    long before = segmentsBefore[insertion];
    if (t >= 0 && name.kind() != WalFileName.Kind.TIMELINE_HISTORY) {
      // X.partial and X.<offset>.backup sort right after segment X
      long id = name.logId() << 32 | name.segId();
      Segments s = segments[t];
      int lo = 0;
      int hi = s.count;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (Long.compareUnsigned(s.ids[mid], id) <= 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      before += lo;
    }
    return before;
  }

  private int timelineIndex(long timeline) {
    int lo = 0;
    int hi = segments.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long t = segments[mid].timeline;
      if (t < timeline) {
        lo = mid + 1;
      } else if (t > timeline) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }

  /**
   * Returns a builder that collects a listing one file at a time, in any order (name order is
   * cheapest).
   *
   * @param segmentSize the archive's segment size, or null if not known
   */
  public static Builder builder(WalSegmentSize segmentSize) {
    return new Builder(segmentSize);
  }

  /** Collects the files of a listing; see {@link ArchiveInventory#builder}. Not thread-safe. */
  public static final class Builder {
    private final WalSegmentSize segmentSize;
    private final TreeMap<Long, Segments> timelines = new TreeMap<>();
    private final List<Entry> others = new ArrayList<>();
    private final List<String> unrecognized = new ArrayList<>();
    private Segments last;
    private boolean built;

    private Builder(WalSegmentSize segmentSize) {
      this.segmentSize = segmentSize;
    }

    /** Adds an archived file. */
    public Builder add(WalFileName name, long storedSize, Instant lastModified) {
      requireNonNull(name, "name is null");
      requireNonNull(lastModified, "lastModified is null");
      checkOpen();
      if (name.kind() != WalFileName.Kind.SEGMENT) {
        others.add(new Entry(name, storedSize, lastModified));
        return this;
      }
      long timeline = name.timeline();
      Segments s = last != null && last.timeline == timeline ? last : null;
      if (s == null) {
        s = timelines.computeIfAbsent(timeline, Segments::new);
        last = s;
      }
      s.add(name.logId() << 32 | name.segId(), storedSize, lastModified);
      return this;
    }

    /** Adds a storage key under the WAL prefix that is not a WAL file name. */
    public Builder addUnrecognized(String key) {
      requireNonNull(key, "key is null");
      checkOpen();
      unrecognized.add(key);
      return this;
    }

    /** Returns the inventory; the builder cannot be used afterwards. */
    public ArchiveInventory build() {
      checkOpen();
      built = true;
      return new ArchiveInventory(this);
    }

    private void checkOpen() {
      if (built) {
        throw new IllegalStateException("the inventory was already built");
      }
    }
  }

  /**
   * Every archived file in name order: a view that makes each entry as it is read (iterate it
   * rather than copying it, for a large archive).
   */
  public List<Entry> entries() {
    return new EntryView();
  }

  private final class EntryView extends AbstractList<Entry> implements RandomAccess {
    @Override
    public Entry get(int index) {
      if (index < 0 || index >= size) {
        throw new IndexOutOfBoundsException("index " + index + ", size " + size);
      }
      int k = Arrays.binarySearch(othersAt, index);
      if (k >= 0) {
        return others.get(k);
      }
      long ordinal = index - (-k - 1); // among full segments
      int t = Arrays.binarySearch(segmentsBefore, ordinal);
      t = t >= 0 ? t : -t - 2;
      while (segments[t].count == 0 || ordinal - segmentsBefore[t] >= segments[t].count) {
        t++;
      }
      return segments[t].entry((int) (ordinal - segmentsBefore[t]));
    }

    @Override
    public int size() {
      return size;
    }
  }

  /** Keys under the WAL prefix that are not WAL file names (left alone by every operation). */
  public List<String> unrecognizedKeys() {
    return unrecognizedKeys;
  }

  /** The archive's segment size, if a segment was archived. */
  public Optional<WalSegmentSize> segmentSize() {
    return Optional.ofNullable(segmentSize);
  }

  /** Whether the archive holds this exact file. */
  public boolean contains(WalFileName name) {
    requireNonNull(name, "name is null");
    if (name.kind() == WalFileName.Kind.SEGMENT) {
      int t = timelineIndex(name.timeline());
      return t >= 0 && segments[t].indexOf(name.logId() << 32 | name.segId()) >= 0;
    }
    int i =
        Collections.binarySearch(
            others, new Entry(name, 0, Instant.EPOCH), Comparator.comparing(Entry::name));
    return i >= 0;
  }

  /** Archived files of one kind, in name order. */
  public List<WalFileName> files(WalFileName.Kind kind) {
    requireNonNull(kind, "kind is null");
    if (kind == WalFileName.Kind.SEGMENT) {
      List<WalFileName> result = new ArrayList<>();
      for (Segments s : segments) {
        for (int i = 0; i < s.count; i++) {
          result.add(s.name(i));
        }
      }
      return List.copyOf(result);
    }
    return others.stream().map(Entry::name).filter(n -> n.kind() == kind).toList();
  }

  /** Archived backup history ({@code .backup}) files. */
  public List<WalFileName> backupHistoryFiles() {
    return files(WalFileName.Kind.BACKUP_HISTORY);
  }

  /** Archived timeline history ({@code .history}) files. */
  public List<WalFileName> timelineHistoryFiles() {
    return files(WalFileName.Kind.TIMELINE_HISTORY);
  }

  /** The newest archived full segment (highest segment number, then highest timeline). */
  public Optional<Entry> newestSegment() {
    if (segmentSize == null) {
      return Optional.empty();
    }
    Segments best = null;
    long bestNumber = -1;
    for (Segments s : segments) {
      if (s.count > 0 && s.numbers[s.count - 1] >= bestNumber) {
        best = s;
        bestNumber = s.numbers[s.count - 1];
      }
    }
    return best == null ? Optional.empty() : Optional.of(best.entry(best.count - 1));
  }

  // Queries for the continuity check, in segment numbers (the segment size must be known).

  /** The timelines with at least one full segment, ascending. */
  long[] segmentTimelines() {
    long[] result = new long[segments.length];
    for (int i = 0; i < segments.length; i++) {
      result[i] = segments[i].timeline;
    }
    return result;
  }

  /** The highest segment number archived on {@code timeline}, or -1 if none. */
  long newestSegmentNumber(long timeline) {
    int t = timelineIndex(timeline);
    return t < 0 || segments[t].count == 0 ? -1 : segments[t].numbers[segments[t].count - 1];
  }

  /** The newest full segment of {@code timeline}, if any. */
  Optional<Entry> newestSegment(long timeline) {
    int t = timelineIndex(timeline);
    return t < 0 || segments[t].count == 0
        ? Optional.empty()
        : Optional.of(segments[t].entry(segments[t].count - 1));
  }

  /** The oldest segment archived on {@code timeline} after segment number {@code after}. */
  Optional<Entry> firstSegmentAfter(long timeline, long after) {
    int t = timelineIndex(timeline);
    if (t < 0) {
      return Optional.empty();
    }
    int i = segments[t].lowerBound(after + 1);
    return i < segments[t].count ? Optional.of(segments[t].entry(i)) : Optional.empty();
  }

  /** How many full segments numbered {@code first} to {@code last} (inclusive) are archived. */
  long countSegments(long timeline, long first, long last) {
    int t = timelineIndex(timeline);
    if (t < 0 || last < first) {
      return 0;
    }
    Segments s = segments[t];
    return s.lowerBound(last + 1) - s.lowerBound(first);
  }

  /** When the file was archived, if it is in the archive. */
  Optional<Instant> archivedAt(WalFileName name) {
    if (name.kind() == WalFileName.Kind.SEGMENT) {
      int t = timelineIndex(name.timeline());
      int i = t < 0 ? -1 : segments[t].indexOf(name.logId() << 32 | name.segId());
      return i < 0
          ? Optional.empty()
          : Optional.of(Instant.ofEpochSecond(segments[t].seconds[i], segments[t].nanos[i]));
    }
    int i =
        Collections.binarySearch(
            others, new Entry(name, 0, Instant.EPOCH), Comparator.comparing(Entry::name));
    return i < 0 ? Optional.empty() : Optional.of(others.get(i).lastModified());
  }

  /**
   * The runs of segment numbers from {@code first} to {@code last} (inclusive) missing on {@code
   * timeline}, each as {first, last}, in order; time grows with the number of runs, not segments.
   */
  List<long[]> missingSegments(long timeline, long first, long last) {
    List<long[]> result = new ArrayList<>();
    if (last < first) {
      return result;
    }
    int t = timelineIndex(timeline);
    Segments s = t < 0 ? null : segments[t];
    int lo = s == null ? 0 : s.lowerBound(first);
    int hi = s == null ? 0 : s.lowerBound(last + 1) - 1; // last present index in range
    if (s == null || lo > hi) {
      result.add(new long[] {first, last});
      return result;
    }
    if (s.numbers[lo] > first) {
      result.add(new long[] {first, s.numbers[lo] - 1});
    }
    int b = Arrays.binarySearch(s.breaks, lo);
    for (b = b >= 0 ? b : -b - 1; b < s.breaks.length && s.breaks[b] < hi; b++) {
      int i = s.breaks[b];
      result.add(new long[] {s.numbers[i] + 1, s.numbers[i + 1] - 1});
    }
    if (s.numbers[hi] < last) {
      result.add(new long[] {s.numbers[hi] + 1, last});
    }
    return result;
  }

  /** Per timeline (ascending): segment counts, bytes, ranges and gaps. */
  public List<TimelineSummary> timelines() {
    Map<Long, TimelineSummary> byTimeline = new TreeMap<>();
    for (Segments s : segments) {
      if (s.count > 0) {
        byTimeline.put(s.timeline, summarize(s));
      }
    }
    return List.copyOf(byTimeline.values());
  }

  private TimelineSummary summarize(Segments s) {
    long timeline = s.timeline;
    List<SegmentRange> ranges = new ArrayList<>();
    List<Gap> gaps = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < s.count; i++) {
      bytes += s.sizes[i];
    }
    if (segmentSize == null) {
      ranges.add(new SegmentRange(timeline, s.name(0), s.name(s.count - 1), s.count));
    } else {
      int runStart = 0;
      for (int i = 1; i <= s.count; i++) {
        if (i < s.count && s.numbers[i] == s.numbers[i - 1]) {
          continue; // listed twice
        }
        if (i == s.count || s.numbers[i] != s.numbers[i - 1] + 1) {
          ranges.add(new SegmentRange(timeline, s.name(runStart), s.name(i - 1), i - runStart));
          if (i < s.count) {
            long prevNo = checkedNumber(s, i - 1);
            long no = checkedNumber(s, i);
            gaps.add(
                new Gap(
                    timeline,
                    WalFileName.segment(timeline, prevNo + 1, segmentSize),
                    WalFileName.segment(timeline, no - 1, segmentSize),
                    no - prevNo - 1));
            runStart = i;
          }
        }
      }
    }
    return new TimelineSummary(
        timeline,
        s.count,
        bytes,
        List.copyOf(ranges),
        List.copyOf(gaps),
        Optional.of(s.entry(s.count - 1)));
  }

  private long checkedNumber(Segments s, int i) {
    if (s.numbers[i] < 0) {
      s.name(i).segmentNumber(segmentSize); // throws, naming the file
    }
    return s.numbers[i];
  }
}
