package dev.walarchive.testkit;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Writes synthetic WAL files that pass walarchive's validation, for tests of code that archives:
 * segments with a PostgreSQL 15 long page header (the rest zero), backup history files and timeline
 * history files, as PostgreSQL names and writes them.
 *
 * <pre>{@code
 * Path segment = TestWal.writeSegment(dir, 1, 3, WalSegmentSize.ofMegabytes(1));
 * Path backup =
 *     TestWal.writeBackupHistory(
 *         dir, 1, Lsn.parse("0/300028"), Instant.parse("2026-01-01T00:00:00Z"),
 *         WalSegmentSize.ofMegabytes(1));
 * Path history =
 *     TestWal.writeTimelineHistory(
 *         dir, TimelineHistory.ofFirstTimeline().branch(2, Lsn.parse("0/380000"), "promoted"));
 * archive.push(segment);
 * archive.push(backup);
 * archive.push(history);
 * }</pre>
 */
public final class TestWal {
  /**
   * The cluster (system identifier) that segments claim when none is given, and that {@link
   * WalArchiveExtension} records for an archive created with a segment size.
   */
  public static final long SYSTEM_IDENTIFIER = 7300000000000000001L;

  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private TestWal() {}

  /**
   * Writes segment {@code segmentNumber} of {@code timeline} of cluster {@link #SYSTEM_IDENTIFIER}
   * into {@code dir}, named as PostgreSQL names it, and returns its path.
   */
  public static Path writeSegment(Path dir, long timeline, long segmentNumber, WalSegmentSize size)
      throws IOException {
    return writeSegment(dir, SYSTEM_IDENTIFIER, timeline, segmentNumber, size);
  }

  /**
   * Writes segment {@code segmentNumber} of {@code timeline} into {@code dir}, named as PostgreSQL
   * names it, and returns its path.
   *
   * @param systemIdentifier the cluster the segment claims to belong to
   */
  public static Path writeSegment(
      Path dir, long systemIdentifier, long timeline, long segmentNumber, WalSegmentSize size)
      throws IOException {
    WalFileName name = WalFileName.segment(timeline, segmentNumber, size);
    SegmentHeader header =
        new SegmentHeader(
            0xD110,
            15,
            timeline,
            Lsn.ofSegment(segmentNumber, 0, size),
            systemIdentifier,
            size,
            8192);
    Path file = dir.resolve(name.name());
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header.toBytes());
      byte[] zeros = new byte[64 * 1024];
      long remaining = size.bytes() - SegmentHeader.LENGTH;
      while (remaining > 0) {
        int n = (int) Math.min(zeros.length, remaining);
        out.write(zeros, 0, n);
        remaining -= n;
      }
    }
    return file;
  }

  /**
   * Writes the backup history file of a base backup that started at {@code start} on {@code
   * timeline}, stopped at {@code stopTime} 512 bytes of WAL later and started a minute before, as
   * {@code pg_backup_stop} archives it, and returns its path.
   */
  public static Path writeBackupHistory(
      Path dir, long timeline, Lsn start, Instant stopTime, WalSegmentSize size)
      throws IOException {
    requireNonNull(stopTime, "stopTime is null");
    return writeBackupHistory(
        dir,
        timeline,
        start,
        start.plus(0x200),
        stopTime.minusSeconds(60),
        stopTime,
        "walarchive test backup",
        size);
  }

  /**
   * Writes the backup history file of a base backup as {@code pg_backup_stop} archives it (START
   * and STOP WAL LOCATION, CHECKPOINT LOCATION, times in UTC, LABEL, timelines) and returns its
   * path, named {@code <start segment>.<offset>.backup}.
   *
   * @throws IllegalArgumentException if the result would not parse as a backup history file (for
   *     instance a stop before the start, or a label with a line break)
   */
  public static Path writeBackupHistory(
      Path dir,
      long timeline,
      Lsn start,
      Lsn stop,
      Instant startTime,
      Instant stopTime,
      String label,
      WalSegmentSize size)
      throws IOException {
    requireNonNull(dir, "dir is null");
    requireNonNull(start, "start is null");
    requireNonNull(stop, "stop is null");
    requireNonNull(startTime, "startTime is null");
    requireNonNull(stopTime, "stopTime is null");
    requireNonNull(label, "label is null");
    requireNonNull(size, "size is null");
    if (stop.compareTo(start) < 0) {
      throw new IllegalArgumentException("backup stop " + stop + " is before its start " + start);
    }
    WalFileName name = WalFileName.backupHistory(timeline, start, size);
    String content =
        "START WAL LOCATION: "
            + start
            + " (file "
            + WalFileName.ofLsn(timeline, start, size)
            + ")\n"
            + "STOP WAL LOCATION: "
            + stop
            + " (file "
            + WalFileName.ofLsn(timeline, stop, size)
            + ")\n"
            + "CHECKPOINT LOCATION: "
            + start.plus(0x38)
            + "\n"
            + "BACKUP METHOD: streamed\n"
            + "BACKUP FROM: primary\n"
            + "START TIME: "
            + PG_TIME.format(startTime)
            + "\n"
            + "LABEL: "
            + label
            + "\n"
            + "START TIMELINE: "
            + timeline
            + "\n"
            + "STOP TIME: "
            + PG_TIME.format(stopTime)
            + "\n"
            + "STOP TIMELINE: "
            + timeline
            + "\n";
    BackupHistory.parse(name, content);
    Path file = dir.resolve(name.name());
    Files.writeString(file, content, StandardCharsets.US_ASCII);
    return file;
  }

  /**
   * Writes {@code history} as PostgreSQL would archive it (e.g. {@code
   * TimelineHistory.ofFirstTimeline().branch(2, Lsn.parse("0/3000000"), "promoted")}) and returns
   * its path.
   */
  public static Path writeTimelineHistory(Path dir, TimelineHistory history) throws IOException {
    Path file = dir.resolve(history.fileName().name());
    Files.writeString(file, history.toFileContent(), StandardCharsets.US_ASCII);
    return file;
  }
}
