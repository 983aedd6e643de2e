package dev.walarchive.core.backup;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.Lsn;
import java.io.IOException;

/**
 * One base backup being written into the archive, between {@code pg_backup_start} and {@code
 * pg_backup_stop} (PostgreSQL's non-exclusive low-level backup API). From {@link
 * BaseBackups#upload}:
 *
 * <ol>
 *   <li>{@link #copyFiles()} after {@code pg_backup_start} returned: copies the data directory and
 *       every tablespace with PostgreSQL's exclusion rules, several objects in parallel, {@code
 *       global/pg_control} last;
 *   <li>{@link #complete} with what {@code pg_backup_stop} returned: checks that the archive holds
 *       the backup's {@code .backup} history file and its WAL up to the stop segment, then writes
 *       the manifest and, last, the completion marker.
 * </ol>
 *
 * <p>Until {@link #complete} returns the backup is not complete; if anything fails, or the process
 * dies, it stays incomplete and is never restored. Closing stops the copy workers.
 *
 * <p>From {@link BaseBackups#upload} until it is complete or closed, the backup holds a lease in
 * the archive (renewed every minute, expiring five minutes ahead): while it holds, retention
 * deletes neither the backup's objects nor the WAL from its start segment on. If the process dies,
 * the lease expires and the backup is debris that retention removes once it has been idle for 6
 * hours.
 */
public interface BackupUpload extends AutoCloseable {
  /** The backup's name. */
  BackupName name();

  /**
   * Copies every file. Files that vanish while being copied are left out; one that grows is copied
   * up to its listed size (WAL replay repairs both, as for {@code pg_basebackup}).
   *
   * @throws IOException if a file cannot be read (other than vanishing) or an upload fails
   */
  void copyFiles() throws IOException;

  /**
   * Makes the backup complete, after {@code pg_backup_stop} returned (with {@code wait_for_archive
   * => true}): parses {@code backupLabel}, reads the {@code .backup} history file PostgreSQL
   * archived from the archive and checks it names {@code stopLsn}, checks every WAL segment from
   * the start to the stop segment is archived (and fully verifies the stop segment), then writes
   * the manifest and the completion marker.
   *
   * @param backupLabel the {@code labelfile} column of {@code pg_backup_stop}
   * @param tablespaceMap the {@code spcmapfile} column ({@code ""} or null without tablespaces)
   * @param stopLsn the {@code lsn} column
   * @throws IOException if the WAL the backup needs is not in the archive (the message names it) or
   *     a write fails; the backup then stays incomplete
   */
  default BaseBackupInfo complete(String backupLabel, String tablespaceMap, Lsn stopLsn)
      throws IOException {
    return complete(backupLabel, tablespaceMap, stopLsn, "");
  }

  /**
   * As {@link #complete(String, String, Lsn)}, recording in the manifest the server's transaction
   * snapshot taken right after {@code pg_backup_stop} ({@code pg_current_snapshot()::text}), with
   * which a restore to a transaction id chooses a backup ({@link BackupManifest#inProgressAtStop}).
   *
   * @param stopSnapshot {@code xmin:xmax:xip,...}, or {@code ""} if not known
   * @throws IllegalArgumentException if {@code stopSnapshot} is not a snapshot
   */
  BaseBackupInfo complete(
      String backupLabel, String tablespaceMap, Lsn stopLsn, String stopSnapshot)
      throws IOException;

  /** Stops the copy workers; the backup stays incomplete unless {@link #complete} returned. */
  @Override
  void close();

  /** Reports the bytes copied so far; called from copy threads, often. */
  @FunctionalInterface
  interface Progress {
    /** No reports. */
    Progress NONE = (done, total) -> {};

    void copied(long doneBytes, long totalBytes);
  }

  /**
   * How to copy.
   *
   * @param parallelism objects encoded and uploaded at the same time, 1 to 64
   * @param label the label given to {@code pg_backup_start}, recorded in the manifest
   * @param serverVersion the server's {@code server_version_num}
   * @param tablespaceVersionDirectory {@code PG_<major>_<catalog version>}, the directory of each
   *     tablespace that belongs to this server (the only one copied)
   * @param progress receives progress reports
   * @param startTimeline the timeline the backup starts on ({@code timeline_id} of {@code
   *     pg_control_checkpoint()} after {@code pg_backup_start}), recorded in the backup's lease; 0
   *     if not known, and then retention keeps the WAL from the backup's start segment on every
   *     timeline while the backup runs
   */
  record Options(
      int parallelism,
      String label,
      int serverVersion,
      String tablespaceVersionDirectory,
      Progress progress,
      long startTimeline) {
    /** Options without a known start timeline (0). */
    public Options(
        int parallelism,
        String label,
        int serverVersion,
        String tablespaceVersionDirectory,
        Progress progress) {
      this(parallelism, label, serverVersion, tablespaceVersionDirectory, progress, 0);
    }

    /** Checks every component. */
    public Options {
      if (startTimeline < 0 || startTimeline > 0xFFFFFFFFL) {
        throw new IllegalArgumentException("invalid start timeline " + startTimeline);
      }
      if (parallelism < 1 || parallelism > 64) {
        throw new IllegalArgumentException("parallelism must be 1 to 64, not " + parallelism);
      }
      requireNonNull(label, "label is null");
      requireNonNull(tablespaceVersionDirectory, "tablespaceVersionDirectory is null");
      if (!tablespaceVersionDirectory.matches("PG_[0-9]+_[0-9]+")) {
        throw new IllegalArgumentException(
            "invalid tablespace version directory '" + tablespaceVersionDirectory + "'");
      }
      requireNonNull(progress, "progress is null");
    }
  }
}
