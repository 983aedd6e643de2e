package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What an archive holds, from one listing: every archived WAL file, grouped by timeline into
 * contiguous segment ranges and gaps.
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

  private final List<Entry> entries;
  private final List<String> unrecognizedKeys;
  private final WalSegmentSize segmentSize;

  /**
   * @param entries archived files (any order)
   * @param unrecognizedKeys storage keys under the WAL prefix that are not WAL file names
   * @param segmentSize the archive's segment size, or null if no segment was archived yet
   */
  public ArchiveInventory(
      List<Entry> entries, List<String> unrecognizedKeys, WalSegmentSize segmentSize) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(Entry::name));
    this.entries = List.copyOf(sorted);
    this.unrecognizedKeys = List.copyOf(unrecognizedKeys);
    this.segmentSize = segmentSize;
  }

  /** Every archived file in name order. */
  public List<Entry> entries() {
    return entries;
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
    int i =
        java.util.Collections.binarySearch(
            entries, new Entry(name, 0, Instant.EPOCH), Comparator.comparing(Entry::name));
    return i >= 0;
  }

  /** Archived files of one kind, in name order. */
  public List<WalFileName> files(WalFileName.Kind kind) {
    return entries.stream().map(Entry::name).filter(n -> n.kind() == kind).toList();
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
    return entries.stream()
        .filter(e -> e.name().kind() == WalFileName.Kind.SEGMENT)
        .max(
            Comparator.<Entry>comparingLong(e -> e.name().segmentNumber(segmentSize))
                .thenComparingLong(e -> e.name().timeline()));
  }

  /** Per timeline (ascending): segment counts, bytes, ranges and gaps. */
  public List<TimelineSummary> timelines() {
    Map<Long, List<Entry>> byTimeline = new TreeMap<>();
    for (Entry e : entries) {
      if (e.name().kind() == WalFileName.Kind.SEGMENT) {
        byTimeline.computeIfAbsent(e.name().timeline(), t -> new ArrayList<>()).add(e);
      }
    }
    List<TimelineSummary> result = new ArrayList<>();
    for (Map.Entry<Long, List<Entry>> t : byTimeline.entrySet()) {
      result.add(summarize(t.getKey(), t.getValue()));
    }
    return result;
  }

  private TimelineSummary summarize(long timeline, List<Entry> segments) {
    List<SegmentRange> ranges = new ArrayList<>();
    List<Gap> gaps = new ArrayList<>();
    long bytes = 0;
    WalFileName runStart = null;
    WalFileName previous = null;
    long runCount = 0;
    for (Entry e : segments) {
      bytes += e.storedSize();
      WalFileName n = e.name();
      if (previous != null && segmentSize != null) {
        long prevNo = previous.segmentNumber(segmentSize);
        long no = n.segmentNumber(segmentSize);
        if (no != prevNo + 1) {
          ranges.add(new SegmentRange(timeline, runStart, previous, runCount));
          gaps.add(
              new Gap(
                  timeline,
                  WalFileName.segment(timeline, prevNo + 1, segmentSize),
                  WalFileName.segment(timeline, no - 1, segmentSize),
                  no - prevNo - 1));
          runStart = n;
          runCount = 0;
        }
      }
      if (runStart == null) {
        runStart = n;
      }
      runCount++;
      previous = n;
    }
    if (runStart != null) {
      ranges.add(new SegmentRange(timeline, runStart, previous, runCount));
    }
    return new TimelineSummary(
        timeline,
        segments.size(),
        bytes,
        List.copyOf(ranges),
        List.copyOf(gaps),
        Optional.ofNullable(segments.isEmpty() ? null : segments.get(segments.size() - 1)));
  }
}
