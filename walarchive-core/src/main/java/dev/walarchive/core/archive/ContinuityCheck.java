package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks that every backup in an archive can be recovered to the end of every timeline it can
 * reach: for each backup and each end of a timeline path that descends from it, every segment a
 * recovery reads from the backup's start to the end of that timeline's archived WAL must be in the
 * archive. A pure function of one listing, the backup history files and the timeline history files.
 *
 * <p>A timeline is reachable from a backup if it is the backup's timeline or, as PostgreSQL decides
 * it, the backup's checkpoint lies on the backup's timeline in that timeline's history ({@link
 * TimelineHistory#timelineOf}): it branched off strictly after the checkpoint record. The ends
 * checked for a backup are the leaves of the timeline graph reachable from the backup's timeline,
 * and also every timeline that kept archiving after all its reachable descendants branched off it
 * (its WAL past the branch points is on no descendant's path). That is the case of a primary that
 * goes on while a test restore, promoted to a new timeline, archives into the same archive: both
 * timelines are checked, and {@link #divergences} names the pair.
 *
 * <p>Time grows with the size of the listing (building the inventory) plus, per backup and
 * timeline, with the number of timeline switches and gaps, not with the number of segments.
 */
public final class ContinuityCheck {
  /**
   * Consecutive missing segments.
   *
   * @param first first missing segment
   * @param last last missing segment
   * @param count how many
   */
  public record Missing(WalFileName first, WalFileName last, long count) {
    @Override
    public String toString() {
      return count == 1 ? first.name() : first + ".." + last + " (" + count + " segments)";
    }
  }

  /**
   * The result for one backup and one timeline it can be recovered to.
   *
   * @param backup the backup
   * @param timeline the timeline recovered to (a leaf of the timeline graph descending from the
   *     backup's timeline, or a timeline that kept growing after its descendants branched off)
   * @param end the end of the archived WAL on that path
   * @param required number of segments the recovery reads
   * @param missing missing segments, in WAL order
   * @param problems other problems, e.g. a timeline history file that is missing
   */
  public record Result(
      BackupHistory backup,
      long timeline,
      Lsn end,
      long required,
      List<Missing> missing,
      List<String> problems) {
    /** Whether the backup can be recovered to the end of this timeline. */
    public boolean isComplete() {
      return missing.isEmpty() && problems.isEmpty();
    }
  }

  /**
   * A timeline that kept archiving WAL after another timeline branched off it: two servers
   * (typically production and a promoted test restore) archive into one archive side by side.
   *
   * @param timeline the timeline that kept growing (the parent)
   * @param branch the timeline that branched off it
   * @param branchPoint where {@code branch} left {@code timeline}
   * @param branchArchived when the branch's first file (its history file or a segment) was archived
   * @param segmentsAfterBranch full segments archived on {@code timeline} after the last one that
   *     holds WAL from before the branch point
   * @param newest the newest segment of {@code timeline}, archived after {@code branchArchived}
   * @param branchNewest the newest segment of {@code branch}, if it has one
   */
  public record Divergence(
      long timeline,
      long branch,
      Lsn branchPoint,
      Instant branchArchived,
      long segmentsAfterBranch,
      ArchiveInventory.Entry newest,
      Optional<ArchiveInventory.Entry> branchNewest) {}

  private ContinuityCheck() {}

  /**
   * Checks every backup in {@code backups} against {@code inventory}.
   *
   * @param histories the archived timeline history files by timeline (timeline 1 needs none)
   */
  public static List<Result> check(
      ArchiveInventory inventory,
      List<BackupHistory> backups,
      Map<Long, TimelineHistory> histories) {
    requireNonNull(inventory, "inventory is null");
    requireNonNull(backups, "backups is null");
    requireNonNull(histories, "histories is null");
    Optional<WalSegmentSize> maybeSize = inventory.segmentSize();
    List<Result> results = new ArrayList<>();
    if (maybeSize.isEmpty()) {
      for (BackupHistory b : backups) {
        results.add(
            new Result(
                b,
                b.startTimeline(),
                b.stopLsn(),
                0,
                List.of(),
                List.of("the archive holds no WAL segment")));
      }
      return results;
    }
    WalSegmentSize size = maybeSize.get();
    TreeSet<Long> timelines = new TreeSet<>(histories.keySet());
    timelines.add(1L);
    for (long t : inventory.segmentTimelines()) {
      timelines.add(t);
    }
    Map<Long, long[]> partials = new TreeMap<>();
    for (WalFileName n : inventory.files(WalFileName.Kind.PARTIAL_SEGMENT)) {
      timelines.add(n.timeline());
      try {
        long number = n.segmentNumber(size);
        partials.merge(n.timeline(), new long[] {number}, ContinuityCheck::concat);
      } catch (IllegalArgumentException e) {
        // impossible with this segment size: never needed
      }
    }
    partials.values().forEach(Arrays::sort);
    for (BackupHistory backup : backups) {
      results.addAll(checkBackup(inventory, size, backup, histories, timelines, partials));
    }
    return results;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] result = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, result, a.length, b.length);
    return result;
  }

  private static List<Result> checkBackup(
      ArchiveInventory inventory,
      WalSegmentSize size,
      BackupHistory backup,
      Map<Long, TimelineHistory> histories,
      TreeSet<Long> timelines,
      Map<Long, long[]> partials) {
    long origin = backup.startTimeline();
    // timelines a recovery from this backup can reach: the backup's own, and those in whose
    // history the backup's checkpoint lies on the backup's timeline (PostgreSQL's test in
    // xlogrecovery.c: tliOfPointInHistory(checkpoint, target's history) == the checkpoint's
    // timeline, else "requested timeline is not a child of this server's history")
    Map<Long, TimelineHistory> reachable = new TreeMap<>();
    List<String> unknown = new ArrayList<>();
    for (long t : timelines) {
      TimelineHistory h = history(t, histories);
      if (h == null) {
        if (t > origin) {
          unknown.add(
              "timeline "
                  + t
                  + " has WAL but no history file "
                  + WalFileName.timelineHistory(t)
                  + " in the archive");
        }
        continue;
      }
      if (t == origin) {
        reachable.put(t, h);
      } else if (t > origin && h.timelineOf(backup.checkpointLsn()) == origin) {
        reachable.put(t, h);
      }
    }
    List<Result> results = new ArrayList<>();
    for (Map.Entry<Long, TimelineHistory> target : reachable.entrySet()) {
      long t = target.getKey();
      if (!isPathEnd(t, reachable, inventory, size)) {
        continue;
      }
      TimelineHistory h = target.getValue();
      Lsn end = endOfArchivedWal(h, inventory, size);
      Lsn backupEnd = Lsn.ofSegment(backup.stopLsn().segmentNumber(size) + 1, 0, size);
      if (end.compareTo(backupEnd) < 0) {
        end = backupEnd;
      }
      List<WalFileName> required = h.segmentsForRecovery(backup.startLsn(), end, size);
      List<Missing> missing = missing(inventory, runs(required, size), partials, size);
      results.add(new Result(backup, t, end, required.size(), missing, List.copyOf(unknown)));
    }
    if (results.isEmpty()) {
      results.add(
          new Result(
              backup,
              origin,
              backup.stopLsn(),
              0,
              List.of(),
              List.of("no timeline history leads from timeline " + origin)));
    }
    return results;
  }

  /**
   * Whether the path to {@code t} must be checked on its own: {@code t} is a leaf among the
   * reachable timelines, or it has archived segments past the last one its reachable descendants
   * read of it.
   */
  private static boolean isPathEnd(
      long t,
      Map<Long, TimelineHistory> reachable,
      ArchiveInventory inventory,
      WalSegmentSize size) {
    long leftAt = -1;
    boolean hasDescendant = false;
    for (TimelineHistory h : reachable.values()) {
      if (h.timeline() != t && h.includes(t)) {
        hasDescendant = true;
        leftAt = Math.max(leftAt, lastSegmentBefore(h.endOf(t).orElseThrow(), size));
      }
    }
    return !hasDescendant || inventory.newestSegmentNumber(t) > leftAt;
  }

  /** The segment holding the byte before {@code point}: the last one read before a switch. */
  private static long lastSegmentBefore(Lsn point, WalSegmentSize size) {
    return point.equals(Lsn.ZERO) ? -1 : Lsn.of(point.value() - 1).segmentNumber(size);
  }

  private static TimelineHistory history(long timeline, Map<Long, TimelineHistory> histories) {
    if (timeline == 1) {
      return histories.getOrDefault(1L, TimelineHistory.ofFirstTimeline());
    }
    return histories.get(timeline);
  }

  /** The end of the newest archived segment on the path to {@code h}'s timeline. */
  private static Lsn endOfArchivedWal(
      TimelineHistory h, ArchiveInventory inventory, WalSegmentSize size) {
    long newest = inventory.newestSegmentNumber(h.timeline());
    if (newest >= 0) {
      return Lsn.ofSegment(newest + 1, 0, size);
    }
    // nothing archived on this timeline yet: the path ends where it began
    List<TimelineHistory.Entry> entries = h.entries();
    return entries.isEmpty() ? Lsn.ZERO : entries.get(entries.size() - 1).switchPoint();
  }

  /**
   * Splits the segments a recovery reads ({@link TimelineHistory#segmentsForRecovery}) into runs of
   * consecutive segments on one timeline, each {timeline, first, last}, without walking the list:
   * each timeline appears in one run, so the end of a run is found by bisection.
   */
  static List<long[]> runs(List<WalFileName> required, WalSegmentSize size) {
    List<long[]> runs = new ArrayList<>();
    int i = 0;
    int n = required.size();
    while (i < n) {
      WalFileName first = required.get(i);
      long timeline = first.timeline();
      long number = first.segmentNumber(size);
      int lo = i;
      int hi = n - 1;
      while (lo < hi) {
        int mid = (lo + hi + 1) >>> 1;
        WalFileName m = required.get(mid);
        if (m.timeline() == timeline && m.segmentNumber(size) == number + (mid - i)) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      runs.add(new long[] {timeline, number, number + (lo - i)});
      i = lo + 1;
    }
    return runs;
  }

  private static List<Missing> missing(
      ArchiveInventory inventory,
      List<long[]> runs,
      Map<Long, long[]> partials,
      WalSegmentSize size) {
    List<Missing> result = new ArrayList<>();
    for (int r = 0; r < runs.size(); r++) {
      long timeline = runs.get(r)[0];
      long first = runs.get(r)[1];
      long last = runs.get(r)[2];
      if (inventory.countSegments(timeline, first, last) == last - first + 1) {
        continue;
      }
      long[] next = r + 1 < runs.size() ? runs.get(r + 1) : null;
      for (long[] gap : inventory.missingSegments(timeline, first, last)) {
        long from = gap[0];
        long to = gap[1];
        // a switch segment's old-timeline copy is not needed when the new timeline's is there
        if (to == last
            && next != null
            && next[1] == last
            && inventory.countSegments(next[0], last, last) > 0) {
          to--;
        }
        long[] partial = partials.getOrDefault(timeline, new long[0]);
        long runStart = from;
        int p = Arrays.binarySearch(partial, from);
        for (p = p >= 0 ? p : -p - 1; p < partial.length && partial[p] <= to; p++) {
          // a .partial file holds what a recovery needs of its segment
          if (partial[p] > runStart) {
            result.add(missing(timeline, runStart, partial[p] - 1, size));
          }
          runStart = partial[p] + 1;
        }
        if (runStart <= to) {
          result.add(missing(timeline, runStart, to, size));
        }
      }
    }
    return result;
  }

  private static Missing missing(long timeline, long first, long last, WalSegmentSize size) {
    return new Missing(
        WalFileName.segment(timeline, first, size),
        WalFileName.segment(timeline, last, size),
        last - first + 1);
  }

  /**
   * Finds timelines that kept archiving after another timeline branched off them: for each timeline
   * history, whether its parent has full segments past the segment that holds the branch point, the
   * newest of them archived after the branch's first file. That is what a test restore promoted
   * into the production archive looks like while the primary goes on, and it misleads later
   * restores: PostgreSQL's default {@code recovery_target_timeline='latest'} follows the branch.
   *
   * @param histories the archived timeline history files by timeline
   */
  public static List<Divergence> divergences(
      ArchiveInventory inventory, Map<Long, TimelineHistory> histories) {
    requireNonNull(inventory, "inventory is null");
    requireNonNull(histories, "histories is null");
    List<Divergence> result = new ArrayList<>();
    Optional<WalSegmentSize> maybeSize = inventory.segmentSize();
    if (maybeSize.isEmpty()) {
      return result;
    }
    WalSegmentSize size = maybeSize.get();
    for (TimelineHistory h : new TreeMap<>(histories).values()) {
      List<Long> ancestry = h.ancestry();
      if (ancestry.size() < 2) {
        continue;
      }
      long branch = h.timeline();
      long parent = ancestry.get(1);
      Lsn branchPoint = h.endOf(parent).orElseThrow();
      long branchSegment = lastSegmentBefore(branchPoint, size);
      long newestNumber = inventory.newestSegmentNumber(parent);
      if (newestNumber <= branchSegment) {
        continue;
      }
      Optional<Instant> born = inventory.archivedAt(h.fileName());
      Optional<ArchiveInventory.Entry> firstOnBranch = inventory.firstSegmentAfter(branch, -1);
      if (firstOnBranch.isPresent()
          && (born.isEmpty() || firstOnBranch.get().lastModified().isBefore(born.get()))) {
        born = Optional.of(firstOnBranch.get().lastModified());
      }
      ArchiveInventory.Entry newest = inventory.newestSegment(parent).orElseThrow();
      if (born.isEmpty() || !newest.lastModified().isAfter(born.get())) {
        continue; // the parent's last segments predate the branch: an ordinary failover
      }
      result.add(
          new Divergence(
              parent,
              branch,
              branchPoint,
              born.get(),
              inventory.countSegments(parent, branchSegment + 1, newestNumber),
              newest,
              inventory.newestSegment(branch)));
    }
    return result;
  }
}
