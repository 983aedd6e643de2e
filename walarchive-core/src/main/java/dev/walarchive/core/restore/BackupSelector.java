package dev.walarchive.core.restore;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the base backup a restore starts from: a pure function of the archive's backups, its
 * timeline histories, an optional backup name and the recovery target.
 *
 * <p>Only complete backups are ever chosen. Without a name, the newest complete backup that
 *
 * <ul>
 *   <li>finished before the target time ({@link RecoveryTarget.Kind#TIME}: its stop time is before
 *       the target; a stop time of whole seconds, as the {@code STOP TIME} of a {@code .backup}
 *       history file records it, stands for a stop anywhere in that second, so it must be at least
 *       a second before the target: stop + 1 s &le; target), or stopped at or before the target
 *       position ({@link RecoveryTarget.Kind#LSN}); for the other targets every backup qualifies,
 *       and
 *   <li>can reach the target timeline: it is on that timeline, or the timeline's history shows the
 *       backup's timeline on its path from before the backup started until after it stopped (as
 *       PostgreSQL checks at the start of recovery: "requested timeline is not a child of this
 *       server's history")
 * </ul>
 *
 * is chosen; newest means the highest stop position (backups that reach one timeline lie on one
 * path of WAL, where positions grow with time), then the latest stop time, then the name. A named
 * backup must itself be complete and satisfy both conditions. When no backup qualifies, {@link
 * NoSuitableBackupException} says why; an incomplete backup is never a fallback.
 *
 * <p>For a transaction id target, {@link #choose(WalArchive, Optional, RecoveryTarget,
 * RecoveryTimeline)} reads the manifests, newest backup first: a backup qualifies if the
 * transaction had not ended when it stopped ({@link
 * dev.walarchive.core.backup.BackupManifest#inProgressAtStop}, from the snapshot {@code
 * backup-push} records), and the newest such one is chosen; if none qualifies, {@link
 * NoSuitableBackupException}. Backups without a snapshot (pushed by earlier versions) are chosen
 * from as for the other targets, with a warning, only if no backup with a snapshot qualifies. For a
 * restore point name every backup qualifies: the archive cannot date a name (name the backup, or
 * restore to the LSN {@code pg_create_restore_point} returned).
 */
public final class BackupSelector {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(BackupSelector.class);

  private BackupSelector() {}

  /**
   * What the selector knows about one backup.
   *
   * @param name the backup's name
   * @param startLsn where its WAL starts (the redo point of its starting checkpoint)
   * @param stopLsn where it stopped: recovery is consistent from here on
   * @param stopTime when it stopped (never earlier than the moment PostgreSQL's backup stop ran);
   *     whole seconds mean the stop was recorded to the second (it lies within the second)
   * @param timeline the timeline it was taken on
   * @param complete whether every file and the manifest are stored and the WAL it needs to become
   *     consistent is archived
   */
  public record Candidate(
      String name, Lsn startLsn, Lsn stopLsn, Instant stopTime, long timeline, boolean complete) {
    /**
     * What {@link dev.walarchive.core.backup.BaseBackups#list()} reports about a backup: a complete
     * one with its start and stop, an incomplete one (never chosen) with its name's start only.
     */
    public static Candidate of(BaseBackupInfo info) {
      requireNonNull(info, "info is null");
      String n = info.name().toString();
      if (info.completed().isEmpty()) {
        return new Candidate(
            n, info.name().startLsn(), info.name().startLsn(), info.name().startTime(), 1, false);
      }
      BaseBackupInfo.Completed c = info.completed().get();
      return new Candidate(n, c.startLsn(), c.stopLsn(), c.stopTime(), c.startTimeline(), true);
    }

    /** Validates the candidate. */
    public Candidate {
      requireNonNull(name, "name is null");
      requireNonNull(startLsn, "startLsn is null");
      requireNonNull(stopLsn, "stopLsn is null");
      requireNonNull(stopTime, "stopTime is null");
      if (timeline < 1 || timeline > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("backup " + name + " has invalid timeline " + timeline);
      }
      if (stopLsn.compareTo(startLsn) < 0) {
        throw new IllegalArgumentException(
            "backup " + name + " stops at " + stopLsn + ", before its start " + startLsn);
      }
    }
  }

  /**
   * The chosen backup and the timeline its recovery aims at.
   *
   * @param backup the backup to restore
   * @param targetTimeline the number of the timeline recovery follows ({@code latest} and {@code
   *     current} resolved)
   */
  public record Choice(Candidate backup, long targetTimeline) {
    /** Checks that the backup is not null. */
    public Choice {
      requireNonNull(backup, "backup is null");
    }
  }

  private static final Comparator<Candidate> NEWEST_LAST =
      Comparator.comparing(Candidate::stopLsn)
          .thenComparing(Candidate::stopTime)
          .thenComparing(Candidate::name);

  /**
   * Chooses the backup to restore from {@code archive}: reads its base backups and timeline
   * histories and calls {@link #choose(List, Map, Optional, RecoveryTarget, RecoveryTimeline)}.
   *
   * @throws NoSuitableBackupException if no backup qualifies
   * @throws IOException if the storage fails, or a timeline history file cannot be read (the choice
   *     would rest on a guess)
   */
  public static Choice choose(
      WalArchive archive, Optional<String> named, RecoveryTarget target, RecoveryTimeline timeline)
      throws IOException {
    requireNonNull(archive, "archive is null");
    ArchiveHistories histories = archive.histories(archive.inventory());
    for (ArchiveHistories.Skipped s : histories.skipped()) {
      if (s.name().kind() == WalFileName.Kind.TIMELINE_HISTORY) {
        throw new IOException(s + "; without it no backup can be chosen safely");
      }
    }
    List<Candidate> candidates = new ArrayList<>();
    List<BaseBackupInfo> infos = archive.baseBackups().list();
    for (BaseBackupInfo info : infos) {
      candidates.add(Candidate.of(info));
    }
    if (named.isEmpty() && target.kind() == RecoveryTarget.Kind.XID) {
      candidates = beforeXid(archive, infos, target.text().orElseThrow());
    }
    return choose(candidates, histories.timelines(), named, target, timeline);
  }

  /**
   * The complete backups a recovery to transaction {@code xid} can start from, by the transaction
   * snapshot each manifest recorded at the backup's stop: from the newest backup at whose stop the
   * transaction had not ended, that one and every older one. If no snapshot says so but some
   * backups older than every backup whose snapshot shows it ended (pushed by earlier versions)
   * recorded none, those, with a warning.
   */
  private static List<Candidate> beforeXid(
      WalArchive archive, List<BaseBackupInfo> infos, String xid) throws IOException {
    java.math.BigInteger id = new java.math.BigInteger(xid);
    List<BaseBackupInfo> complete = new ArrayList<>();
    for (BaseBackupInfo info : infos) {
      if (info.complete()) {
        complete.add(info);
      }
    }
    complete.sort(
        Comparator.comparing((BaseBackupInfo i) -> i.completed().get().stopLsn())
            .thenComparing(i -> i.completed().get().stopTime())
            .thenComparing(BaseBackupInfo::name)
            .reversed());
    List<Candidate> unknown = new ArrayList<>();
    BaseBackupInfo oldestEnded = null;
    for (int i = 0; i < complete.size(); i++) {
      BaseBackupInfo info = complete.get(i);
      Optional<Boolean> open = archive.baseBackups().manifest(info.name()).inProgressAtStop(id);
      if (open.isEmpty()) {
        unknown.add(Candidate.of(info));
      } else if (open.get()) {
        List<Candidate> result = new ArrayList<>();
        for (BaseBackupInfo older : complete.subList(i, complete.size())) {
          result.add(Candidate.of(older));
        }
        return result;
      } else {
        // it had ended before this one stopped, so before every newer one stopped as well
        oldestEnded = info;
        unknown.clear();
      }
    }
    if (!unknown.isEmpty()) {
      log.warn(
          "no base backup recorded whether transaction {} had ended when it stopped (pushed by an"
              + " earlier walarchive): choosing from {} that did not, newest first; if recovery"
              + " fails with \"recovery ended before configured recovery target was reached\","
              + " name an older backup with --backup",
          xid,
          unknown.size());
      return unknown;
    }
    if (oldestEnded == null) {
      return List.of(); // no complete backup: choose says so
    }
    throw new NoSuitableBackupException(
        "transaction "
            + xid
            + " had ended before every base backup stopped (the oldest, "
            + oldestEnded.name()
            + ", stopped at "
            + oldestEnded.completed().get().stopTime()
            + "), so no backup can recover to it; restore with --target-time or --target-lsn, or"
            + " push backups more often");
  }

  /**
   * Chooses the backup to restore.
   *
   * @param backups every backup of the archive, complete or not, in any order
   * @param histories the archive's timeline histories by timeline (timeline 1 needs none)
   * @param named the name of the backup to restore, or empty for the newest that qualifies
   * @param target where recovery stops
   * @param timeline the timeline recovery follows
   * @throws NoSuitableBackupException if no backup qualifies (or the named one does not), saying
   *     why in one line
   */
  public static Choice choose(
      List<Candidate> backups,
      Map<Long, TimelineHistory> histories,
      Optional<String> named,
      RecoveryTarget target,
      RecoveryTimeline timeline)
      throws NoSuitableBackupException {
    requireNonNull(backups, "backups is null");
    requireNonNull(histories, "histories is null");
    requireNonNull(named, "named is null");
    requireNonNull(target, "target is null");
    requireNonNull(timeline, "timeline is null");
    if (named.isPresent()) {
      return chooseNamed(backups, histories, named.get(), target, timeline);
    }
    List<Candidate> complete = new ArrayList<>();
    for (Candidate c : backups) {
      if (c.complete()) {
        complete.add(c);
      }
    }
    long incomplete = backups.size() - complete.size();
    String incompleteNote =
        incomplete == 0
            ? ""
            : " ("
                + incomplete
                + " incomplete backup"
                + (incomplete == 1 ? " is" : "s are")
                + " never restored)";
    if (complete.isEmpty()) {
      throw new NoSuitableBackupException(
          "the archive holds no complete base backup"
              + incompleteNote
              + "; take one with 'walarchive backup-push'");
    }
    complete.sort(NEWEST_LAST);
    List<Candidate> beforeTarget = new ArrayList<>();
    for (Candidate c : complete) {
      if (isBefore(c, target)) {
        beforeTarget.add(c);
      }
    }
    if (beforeTarget.isEmpty()) {
      Candidate oldest = complete.get(0);
      throw new NoSuitableBackupException(
          "no complete base backup "
              + condition(target)
              + ": the oldest, "
              + oldest.name()
              + ", "
              + stopped(oldest, target)
              + incompleteNote
              + "; choose a later target");
    }
    Candidate best = null;
    long bestTimeline = 0;
    for (Candidate c : beforeTarget) {
      long tl = timeline.resolve(c.timeline(), histories);
      if (reaches(c, tl, histories).isEmpty()) {
        best = c; // sorted oldest first: the last one that reaches wins
        bestTimeline = tl;
      }
    }
    if (best == null) {
      Candidate newest = beforeTarget.get(beforeTarget.size() - 1);
      long tl = timeline.resolve(newest.timeline(), histories);
      throw new NoSuitableBackupException(
          "no complete base backup "
              + (isBounded(target) ? "that " + condition(target) + " " : "")
              + "can reach timeline "
              + tl
              + ": "
              + reaches(newest, tl, histories).get()
              + "; give --target-timeline current (the backup's timeline) or a timeline it"
              + " reaches");
    }
    return new Choice(best, bestTimeline);
  }

  private static Choice chooseNamed(
      List<Candidate> backups,
      Map<Long, TimelineHistory> histories,
      String name,
      RecoveryTarget target,
      RecoveryTimeline timeline)
      throws NoSuitableBackupException {
    Candidate found = null;
    for (Candidate c : backups) {
      if (c.name().equals(name)) {
        found = c;
      }
    }
    if (found == null) {
      throw new NoSuitableBackupException(
          "no base backup named " + name + " in the archive; 'walarchive backup-list' lists them");
    }
    if (!found.complete()) {
      throw new NoSuitableBackupException(
          "base backup "
              + name
              + " is incomplete (its push did not finish) and cannot be restored; name a complete"
              + " one");
    }
    if (!isBefore(found, target)) {
      throw new NoSuitableBackupException(
          "base backup "
              + name
              + " "
              + stopped(found, target)
              + ", not "
              + condition(target)
              + "; name an older backup or leave out --backup");
    }
    long tl = timeline.resolve(found.timeline(), histories);
    Optional<String> why = reaches(found, tl, histories);
    if (why.isPresent()) {
      throw new NoSuitableBackupException(
          "base backup " + name + " cannot reach timeline " + tl + ": " + why.get());
    }
    return new Choice(found, tl);
  }

  /** Whether {@code c} finished before the target, as far as the target tells. */
  private static boolean isBefore(Candidate c, RecoveryTarget target) {
    return switch (target.kind()) {
      case TIME ->
          latestStop(c.stopTime()).isBefore(target.time().orElseThrow())
              || (wholeSecond(c.stopTime())
                  && latestStop(c.stopTime()).equals(target.time().orElseThrow()));
      case LSN -> c.stopLsn().compareTo(target.lsn().orElseThrow()) <= 0;
      case LATEST, NAME, XID -> true;
    };
  }

  /**
   * Whether a stop time is recorded to the second only: the {@code STOP TIME} of a {@code .backup}
   * history file has whole seconds, so the backup really stopped somewhere in [stop, stop + 1 s).
   */
  private static boolean wholeSecond(Instant stop) {
    return stop.getNano() == 0;
  }

  /** The latest moment a backup with this recorded stop time may really have stopped at. */
  private static Instant latestStop(Instant stop) {
    return wholeSecond(stop) ? stop.plusSeconds(1) : stop;
  }

  private static boolean isBounded(RecoveryTarget target) {
    return target.kind() == RecoveryTarget.Kind.TIME || target.kind() == RecoveryTarget.Kind.LSN;
  }

  private static String condition(RecoveryTarget target) {
    return switch (target.kind()) {
      case TIME -> "finished before the target time " + target.time().orElseThrow();
      case LSN -> "stopped at or before the target position " + target.lsn().orElseThrow();
      case LATEST, NAME, XID -> "exists";
    };
  }

  private static String stopped(Candidate c, RecoveryTarget target) {
    return target.kind() == RecoveryTarget.Kind.LSN
        ? "stopped at " + c.stopLsn()
        : "finished at "
            + c.stopTime()
            + (wholeSecond(c.stopTime())
                ? " (recorded to the second: before " + latestStop(c.stopTime()) + ")"
                : "");
  }

  /**
   * Empty if a recovery from {@code c} can follow timeline {@code tl}, else why not (one clause).
   */
  static Optional<String> reaches(Candidate c, long tl, Map<Long, TimelineHistory> histories) {
    if (tl == c.timeline()) {
      return Optional.empty();
    }
    TimelineHistory history = histories.get(tl);
    if (history == null) {
      return Optional.of(
          tl < c.timeline()
              ? "backup "
                  + c.name()
                  + " is on timeline "
                  + c.timeline()
                  + ", which is newer than "
                  + tl
              : "the archive holds no history file for timeline "
                  + tl
                  + " ("
                  + WalFileName.timelineHistory(tl)
                  + "), so it cannot be followed from backup "
                  + c.name()
                  + " on timeline "
                  + c.timeline());
    }
    if (!history.includes(c.timeline()) || history.timelineOf(c.startLsn()) != c.timeline()) {
      return Optional.of(
          "backup "
              + c.name()
              + " starts at "
              + c.startLsn()
              + " on timeline "
              + c.timeline()
              + ", which is not on the path to timeline "
              + tl
              + " at that position");
    }
    Lsn fork = history.endOf(c.timeline()).orElseThrow();
    if (fork.compareTo(c.stopLsn()) < 0) {
      return Optional.of(
          "timeline "
              + tl
              + " forked off timeline "
              + c.timeline()
              + " at "
              + fork
              + ", before backup "
              + c.name()
              + " stopped at "
              + c.stopLsn());
    }
    return Optional.empty();
  }
}
