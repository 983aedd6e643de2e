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
 * interrupted or is still running; it must never be restored. Which of the two it is, the {@link
 * #state()} says from the backup's lease: a running {@code backup-push} holds one and renews it
 * every minute to expire 5 minutes ahead; retention removes the objects of an incomplete backup
 * only once no lease holds.
 *
 * @param name the backup's name (which carries its start time and start LSN)
 * @param storedSize bytes of all the backup's objects in the archive (data, manifest, marker)
 * @param completed what the completion marker records, if the backup is complete
 * @param state complete, running or incomplete, as of the listing
 * @param lease the newest lease of an incomplete backup, if there is one and it could be read
 *     (expired or not: {@link #state()} says whether it held when listed)
 */
public record BaseBackupInfo(
    BackupName name,
    long storedSize,
    Optional<Completed> completed,
    State state,
    Optional<Lease> lease) {
  public BaseBackupInfo {
    requireNonNull(name, "name is null");
    requireNonNull(completed, "completed is null");
    requireNonNull(state, "state is null");
    requireNonNull(lease, "lease is null");
    if (storedSize < 0) {
      throw new IllegalArgumentException("negative stored size " + storedSize);
    }
    if (completed.isPresent() != (state == State.COMPLETE)) {
      throw new IllegalArgumentException(
          "state " + state + " contradicts " + (completed.isPresent() ? "a" : "no") + " marker");
    }
    if (completed.isPresent() && lease.isPresent()) {
      throw new IllegalArgumentException("a complete backup has no lease");
    }
  }

  /** A complete backup, or an incomplete one without a lease. */
  public BaseBackupInfo(BackupName name, long storedSize, Optional<Completed> completed) {
    this(
        name,
        storedSize,
        completed,
        completed.isPresent() ? State.COMPLETE : State.INCOMPLETE,
        Optional.empty());
  }

  /** Whether the backup is complete (and may be restored). */
  public boolean complete() {
    return completed.isPresent();
  }

  /** Where a backup stands when it is listed. */
  public enum State {
    /** Its completion marker exists: it may be restored. */
    COMPLETE,
    /**
     * Not complete, and a {@code backup-push} holds its lease: the lease had not expired when the
     * backup was listed, or its newest lease could not be read ({@link #lease()} empty; retention
     * then keeps the backup as if it were running, failing closed).
     */
    RUNNING,
    /**
     * Not complete and no lease holds (it expired, or there is none): the push was interrupted;
     * retention removes its objects once they have been idle for 6 hours.
     */
    INCOMPLETE
  }

  /**
   * What a backup's lease says.
   *
   * @param holder who holds it: host and process, as {@code HOST pid P}
   * @param expires until when it holds unless renewed
   */
  public record Lease(String holder, Instant expires) {
    public Lease {
      requireNonNull(holder, "holder is null");
      requireNonNull(expires, "expires is null");
    }
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
