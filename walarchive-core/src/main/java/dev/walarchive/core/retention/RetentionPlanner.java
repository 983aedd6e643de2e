package dev.walarchive.core.retention;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.retention.RetentionPlan.Backup;
import dev.walarchive.core.retention.RetentionPlan.Deletion;
import dev.walarchive.core.retention.RetentionPlan.KeptRange;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides what a retention policy deletes from an archive. Planning is a pure function of its
 * inputs: it reads nothing and deletes nothing, so a plan can be shown first (a dry run) and
 * applied later.
 *
 * <h2>Backups</h2>
 *
 * A base backup is known by its backup history file ({@code .backup}) in the archive listing. Its
 * details come from the parsed {@link BackupHistory}; a listed backup history file that the caller
 * could not read still counts, with its start taken from its name and its time from the listing
 * (and a warning). A backup's time is its {@code STOP TIME}, or, if that is in a time zone that is
 * not understood, the time its backup history file was archived (which PostgreSQL does when the
 * backup stops). Backups are ordered by that time, never by name: after a timeline switch to an
 * earlier point, a newer backup can have a lower segment number. The {@link RetentionPolicy}
 * decides which backups are retained:
 *
 * <ul>
 *   <li>the newest N backups;
 *   <li>pinned backups;
 *   <li>for a recovery window of D ending now: every backup that stopped within the window, the
 *       newest backup that stopped at or before its start, and, for every timeline with WAL
 *       archived within the window, the newest backup stopped at or before its start from which a
 *       restore can reach that WAL (this matters after a restore to an earlier point started a new
 *       timeline that branched off before the window's first backup).
 * </ul>
 *
 * Every other backup expires and its backup history file is deleted.
 *
 * <h2>WAL</h2>
 *
 * The kept WAL follows the timeline graph, not name order. A restore from a backup that started at
 * position S on timeline T can follow T, and any timeline whose history shows it branching off T at
 * or after S (and the timelines in between). For every retained backup, the segments (and partial
 * segments) on each of those timelines are kept from S, or from where the timeline began, onward;
 * everything newer stays, so a retained backup can be restored to any later point. Segments no
 * retained backup needs are deleted: those before the oldest WAL a retained backup needs on their
 * timeline, and every segment on a timeline no retained backup can reach (one that branched off
 * before the retained backups started, or an ancestor that ended before they started).
 *
 * <h2>What is never deleted</h2>
 *
 * <ul>
 *   <li>Anything, if the archive holds no backup (there is nothing to measure age against).
 *   <li>Timeline history files: they are tiny, every timeline's restore needs its own and its
 *       ancestors', and PostgreSQL looks for the highest existing one to choose a new timeline at
 *       promotion, so deleting one could let a timeline number be used twice.
 *   <li>Segments of a timeline above 1 whose history is not known: without it the planner cannot
 *       tell which backups need them (with a warning).
 *   <li>Storage keys that are not WAL file names, and names impossible for the archive's segment
 *       size: those are not in the inventory's entries, or are left alone with a warning.
 * </ul>
 */
public final class RetentionPlanner {
  private RetentionPlanner() {}

  /**
   * Plans retention for an archive.
   *
   * @param inventory the archive listing; its segment size is needed to delete anything
   * @param backups the parsed backup history files of the archive (those not in the listing are
   *     ignored with a warning)
   * @param histories the parsed timeline history files, by timeline (timeline 1 needs none)
   * @param policy which backups to retain
   * @param now the end of the recovery window
   * @throws IllegalArgumentException if a history is filed under another timeline, or two different
   *     backup histories have the same name
   */
  public static RetentionPlan plan(
      ArchiveInventory inventory,
      List<BackupHistory> backups,
      Map<Long, TimelineHistory> histories,
      RetentionPolicy policy,
      Instant now) {
    requireNonNull(inventory, "inventory is null");
    requireNonNull(backups, "backups is null");
    requireNonNull(policy, "policy is null");
    requireNonNull(now, "now is null");
    return new Planning(inventory, backups, new TimelineGraph(histories), policy, now).run();
  }

  /**
   * Plans retention for an archive from what {@code WalArchive} read of it: as {@link #plan(
   * ArchiveInventory, List, Map, RetentionPolicy, Instant)}, with every backup pinned in the
   * archive added to the policy's pins, and the skipped history files reported first among the
   * warnings. {@code WalArchive.planRetention} reads the archive and calls this.
   *
   * @param inventory the archive listing
   * @param histories the history files read from the archive, with those that were skipped
   * @param archivePins the backups pinned in the archive
   * @param policy which backups to retain besides the pinned ones
   * @param now the end of the recovery window
   */
  public static RetentionPlan plan(
      ArchiveInventory inventory,
      ArchiveHistories histories,
      Set<WalFileName> archivePins,
      RetentionPolicy policy,
      Instant now) {
    requireNonNull(histories, "histories is null");
    requireNonNull(archivePins, "archivePins is null");
    requireNonNull(policy, "policy is null");
    RetentionPolicy.Builder merged = policy.toBuilder();
    archivePins.forEach(merged::pin);
    RetentionPlan plan =
        plan(inventory, histories.backups(), histories.timelines(), merged.build(), now);
    List<String> warnings = new ArrayList<>();
    for (ArchiveHistories.Skipped s : histories.skipped()) {
      warnings.add(s.toString());
    }
    warnings.addAll(plan.warnings());
    return new RetentionPlan(
        plan.policy(),
        plan.now(),
        plan.retainedBackups(),
        plan.expiredBackups(),
        plan.kept(),
        plan.deletions(),
        warnings,
        archivePins,
        histories.skipped());
  }

  /**
   * The plan with the WAL of base backups that are still being taken kept. Such a backup has no
   * backup history file yet, so the planner does not know it; {@code WalArchive.planRetention}
   * finds it by its lease and calls this. For each entry of {@code firstSegments} (the segment a
   * running backup starts in, its timeline and number), no segment or partial segment on that
   * timeline with that number or a later one is deleted; those the plan would have deleted are
   * reported as a {@link KeptRange} with the entry's value as the reason. Every other deletion
   * stays, in its order. A running backup does not count as a backup for the policy (it cannot be
   * restored yet).
   *
   * @param plan a plan
   * @param firstSegments the first segment of each running backup, with a description of it
   * @param warnings added to the plan's warnings
   * @param segmentSize the archive's segment size
   * @throws IllegalArgumentException if a key of {@code firstSegments} is not a segment name
   */
  public static RetentionPlan keepRunningBackups(
      RetentionPlan plan,
      Map<WalFileName, String> firstSegments,
      List<String> warnings,
      WalSegmentSize segmentSize) {
    requireNonNull(plan, "plan is null");
    requireNonNull(firstSegments, "firstSegments is null");
    requireNonNull(warnings, "warnings is null");
    requireNonNull(segmentSize, "segmentSize is null");
    Map<Long, TreeMap<Long, String>> from = new TreeMap<>();
    for (Map.Entry<WalFileName, String> e : firstSegments.entrySet()) {
      WalFileName first = e.getKey();
      if (first.kind() != WalFileName.Kind.SEGMENT) {
        throw new IllegalArgumentException(first + " is not a segment name");
      }
      requireNonNull(e.getValue(), "a description is null");
      from.computeIfAbsent(first.timeline(), t -> new TreeMap<>())
          .put(first.segmentNumber(segmentSize), e.getValue());
    }
    List<Deletion> deletions = new ArrayList<>();
    Map<String, Map<Long, Run>> kept = new TreeMap<>();
    for (Deletion d : plan.deletions()) {
      WalFileName name = d.name();
      TreeMap<Long, String> starts = from.get(name.timeline());
      Map.Entry<Long, String> runningSince = null;
      if (starts != null
          && (name.kind() == WalFileName.Kind.SEGMENT
              || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT)) {
        long segment;
        try {
          segment = name.segmentNumber(segmentSize);
        } catch (IllegalArgumentException e) {
          segment = -1;
        }
        runningSince = segment < 0 ? null : starts.floorEntry(segment);
      }
      if (runningSince == null) {
        deletions.add(d);
      } else {
        // the backup that started first of those that need it
        String reason = starts.firstEntry().getValue();
        kept.computeIfAbsent(reason, r -> new TreeMap<>())
            .computeIfAbsent(name.timeline(), t -> new Run())
            .add(name);
      }
    }
    List<KeptRange> ranges = new ArrayList<>(plan.kept());
    kept.forEach(
        (reason, byTimeline) ->
            byTimeline.forEach(
                (timeline, run) ->
                    ranges.add(new KeptRange(timeline, run.first, run.last, run.files, reason))));
    ranges.sort(Comparator.comparingLong(KeptRange::timeline));
    List<String> allWarnings = new ArrayList<>(plan.warnings());
    allWarnings.addAll(warnings);
    return new RetentionPlan(
        plan.policy(),
        plan.now(),
        plan.retainedBackups(),
        plan.expiredBackups(),
        ranges,
        deletions,
        allWarnings,
        plan.archivePins(),
        plan.skipped());
  }

  /** A backup found in the listing, with what the planner needs to know about it. */
  private record Candidate(WalFileName name, long timeline, Lsn start, Instant time) {}

  /** The oldest WAL retained backups need on one timeline. */
  private static final class Claim {
    long fromSegment;
    Candidate backup;
    Lsn from;
    final List<WalFileName> backups = new ArrayList<>();
  }

  /** Kept files on one timeline, for the report. */
  private static final class Run {
    WalFileName first;
    WalFileName last;
    long files;

    void add(WalFileName name) {
      if (first == null) {
        first = name;
      }
      last = name;
      files++;
    }
  }

  private static final class Planning {
    private final ArchiveInventory inventory;
    private final List<BackupHistory> backups;
    private final TimelineGraph graph;
    private final RetentionPolicy policy;
    private final Instant now;
    private final WalSegmentSize segmentSize;
    private final List<String> warnings = new ArrayList<>();

    Planning(
        ArchiveInventory inventory,
        List<BackupHistory> backups,
        TimelineGraph graph,
        RetentionPolicy policy,
        Instant now) {
      this.inventory = inventory;
      this.backups = backups;
      this.graph = graph;
      this.policy = policy;
      this.now = now;
      this.segmentSize = inventory.segmentSize().orElse(null);
    }

    RetentionPlan run() {
      List<Candidate> candidates = candidates();
      Map<WalFileName, List<String>> retainedReasons = decide(candidates);
      List<Backup> retained = new ArrayList<>();
      List<Backup> expired = new ArrayList<>();
      String expiredReason = expiredReason();
      for (Candidate c : candidates) {
        List<String> reasons = retainedReasons.get(c.name());
        if (reasons != null) {
          retained.add(backup(c, String.join("; ", reasons)));
        } else {
          expired.add(backup(c, expiredReason));
        }
      }
      if (candidates.isEmpty()) {
        warnings.add("the archive holds no base backup: nothing is deleted");
        return new RetentionPlan(
            policy, now, retained, expired, List.of(), List.of(), List.copyOf(warnings));
      }
      if (segmentSize == null) {
        warnings.add("the archive's WAL segment size is not known: nothing is deleted");
        return new RetentionPlan(
            policy, now, retained, expired, List.of(), List.of(), List.copyOf(warnings));
      }
      List<Candidate> retainedCandidates = new ArrayList<>();
      for (Candidate c : candidates) {
        if (retainedReasons.containsKey(c.name())) {
          retainedCandidates.add(c);
        }
      }
      return files(retainedCandidates, retained, expired);
    }

    private static Backup backup(Candidate c, String reason) {
      return new Backup(c.name(), c.timeline(), c.start(), c.time(), reason);
    }

    /** The backups in the listing, newest first. */
    private List<Candidate> candidates() {
      Map<WalFileName, BackupHistory> parsed = new HashMap<>();
      for (BackupHistory history : backups) {
        requireNonNull(history, "backups contains null");
        BackupHistory previous = parsed.put(history.fileName(), history);
        if (previous != null && !previous.equals(history)) {
          throw new IllegalArgumentException(
              "backups holds two different histories named " + history.fileName());
        }
      }
      List<Candidate> candidates = new ArrayList<>();
      for (ArchiveInventory.Entry entry : inventory.entries()) {
        WalFileName name = entry.name();
        if (name.kind() != WalFileName.Kind.BACKUP_HISTORY) {
          continue;
        }
        BackupHistory history = parsed.remove(name);
        if (history != null) {
          Optional<Instant> stop = history.stopTime();
          if (stop.isEmpty()) {
            warnings.add(
                "backup "
                    + name
                    + ": its STOP TIME "
                    + RetentionPolicy.quote(history.stopTimeText())
                    + " is in a time zone that is not understood; using the time its backup"
                    + " history file was archived, "
                    + entry.lastModified());
          }
          candidates.add(
              new Candidate(
                  name,
                  history.startTimeline(),
                  history.startLsn(),
                  stop.orElse(entry.lastModified())));
        } else if (segmentSize == null) {
          warnings.add(
              "backup history file "
                  + name
                  + " was not read and the segment size is not known: it is left alone");
        } else {
          Lsn start;
          try {
            start = name.backupStartLsn(segmentSize);
          } catch (IllegalArgumentException e) {
            warnings.add(
                "backup history file "
                    + name
                    + " is impossible with "
                    + segmentSize.bytes()
                    + "-byte segments: it is left alone and does not count as a backup");
            continue;
          }
          warnings.add(
              "backup history file "
                  + name
                  + " was not read: the backup's start is taken from its name and its time from"
                  + " the listing ("
                  + entry.lastModified()
                  + ")");
          candidates.add(new Candidate(name, name.timeline(), start, entry.lastModified()));
        }
      }
      parsed.keySet().stream()
          .sorted()
          .forEach(
              name ->
                  warnings.add(
                      "backup history " + name + " is not in the archive listing: ignored"));
      candidates.sort(
          Comparator.comparing(Candidate::time)
              .thenComparing(Candidate::start)
              .thenComparing(Candidate::name)
              .reversed());
      return candidates;
    }

    /** The retained backups, each with why. */
    private Map<WalFileName, List<String>> decide(List<Candidate> candidates) {
      Map<WalFileName, List<String>> reasons = new LinkedHashMap<>();
      int keep = policy.keepBackups().orElse(0);
      for (int i = 0; i < keep && i < candidates.size(); i++) {
        add(
            reasons,
            candidates.get(i),
            keep == 1 ? "the newest backup" : "one of the newest " + keep + " backups");
      }
      Set<WalFileName> names = new HashSet<>();
      for (Candidate c : candidates) {
        names.add(c.name());
        if (policy.pinned().contains(c.name())) {
          add(reasons, c, "pinned");
        }
      }
      for (WalFileName pin : policy.pinned()) {
        if (!names.contains(pin)) {
          warnings.add("pinned backup " + pin + " is not in the archive");
        }
      }
      Optional<Duration> window = policy.recoveryWindow();
      if (window.isPresent()) {
        Instant cutoff = cutoff(window.get());
        Candidate anchor = null;
        for (Candidate c : candidates) {
          if (c.time().isAfter(cutoff)) {
            add(reasons, c, "stopped within the recovery window (after " + cutoff + ")");
          } else if (anchor == null) {
            anchor = c;
            add(
                reasons,
                c,
                "recovery window anchor: the newest backup that stopped at or before " + cutoff);
          }
        }
        if (segmentSize != null) {
          timelineAnchors(candidates, cutoff, anchor, reasons);
        }
      }
      return reasons;
    }

    /**
     * For each timeline with WAL archived after {@code cutoff}, retains the newest backup stopped
     * at or before {@code cutoff} that can reach that WAL, if the window's anchor cannot.
     */
    private void timelineAnchors(
        List<Candidate> candidates,
        Instant cutoff,
        Candidate anchor,
        Map<WalFileName, List<String>> reasons) {
      Map<Long, Long> newestInWindow = new TreeMap<>();
      for (ArchiveInventory.Entry entry : inventory.entries()) {
        long segment = segmentNumber(entry.name());
        if (segment >= 0 && entry.lastModified().isAfter(cutoff)) {
          newestInWindow.merge(entry.name().timeline(), segment, Math::max);
        }
      }
      Map<WalFileName, Map<Long, Lsn>> reaches = new HashMap<>();
      for (Map.Entry<Long, Long> timeline : newestInWindow.entrySet()) {
        for (Candidate c : candidates) {
          if (c.time().isAfter(cutoff)) {
            continue;
          }
          Map<Long, Lsn> reach =
              reaches.computeIfAbsent(c.name(), n -> graph.reach(c.timeline(), c.start()));
          Lsn from = reach.get(timeline.getKey());
          if (from != null && from.segmentNumber(segmentSize) <= timeline.getValue()) {
            if (c != anchor) {
              add(
                  reasons,
                  c,
                  "recovery window anchor for timeline "
                      + timeline.getKey()
                      + ": the newest backup that stopped at or before "
                      + cutoff
                      + " and reaches its WAL archived since");
            }
            break;
          }
        }
      }
    }

    private static void add(
        Map<WalFileName, List<String>> reasons, Candidate candidate, String reason) {
      reasons.computeIfAbsent(candidate.name(), n -> new ArrayList<>()).add(reason);
    }

    private String expiredReason() {
      List<String> parts = new ArrayList<>();
      policy
          .keepBackups()
          .ifPresent(
              n ->
                  parts.add(
                      n == 1 ? "not the newest backup" : "not among the newest " + n + " backups"));
      policy
          .recoveryWindow()
          .ifPresent(
              d ->
                  parts.add(
                      "stopped at or before "
                          + cutoff(d)
                          + " and not needed to restore any point of the "
                          + RetentionPolicy.formatDuration(d)
                          + " recovery window"));
      parts.add("not pinned");
      return "expired: " + String.join("; ", parts);
    }

    /** The start of a recovery window of {@code window} that ends now. */
    private Instant cutoff(Duration window) {
      try {
        return now.minus(window);
      } catch (DateTimeException | ArithmeticException e) {
        return Instant.MIN; // a window longer than time itself
      }
    }

    /** The segment number of a segment or partial segment, or -1 for any other file. */
    private long segmentNumber(WalFileName name) {
      if (name.kind() != WalFileName.Kind.SEGMENT
          && name.kind() != WalFileName.Kind.PARTIAL_SEGMENT) {
        return -1;
      }
      try {
        return name.segmentNumber(segmentSize);
      } catch (IllegalArgumentException e) {
        return -1;
      }
    }

    private RetentionPlan files(
        List<Candidate> retained, List<Backup> retainedBackups, List<Backup> expired) {
      Map<Long, Claim> claims = new TreeMap<>();
      for (Candidate c : retained) {
        graph
            .reach(c.timeline(), c.start())
            .forEach(
                (timeline, from) -> {
                  long fromSegment = from.segmentNumber(segmentSize);
                  Claim claim = claims.computeIfAbsent(timeline, t -> new Claim());
                  if (claim.backup == null || fromSegment < claim.fromSegment) {
                    claim.fromSegment = fromSegment;
                    claim.backup = c;
                    claim.from = from;
                  }
                  claim.backups.add(c.name());
                });
      }
      Set<WalFileName> expiredNames = new HashSet<>();
      Map<WalFileName, String> expiredReasons = new HashMap<>();
      for (Backup b : expired) {
        expiredNames.add(b.name());
        expiredReasons.put(b.name(), b.reason());
      }
      Instant newestRetained = retained.get(0).time();
      List<Deletion> backupDeletions = new ArrayList<>();
      List<Deletion> walDeletions = new ArrayList<>();
      Map<Long, Run> runs = new TreeMap<>();
      Map<Long, Run> unknown = new TreeMap<>();
      Set<Long> liveWarned = new HashSet<>();
      Set<WalFileName> impossible = new TreeSet<>();
      for (ArchiveInventory.Entry entry : inventory.entries()) {
        WalFileName name = entry.name();
        switch (name.kind()) {
          case TIMELINE_HISTORY -> {}
          case BACKUP_HISTORY -> {
            if (expiredNames.contains(name)) {
              backupDeletions.add(new Deletion(name, entry.storedSize(), expiredReasons.get(name)));
            }
          }
          case SEGMENT, PARTIAL_SEGMENT -> {
            long segment = segmentNumber(name);
            long timeline = name.timeline();
            if (segment < 0) {
              impossible.add(name);
            } else if (!graph.isKnown(timeline)) {
              unknown.computeIfAbsent(timeline, t -> new Run()).add(name);
            } else {
              Claim claim = claims.get(timeline);
              if (claim != null && segment >= claim.fromSegment) {
                runs.computeIfAbsent(timeline, t -> new Run()).add(name);
              } else {
                if (claim == null
                    && entry.lastModified().isAfter(newestRetained)
                    && liveWarned.add(timeline)) {
                  warnings.add(
                      "timeline "
                          + timeline
                          + " has WAL archived after the newest retained backup stopped ("
                          + newestRetained
                          + "), but no retained backup can reach it, so its segments are deleted;"
                          + " if a server runs on timeline "
                          + timeline
                          + ", take a base backup of it first");
                }
                walDeletions.add(
                    new Deletion(
                        name, entry.storedSize(), walReason(timeline, segment, claim, retained)));
              }
            }
          }
        }
      }
      List<KeptRange> kept = new ArrayList<>();
      Set<Long> timelines = new TreeSet<>(runs.keySet());
      timelines.addAll(unknown.keySet());
      for (long timeline : timelines) {
        Run run = runs.get(timeline);
        if (run != null) {
          kept.add(
              new KeptRange(
                  timeline, run.first, run.last, run.files, keptReason(claims.get(timeline))));
        } else {
          run = unknown.get(timeline);
          String reason =
              "timeline "
                  + timeline
                  + " has no known history (file "
                  + WalFileName.timelineHistory(timeline)
                  + " missing or not read), so the planner cannot tell which backups need it:"
                  + " kept whole";
          warnings.add(reason + " (" + run.files + " files)");
          kept.add(new KeptRange(timeline, run.first, run.last, run.files, reason));
        }
      }
      if (!impossible.isEmpty()) {
        warnings.add(
            impossible.size()
                + " segment name(s) impossible with "
                + segmentSize.bytes()
                + "-byte segments (such as "
                + impossible.iterator().next()
                + ") are left alone");
      }
      List<Deletion> deletions = new ArrayList<>(backupDeletions);
      deletions.addAll(walDeletions);
      return new RetentionPlan(policy, now, retainedBackups, expired, kept, deletions, warnings);
    }

    private static String keptReason(Claim claim) {
      StringBuilder reason =
          new StringBuilder("needed by backup ")
              .append(claim.backup.name())
              .append(" (timeline ")
              .append(claim.backup.timeline())
              .append(" from ")
              .append(claim.backup.start())
              .append(')');
      List<WalFileName> others = new ArrayList<>(claim.backups);
      others.remove(claim.backup.name());
      if (!others.isEmpty()) {
        reason.append("; also by ");
        for (int i = 0; i < others.size(); i++) {
          reason.append(i == 0 ? "" : ", ").append(others.get(i));
        }
      }
      return reason.toString();
    }

    /**
     * Reasons by timeline ({claimed or unreachable, then one per retained backup whose path leaves
     * the timeline}), so that a million deletions share a few strings.
     */
    private final Map<Long, String[]> reasons = new HashMap<>();

    /** Per timeline: for each retained backup whose path leaves it, the last segment it keeps. */
    private final Map<Long, long[]> leaves = new HashMap<>();

    private String walReason(long timeline, long segment, Claim claim, List<Candidate> retained) {
      String[] known = reasons.computeIfAbsent(timeline, t -> new String[retained.size() + 1]);
      if (claim != null) {
        if (known[0] == null) {
          known[0] = explainWal(timeline, segment, claim, retained);
        }
        return known[0];
      }
      long[] ends =
          leaves.computeIfAbsent(
              timeline,
              t -> {
                long[] result = new long[retained.size()];
                for (int i = 0; i < retained.size(); i++) {
                  Optional<Lsn> end = graph.endOf(t, retained.get(i).timeline());
                  result[i] = end.isPresent() ? end.get().segmentNumber(segmentSize) : -1;
                }
                return result;
              });
      int which = 0; // not reachable
      for (int i = 0; i < ends.length; i++) {
        if (segment <= ends[i]) {
          which = i + 1;
          break;
        }
      }
      if (known[which] == null) {
        known[which] = explainWal(timeline, segment, null, retained);
      }
      return known[which];
    }

    private String explainWal(long timeline, long segment, Claim claim, List<Candidate> retained) {
      if (claim != null) {
        return "before "
            + WalFileName.segment(timeline, claim.fromSegment, segmentSize)
            + ", the oldest WAL on timeline "
            + timeline
            + " a retained backup needs (backup "
            + claim.backup.name()
            + " from "
            + claim.from
            + ")";
      }
      for (Candidate c : retained) {
        Optional<Lsn> end = graph.endOf(timeline, c.timeline());
        if (end.isPresent() && segment <= end.get().segmentNumber(segmentSize)) {
          return "the path to timeline "
              + c.timeline()
              + " leaves timeline "
              + timeline
              + " at "
              + end.get()
              + ", before the retained backups on timeline "
              + c.timeline()
              + " started";
        }
      }
      return "timeline " + timeline + " is not reachable from any retained backup";
    }
  }
}
