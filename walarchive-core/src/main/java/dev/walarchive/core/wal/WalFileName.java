package dev.walarchive.core.wal;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * The name of a file PostgreSQL hands to {@code archive_command} or asks for in {@code
 * restore_command}, classified and parsed. Exactly four forms exist; anything else is rejected
 * before it can reach storage:
 *
 * <ul>
 *   <li>{@link Kind#SEGMENT}: {@code TTTTTTTTXXXXXXXXYYYYYYYY}, 24 uppercase hex digits: timeline,
 *       then the segment number split into "xlogid" and segment within it (for example {@code
 *       000000010000000A000000FF});
 *   <li>{@link Kind#PARTIAL_SEGMENT}: a segment name followed by {@code .partial} (the last,
 *       incomplete segment of a timeline that was left at promotion, or from {@code
 *       pg_receivewal});
 *   <li>{@link Kind#BACKUP_HISTORY}: a segment name, a dot, the eight-hex-digit offset of the
 *       backup's start within that segment, and {@code .backup} (for example {@code
 *       000000010000000A000000D8.00000028.backup});
 *   <li>{@link Kind#TIMELINE_HISTORY}: the eight-hex-digit timeline followed by {@code .history}
 *       (for example {@code 00000002.history}).
 * </ul>
 *
 * <p>Hex digits must be uppercase, as PostgreSQL writes them, and timeline 0 does not exist. A
 * segment name alone does not determine its segment number: that needs the cluster's {@link
 * WalSegmentSize}. Names order as strings, which for segments of one timeline is WAL order.
 */
public final class WalFileName implements Comparable<WalFileName> {
  /** The four kinds of file PostgreSQL archives. */
  public enum Kind {
    /** A complete WAL segment. */
    SEGMENT,
    /** A WAL segment with the {@code .partial} suffix. */
    PARTIAL_SEGMENT,
    /** A backup history file ({@code .backup}), written at the end of each base backup. */
    BACKUP_HISTORY,
    /** A timeline history file ({@code .history}), written at each timeline switch. */
    TIMELINE_HISTORY
  }

  private static final long MAX_TIMELINE = 0xFFFF_FFFFL;
  private static final int SEGMENT_NAME_LENGTH = 24;
  private static final String PARTIAL_SUFFIX = ".partial";
  private static final String BACKUP_SUFFIX = ".backup";
  private static final String HISTORY_SUFFIX = ".history";

  private final Kind kind;
  private final String name;
  private final long timeline;
  private final long logId;
  private final long segId;
  private final long backupOffset;

  private WalFileName(
      Kind kind, String name, long timeline, long logId, long segId, long backupOffset) {
    this.kind = kind;
    this.name = name;
    this.timeline = timeline;
    this.logId = logId;
    this.segId = segId;
    this.backupOffset = backupOffset;
  }

  /**
   * Parses and classifies a WAL file name (a bare name, never a path).
   *
   * @throws IllegalArgumentException naming the input if it is not one of the four forms
   */
  public static WalFileName parse(String name) {
    requireNonNull(name, "name is null");
    int length = name.length();
    if (length == SEGMENT_NAME_LENGTH) {
      return parseSegmentBased(name, Kind.SEGMENT, -1);
    }
    if (length == SEGMENT_NAME_LENGTH + PARTIAL_SUFFIX.length() && name.endsWith(PARTIAL_SUFFIX)) {
      return parseSegmentBased(name, Kind.PARTIAL_SEGMENT, -1);
    }
    if (length == SEGMENT_NAME_LENGTH + 1 + 8 + BACKUP_SUFFIX.length()
        && name.charAt(SEGMENT_NAME_LENGTH) == '.'
        && name.endsWith(BACKUP_SUFFIX)) {
      long offset = Inputs.upperHex32(name, SEGMENT_NAME_LENGTH + 1, 8);
      if (offset < 0) {
        throw invalid(name);
      }
      return parseSegmentBased(name, Kind.BACKUP_HISTORY, offset);
    }
    if (length == 8 + HISTORY_SUFFIX.length() && name.endsWith(HISTORY_SUFFIX)) {
      long timeline = Inputs.upperHex32(name, 0, 8);
      if (timeline < 0) {
        throw invalid(name);
      }
      if (timeline == 0) {
        throw timelineZero(name);
      }
      return new WalFileName(Kind.TIMELINE_HISTORY, name, timeline, -1, -1, -1);
    }
    throw invalid(name);
  }

  private static WalFileName parseSegmentBased(String name, Kind kind, long backupOffset) {
    long timeline = Inputs.upperHex32(name, 0, 8);
    long logId = Inputs.upperHex32(name, 8, 8);
    long segId = Inputs.upperHex32(name, 16, 8);
    if (timeline < 0 || logId < 0 || segId < 0) {
      throw invalid(name);
    }
    if (timeline == 0) {
      throw timelineZero(name);
    }
    return new WalFileName(kind, name, timeline, logId, segId, backupOffset);
  }

  private static IllegalArgumentException invalid(String name) {
    return new IllegalArgumentException(
        "not a WAL file name: "
            + Inputs.quote(name)
            + "; expected a segment (24 uppercase hex digits, such as 000000010000000A000000FF),"
            + " a segment followed by .partial, a backup history file (such as"
            + " 000000010000000A000000D8.00000028.backup) or a timeline history file (such as"
            + " 00000002.history)");
  }

  private static IllegalArgumentException timelineZero(String name) {
    return new IllegalArgumentException(
        "not a WAL file name: " + Inputs.quote(name) + ": timeline 0 does not exist");
  }

  /**
   * Returns the name of segment {@code segmentNumber} on {@code timeline}.
   *
   * @throws IllegalArgumentException if the timeline is not 1 to 0xFFFFFFFF or the segment number
   *     does not exist for this segment size
   */
  public static WalFileName segment(long timeline, long segmentNumber, WalSegmentSize segmentSize) {
    requireNonNull(segmentSize, "segmentSize is null");
    checkTimeline(timeline);
    if (segmentNumber < 0 || segmentNumber >= segmentSize.segmentCount()) {
      throw new IllegalArgumentException(
          "invalid segment number "
              + segmentNumber
              + " for segment size "
              + segmentSize.bytes()
              + ": expected 0 to "
              + (segmentSize.segmentCount() - 1));
    }
    long perId = segmentSize.segmentsPerXLogId();
    long logId = segmentNumber / perId;
    long segId = segmentNumber % perId;
    return new WalFileName(
        Kind.SEGMENT, hex8(timeline) + hex8(logId) + hex8(segId), timeline, logId, segId, -1);
  }

  /**
   * Returns the name of the segment on {@code timeline} that holds the byte at {@code lsn}
   * (PostgreSQL's {@code XLByteToSeg}).
   *
   * <p>Note that {@code pg_walfile_name(lsn)} up to PostgreSQL 16 answers a different question: it
   * names the segment holding the byte <em>before</em> {@code lsn}, which differs when {@code lsn}
   * is at a segment boundary. That is {@link #ofEndLsn}. (Later PostgreSQL sources compute it with
   * {@code XLByteToSeg}, like this method.)
   */
  public static WalFileName ofLsn(long timeline, Lsn lsn, WalSegmentSize segmentSize) {
    requireNonNull(lsn, "lsn is null");
    return segment(timeline, lsn.segmentNumber(segmentSize), segmentSize);
  }

  /**
   * Returns the name of the segment on {@code timeline} that holds the byte just before {@code
   * end}: the last segment a reader needs to reach {@code end} (PostgreSQL's {@code
   * XLByteToPrevSeg}, and what {@code pg_walfile_name(end)} returns up to PostgreSQL 16).
   *
   * @throws IllegalArgumentException if {@code end} is 0/0, which has no byte before it
   */
  public static WalFileName ofEndLsn(long timeline, Lsn end, WalSegmentSize segmentSize) {
    requireNonNull(end, "end is null");
    if (end.equals(Lsn.ZERO)) {
      throw new IllegalArgumentException("there is no WAL before 0/0");
    }
    return ofLsn(timeline, Lsn.of(end.value() - 1), segmentSize);
  }

  /**
   * Returns the name of the history file of {@code timeline} ({@code 00000002.history}).
   *
   * @throws IllegalArgumentException if the timeline is not 1 to 0xFFFFFFFF
   */
  public static WalFileName timelineHistory(long timeline) {
    checkTimeline(timeline);
    return new WalFileName(
        Kind.TIMELINE_HISTORY, hex8(timeline) + HISTORY_SUFFIX, timeline, -1, -1, -1);
  }

  /**
   * Returns the name of the backup history file PostgreSQL writes for a base backup that started at
   * {@code start} on {@code timeline}.
   */
  public static WalFileName backupHistory(long timeline, Lsn start, WalSegmentSize segmentSize) {
    requireNonNull(start, "start is null");
    WalFileName segment = ofLsn(timeline, start, segmentSize);
    long offset = start.segmentOffset(segmentSize);
    return new WalFileName(
        Kind.BACKUP_HISTORY,
        segment.name + "." + hex8(offset) + BACKUP_SUFFIX,
        timeline,
        segment.logId,
        segment.segId,
        offset);
  }

  static long checkTimeline(long timeline) {
    if (timeline < 1 || timeline > MAX_TIMELINE) {
      throw new IllegalArgumentException(
          "invalid timeline " + timeline + ": expected 1 to " + MAX_TIMELINE);
    }
    return timeline;
  }

  private static String hex8(long value) {
    return String.format(Locale.ROOT, "%08X", value);
  }

  /** Returns what kind of file this names. */
  public Kind kind() {
    return kind;
  }

  /** Returns the file name, exactly as parsed or as PostgreSQL would write it. */
  public String name() {
    return name;
  }

  /** Returns whether this names a complete segment ({@link Kind#SEGMENT}). */
  public boolean isSegment() {
    return kind == Kind.SEGMENT;
  }

  /** Returns the timeline, 1 to 0xFFFFFFFF. */
  public long timeline() {
    return timeline;
  }

  /**
   * Returns the raw "xlogid" field (hex digits 9 to 16) of a segment-based name.
   *
   * @throws IllegalStateException for a timeline history file
   */
  public long logId() {
    checkSegmentBased("logId");
    return logId;
  }

  /**
   * Returns the raw segment-within-xlogid field (hex digits 17 to 24) of a segment-based name.
   *
   * @throws IllegalStateException for a timeline history file
   */
  public long segId() {
    checkSegmentBased("segId");
    return segId;
  }

  /**
   * Returns the segment number this name stands for in a cluster with the given segment size.
   *
   * @throws IllegalStateException for a timeline history file
   * @throws IllegalArgumentException if the segment field is too large for that segment size (for
   *     example {@code …000000FF} with 1 GiB segments, where only 00 to 03 exist)
   */
  public long segmentNumber(WalSegmentSize segmentSize) {
    requireNonNull(segmentSize, "segmentSize is null");
    checkSegmentBased("segmentNumber");
    long perId = segmentSize.segmentsPerXLogId();
    if (segId >= perId) {
      throw new IllegalArgumentException(
          "WAL file "
              + name
              + " does not exist with "
              + segmentSize.bytes()
              + "-byte segments: its last eight digits must be below "
              + hex8(perId));
    }
    return logId * perId + segId;
  }

  /**
   * Returns the offset of the backup's start within its segment (the third hex field of a backup
   * history file name).
   *
   * @throws IllegalStateException if this is not a backup history file
   */
  public long backupOffset() {
    if (kind != Kind.BACKUP_HISTORY) {
      throw new IllegalStateException(name + " is not a backup history file");
    }
    return backupOffset;
  }

  /**
   * Returns where the base backup described by this backup history file started.
   *
   * @throws IllegalStateException if this is not a backup history file
   * @throws IllegalArgumentException if the name is impossible with this segment size
   */
  public Lsn backupStartLsn(WalSegmentSize segmentSize) {
    long offset = backupOffset();
    long segmentNumber = segmentNumber(segmentSize);
    if (offset >= segmentSize.bytes()) {
      throw new IllegalArgumentException(
          "backup history file "
              + name
              + " does not exist with "
              + segmentSize.bytes()
              + "-byte segments: its offset is beyond the segment");
    }
    return Lsn.ofSegment(segmentNumber, offset, segmentSize);
  }

  /**
   * Returns the segment this file belongs to: itself for a segment, the segment a partial segment
   * or backup history file is named after.
   *
   * @throws IllegalStateException for a timeline history file
   */
  public WalFileName segment() {
    checkSegmentBased("segment");
    if (kind == Kind.SEGMENT) {
      return this;
    }
    return new WalFileName(
        Kind.SEGMENT, name.substring(0, SEGMENT_NAME_LENGTH), timeline, logId, segId, -1);
  }

  private void checkSegmentBased(String what) {
    if (kind == Kind.TIMELINE_HISTORY) {
      throw new IllegalStateException(
          what + " is not defined for timeline history file " + name + ", only for segments");
    }
  }

  /** Orders by name, which for segments of one timeline is WAL order. */
  @Override
  public int compareTo(WalFileName other) {
    return name.compareTo(other.name);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof WalFileName && ((WalFileName) other).name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** Returns the file name; same as {@link #name()}. */
  @Override
  public String toString() {
    return name;
  }
}
