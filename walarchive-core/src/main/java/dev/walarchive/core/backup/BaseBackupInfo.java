package dev.walarchive.core.backup;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import java.time.Instant;
import java.util.Optional;

/**
 * One base backup pushed by walarchive, as {@link BaseBackups#list()} finds it.
 *
 * <p>A backup is <em>complete</em> only when its completion marker exists: it is written last,
 * after every data object and the manifest are durable and after {@code pg_backup_stop} returned
 * with the WAL the backup needs archived. A backup without it ({@link #completed()} empty) was
 * interrupted or is still running; it must never be restored, and retention removes its objects.
 *
 * @param name the backup's name (which carries its start time and start LSN)
 * @param storedSize bytes of all the backup's objects in the archive (data, manifest, marker)
 * @param completed what the completion marker records, if the backup is complete
 */
public record BaseBackupInfo(BackupName name, long storedSize, Optional<Completed> completed) {
  public BaseBackupInfo {
    requireNonNull(name, "name is null");
    requireNonNull(completed, "completed is null");
    if (storedSize < 0) {
      throw new IllegalArgumentException("negative stored size " + storedSize);
    }
  }

  /** Whether the backup is complete (and may be restored). */
  public boolean complete() {
    return completed.isPresent();
  }

  /**
   * What a complete backup's marker records (the same values as its {@link BackupManifest}).
   *
   * @param systemIdentifier the cluster's system identifier (unsigned)
   * @param label the label given to {@code pg_backup_start}
   * @param startLsn where the backup's WAL starts
   * @param checkpointLsn the checkpoint it starts from
   * @param startTimeline the timeline at the start
   * @param startTime when it started
   * @param stopLsn where it becomes consistent
   * @param stopTimeline the timeline at the stop
   * @param stopTime when it stopped (the backup's time for retention and restore)
   * @param startSegment the first WAL segment a restore needs
   * @param stopSegment the last WAL segment a restore needs to become consistent
   * @param backupHistoryFile the {@code .backup} file PostgreSQL archived for it (pins use it)
   * @param originalSize the sum of the file sizes
   * @param files how many files it holds
   */
  public record Completed(
      long systemIdentifier,
      String label,
      Lsn startLsn,
      Lsn checkpointLsn,
      long startTimeline,
      Instant startTime,
      Lsn stopLsn,
      long stopTimeline,
      Instant stopTime,
      WalFileName startSegment,
      WalFileName stopSegment,
      WalFileName backupHistoryFile,
      long originalSize,
      long files) {
    public Completed {
      requireNonNull(label, "label is null");
      requireNonNull(startLsn, "startLsn is null");
      requireNonNull(checkpointLsn, "checkpointLsn is null");
      requireNonNull(startTime, "startTime is null");
      requireNonNull(stopLsn, "stopLsn is null");
      requireNonNull(stopTime, "stopTime is null");
      requireNonNull(startSegment, "startSegment is null");
      requireNonNull(stopSegment, "stopSegment is null");
      requireNonNull(backupHistoryFile, "backupHistoryFile is null");
    }

    /** The summary of {@code manifest}. */
    public static Completed of(BackupManifest manifest) {
      return new Completed(
          manifest.systemIdentifier(),
          manifest.label(),
          manifest.startLsn(),
          manifest.checkpointLsn(),
          manifest.startTimeline(),
          manifest.startTime(),
          manifest.stopLsn(),
          manifest.stopTimeline(),
          manifest.stopTime(),
          manifest.startSegment(),
          manifest.stopSegment(),
          manifest.backupHistoryFile(),
          manifest.originalSize(),
          manifest.files().size());
    }
  }
}
