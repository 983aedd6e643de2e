package dev.walarchive.core.retention;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a retention run would do, made by {@link RetentionPlanner}: which backups are retained and
 * which expire, which archived files are deleted and why, which are kept and why. A plan is only
 * data; {@code WalArchive.applyRetention} applies it (deletes {@link #deletions()} from storage).
 *
 * <p>Deletions are ordered so that applying them in order is safe to interrupt: the backup history
 * files of expired backups come first, so an interrupted run never leaves a listed backup whose WAL
 * is partly gone; then segments in name order. Planning again after an interrupted or completed run
 * deletes exactly what is left.
 */
public final class RetentionPlan {
  /**
   * An archived file to delete.
   *
   * @param name the WAL file name (its storage key is the archive's WAL prefix plus this name)
   * @param storedSize bytes it occupies in storage
   * @param reason why it is no longer needed
   */
  public record Deletion(WalFileName name, long storedSize, String reason) {
    /** Checks that no component is null. */
    public Deletion {
      requireNonNull(name, "name is null");
      requireNonNull(reason, "reason is null");
    }
  }

  /**
   * Archived files kept on one timeline: segments and partial segments from {@code first} to {@code
   * last} (there may be gaps between them; verification reports those).
   *
   * @param timeline the timeline
   * @param first the oldest kept file
   * @param last the newest kept file
   * @param files how many files are kept in the range
   * @param reason why, such as {@code needed by backup 000000010000000000000002.00000028.backup
   *     (timeline 1 from 0/2000028)}
   */
  public record KeptRange(
      long timeline, WalFileName first, WalFileName last, long files, String reason) {
    /** Checks that no component is null. */
    public KeptRange {
      requireNonNull(first, "first is null");
      requireNonNull(last, "last is null");
      requireNonNull(reason, "reason is null");
    }
  }

  /**
   * A base backup and the decision about it.
   *
   * @param name its backup history file name, which identifies it
   * @param timeline the timeline it started on
   * @param start where its WAL starts
   * @param time when it stopped: the backup history file's {@code STOP TIME}, or, if that was not
   *     readable, when the backup history file was archived
   * @param reason why it is retained (such as {@code one of the newest 2 backups; pinned}) or why
   *     it expires
   */
  public record Backup(WalFileName name, long timeline, Lsn start, Instant time, String reason) {
    /** Checks that no component is null. */
    public Backup {
      requireNonNull(name, "name is null");
      requireNonNull(start, "start is null");
      requireNonNull(time, "time is null");
      requireNonNull(reason, "reason is null");
    }
  }

  private final RetentionPolicy policy;
  private final Instant now;
  private final List<Backup> retained;
  private final List<Backup> expired;
  private final List<KeptRange> kept;
  private final List<Deletion> deletions;
  private final List<String> warnings;
  private final SortedSet<WalFileName> archivePins;
  private final List<ArchiveHistories.Skipped> skipped;

  RetentionPlan(
      RetentionPolicy policy,
      Instant now,
      List<Backup> retained,
      List<Backup> expired,
      List<KeptRange> kept,
      List<Deletion> deletions,
      List<String> warnings) {
    this(policy, now, retained, expired, kept, deletions, warnings, Set.of(), List.of());
  }

  RetentionPlan(
      RetentionPolicy policy,
      Instant now,
      List<Backup> retained,
      List<Backup> expired,
      List<KeptRange> kept,
      List<Deletion> deletions,
      List<String> warnings,
      Set<WalFileName> archivePins,
      List<ArchiveHistories.Skipped> skipped) {
    this.archivePins = Collections.unmodifiableSortedSet(new TreeSet<>(archivePins));
    this.skipped = List.copyOf(skipped);
    this.policy = policy;
    this.now = now;
    this.retained = List.copyOf(retained);
    this.expired = List.copyOf(expired);
    this.kept = List.copyOf(kept);
    this.deletions = List.copyOf(deletions);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Returns the policy the plan was made for; for a plan of {@code WalArchive.planRetention}, the
   * given policy with the archive's pins added.
   */
  public RetentionPolicy policy() {
    return policy;
  }

  /**
   * Returns the backups pinned in the archive ({@code WalArchive.pin}) when the plan was made, all
   * of them retained; empty for a plan made without reading the archive's pins.
   */
  public SortedSet<WalFileName> archivePins() {
    return archivePins;
  }

  /**
   * Returns the history files the plan was made without (unreadable, unparsable or vanished), each
   * also in {@link #warnings()}. The planner stays on the safe side for them: a backup whose
   * history file could not be read still counts, from its name; a timeline without a readable
   * history is kept whole.
   */
  public List<ArchiveHistories.Skipped> skipped() {
    return skipped;
  }

  /** Returns the time the plan was made for (the recovery window ends here). */
  public Instant now() {
    return now;
  }

  /** Returns the retained backups, newest first. */
  public List<Backup> retainedBackups() {
    return retained;
  }

  /** Returns the expired backups, newest first; their backup history files are deleted. */
  public List<Backup> expiredBackups() {
    return expired;
  }

  /** Returns the kept segment ranges, by timeline. */
  public List<KeptRange> kept() {
    return kept;
  }

  /** Returns the files to delete, in the order to delete them (see the class description). */
  public List<Deletion> deletions() {
    return deletions;
  }

  /** Returns the bytes the deletions free in storage. */
  public long deletedBytes() {
    long total = 0;
    for (Deletion d : deletions) {
      total += d.storedSize();
    }
    return total;
  }

  /**
   * Returns what the planner could not be sure about and how it stayed on the safe side (such as a
   * timeline without a history file, whose segments are all kept), and situations that deserve a
   * look (such as WAL archived recently on a timeline that no retained backup can reach).
   */
  public List<String> warnings() {
    return warnings;
  }

  /** Returns whether the plan deletes nothing. */
  public boolean isEmpty() {
    return deletions.isEmpty();
  }

  /** Returns a one-line summary: backups retained and expired, files and bytes to delete. */
  @Override
  public String toString() {
    return "RetentionPlan["
        + policy
        + ": retain "
        + retained.size()
        + " backup(s), expire "
        + expired.size()
        + ", delete "
        + deletions.size()
        + " file(s) ("
        + deletedBytes()
        + " bytes), "
        + warnings.size()
        + " warning(s)]";
  }
}
