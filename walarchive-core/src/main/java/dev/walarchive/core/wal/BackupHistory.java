package dev.walarchive.core.wal;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A backup history file ({@code 000000010000000A000000D8.00000028.backup}), which PostgreSQL
 * archives at the end of every base backup. It says where the backup's WAL starts and stops, which
 * is what retention planning keys on.
 *
 * <p>The content is a list of {@code KEY: value} lines, for example:
 *
 * <pre>
 * START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
 * STOP WAL LOCATION: 0/2000100 (file 000000010000000000000002)
 * CHECKPOINT LOCATION: 0/2000060
 * BACKUP METHOD: streamed
 * BACKUP FROM: primary
 * START TIME: 2026-11-21 10:15:02 UTC
 * LABEL: pg_basebackup base backup
 * START TIMELINE: 1
 * STOP TIME: 2026-11-21 10:15:03 UTC
 * STOP TIMELINE: 1
 * </pre>
 *
 * <p>{@code START WAL LOCATION}, {@code STOP WAL LOCATION}, {@code CHECKPOINT LOCATION}, {@code
 * START TIME}, {@code STOP TIME} and {@code LABEL} are required. {@code START TIMELINE} and {@code
 * STOP TIMELINE} default to the timelines of the start and stop files named in the locations
 * (servers before PostgreSQL 11 do not write {@code START TIMELINE}). Unknown lines are ignored.
 */
public final class BackupHistory {
  private static final Pattern LOCATION =
      Pattern.compile("([0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}) \\(file ([0-9A-F]{24})\\)");
  private static final Pattern TIMELINE = Pattern.compile("[1-9][0-9]{0,9}");

  private final WalFileName fileName;
  private final Lsn startLsn;
  private final WalFileName startSegment;
  private final Lsn stopLsn;
  private final WalFileName stopSegment;
  private final Lsn checkpointLsn;
  private final String label;
  private final long startTimeline;
  private final long stopTimeline;
  private final Optional<String> backupMethod;
  private final Optional<String> backupFrom;
  private final String startTimeText;
  private final String stopTimeText;

  private BackupHistory(Parser p) {
    this.fileName = p.fileName;
    this.startLsn = p.startLsn;
    this.startSegment = p.startSegment;
    this.stopLsn = p.stopLsn;
    this.stopSegment = p.stopSegment;
    this.checkpointLsn = p.checkpointLsn;
    this.label = p.required("LABEL");
    this.startTimeline = p.startTimeline;
    this.stopTimeline = p.stopTimeline;
    this.backupMethod = Optional.ofNullable(p.values.get("BACKUP METHOD"));
    this.backupFrom = Optional.ofNullable(p.values.get("BACKUP FROM"));
    this.startTimeText = p.required("START TIME");
    this.stopTimeText = p.required("STOP TIME");
  }

  /**
   * Parses the content of the backup history file {@code name}, checking that the start location it
   * records is the one its name encodes.
   *
   * @throws IllegalArgumentException naming the file if it is not a backup history file name, if a
   *     required line is missing or malformed or appears twice, or if the content contradicts the
   *     name
   */
  public static BackupHistory parse(WalFileName name, String content) {
    requireNonNull(name, "name is null");
    requireNonNull(content, "content is null");
    if (name.kind() != WalFileName.Kind.BACKUP_HISTORY) {
      throw new IllegalArgumentException(name + " is not a backup history file name");
    }
    return new BackupHistory(new Parser(name, content));
  }

  private record Location(Lsn lsn, WalFileName file) {}

  private static final class Parser {
    final WalFileName fileName;
    final Map<String, String> values = new HashMap<>();
    Lsn startLsn;
    WalFileName startSegment;
    Lsn stopLsn;
    WalFileName stopSegment;
    Lsn checkpointLsn;
    long startTimeline;
    long stopTimeline;

    Parser(WalFileName fileName, String content) {
      this.fileName = fileName;
      for (String line : content.split("\n", -1)) {
        int colon = line.indexOf(": ");
        if (colon < 0) {
          continue;
        }
        String key = line.substring(0, colon);
        if (values.put(key, line.substring(colon + 2)) != null) {
          throw invalid("the line " + key + " appears twice");
        }
      }
      Location start = location("START WAL LOCATION");
      startLsn = start.lsn();
      startSegment = start.file();
      Location stop = location("STOP WAL LOCATION");
      stopLsn = stop.lsn();
      stopSegment = stop.file();
      checkpointLsn = lsn("CHECKPOINT LOCATION", required("CHECKPOINT LOCATION"));
      startTimeline = timeline("START TIMELINE", startSegment.timeline());
      stopTimeline = timeline("STOP TIMELINE", stopSegment.timeline());
      check();
    }

    private void check() {
      if (!startSegment.equals(fileName.segment())) {
        throw invalid(
            "it records a backup starting in "
                + startSegment
                + " but its name says "
                + fileName.segment());
      }
      if (startTimeline != startSegment.timeline()) {
        throw invalid(
            "START TIMELINE "
                + startTimeline
                + " contradicts the start file "
                + startSegment
                + " on timeline "
                + startSegment.timeline());
      }
      if (stopTimeline != stopSegment.timeline()) {
        throw invalid(
            "STOP TIMELINE "
                + stopTimeline
                + " contradicts the stop file "
                + stopSegment
                + " on timeline "
                + stopSegment.timeline());
      }
      if (stopLsn.compareTo(startLsn) < 0) {
        throw invalid("it stops at " + stopLsn + ", before its start " + startLsn);
      }
      // The segment size is not recorded; accept the file if some valid size explains both the
      // start location with its name (file and offset) and the stop location with its file.
      boolean consistent = false;
      for (long bytes = WalSegmentSize.MIN_BYTES;
          bytes <= WalSegmentSize.MAX_BYTES && !consistent;
          bytes <<= 1) {
        WalSegmentSize size = WalSegmentSize.of(bytes);
        consistent =
            startLsn.segmentOffset(size) == fileName.backupOffset()
                && WalFileName.ofLsn(startTimeline, startLsn, size).equals(startSegment)
                && WalFileName.ofLsn(stopTimeline, stopLsn, size).equals(stopSegment);
      }
      if (!consistent) {
        throw invalid(
            "its name and its START WAL LOCATION "
                + startLsn
                + " (file "
                + startSegment
                + ") and STOP WAL LOCATION "
                + stopLsn
                + " (file "
                + stopSegment
                + ") do not agree for any WAL segment size");
      }
    }

    String required(String key) {
      String value = values.get(key);
      if (value == null) {
        throw invalid("the line " + key + " is missing");
      }
      return value;
    }

    private Location location(String key) {
      String value = required(key);
      Matcher m = LOCATION.matcher(value);
      if (!m.matches()) {
        throw invalid(
            key
                + " "
                + Inputs.quote(value)
                + " is not of the form X/X (file 000000010000000000000002)");
      }
      WalFileName file;
      try {
        file = WalFileName.parse(m.group(2));
      } catch (IllegalArgumentException e) {
        throw invalid(key + " names an invalid file: " + e.getMessage());
      }
      return new Location(Lsn.parse(m.group(1)), file);
    }

    private Lsn lsn(String key, String value) {
      try {
        return Lsn.parse(value);
      } catch (IllegalArgumentException e) {
        throw invalid(key + " " + Inputs.quote(value) + " is not an LSN");
      }
    }

    private long timeline(String key, long defaultValue) {
      String value = values.get(key);
      if (value == null) {
        return defaultValue;
      }
      if (!TIMELINE.matcher(value).matches() || Long.parseLong(value) > 0xFFFF_FFFFL) {
        throw invalid(key + " " + Inputs.quote(value) + " is not a timeline");
      }
      return Long.parseLong(value);
    }

    private IllegalArgumentException invalid(String problem) {
      return new IllegalArgumentException(
          "invalid backup history file " + fileName + ": " + problem);
    }
  }

  /** Returns the name of the file this was parsed from. */
  public WalFileName fileName() {
    return fileName;
  }

  /** Returns where the backup's WAL starts (its redo point): {@code START WAL LOCATION}. */
  public Lsn startLsn() {
    return startLsn;
  }

  /**
   * Returns where the backup's WAL stops: {@code STOP WAL LOCATION}. A restore of this backup is
   * consistent once recovery has replayed up to here.
   */
  public Lsn stopLsn() {
    return stopLsn;
  }

  /** Returns the position of the checkpoint record the backup started from. */
  public Lsn checkpointLsn() {
    return checkpointLsn;
  }

  /** Returns the segment the backup's WAL starts in (the file named in START WAL LOCATION). */
  public WalFileName startSegment() {
    return startSegment;
  }

  /**
   * Returns the segment named in STOP WAL LOCATION: the segment holding the byte at {@link
   * #stopLsn()}, on the stop timeline.
   */
  public WalFileName stopSegment() {
    return stopSegment;
  }

  /** Returns the backup label ({@code pg_basebackup base backup} unless the user chose one). */
  public String label() {
    return label;
  }

  /** Returns the timeline the backup started on. */
  public long startTimeline() {
    return startTimeline;
  }

  /** Returns the timeline the backup stopped on (differs from the start if taken on a standby). */
  public long stopTimeline() {
    return stopTimeline;
  }

  /** Returns {@code BACKUP METHOD} ({@code streamed} for PostgreSQL 15 and later), if present. */
  public Optional<String> backupMethod() {
    return backupMethod;
  }

  /** Returns {@code BACKUP FROM} ({@code primary} or {@code standby}), if present. */
  public Optional<String> backupFrom() {
    return backupFrom;
  }

  /** Returns {@code START TIME} as written, such as {@code 2026-11-21 10:15:02 UTC}. */
  public String startTimeText() {
    return startTimeText;
  }

  /** Returns {@code STOP TIME} as written. */
  public String stopTimeText() {
    return stopTimeText;
  }

  /**
   * Returns {@code START TIME} as an instant, if its time zone is understood; see {@link
   * #stopTime()}.
   */
  public Optional<Instant> startTime() {
    return PostgresTimes.parse(startTimeText);
  }

  /**
   * Returns {@code STOP TIME} as an instant, if its time zone is understood. PostgreSQL writes the
   * time in the server's {@code log_timezone} as {@code %Y-%m-%d %H:%M:%S %Z}: {@code UTC}, {@code
   * GMT} and numeric zones ({@code +04}, {@code -0330}) are always understood; a few common
   * abbreviations that mean one offset only ({@code CET}, {@code CEST}, {@code EST}, {@code PDT},
   * ...) are understood as well; ambiguous ones (such as {@code CST} or {@code IST}) are not, and
   * give an empty result.
   */
  public Optional<Instant> stopTime() {
    return PostgresTimes.parse(stopTimeText);
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof BackupHistory)) {
      return false;
    }
    BackupHistory o = (BackupHistory) other;
    return fileName.equals(o.fileName)
        && startLsn.equals(o.startLsn)
        && stopLsn.equals(o.stopLsn)
        && checkpointLsn.equals(o.checkpointLsn)
        && startSegment.equals(o.startSegment)
        && stopSegment.equals(o.stopSegment)
        && label.equals(o.label)
        && startTimeline == o.startTimeline
        && stopTimeline == o.stopTimeline
        && backupMethod.equals(o.backupMethod)
        && backupFrom.equals(o.backupFrom)
        && startTimeText.equals(o.startTimeText)
        && stopTimeText.equals(o.stopTimeText);
  }

  @Override
  public int hashCode() {
    return fileName.hashCode() * 31 + stopLsn.hashCode();
  }

  /** Returns a short description: file, start and stop positions, label. */
  @Override
  public String toString() {
    return "BackupHistory["
        + fileName
        + ": "
        + startLsn
        + " to "
        + stopLsn
        + ", label "
        + Inputs.quote(label)
        + "]";
  }
}
