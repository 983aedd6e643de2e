package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks that every backup in an archive can be recovered to the newest archived WAL: for each
 * backup and each newest timeline that descends from it, every segment a recovery reads from the
 * backup's start to the end of that timeline's archived WAL must be in the archive. A pure function
 * of one listing, the backup history files and the timeline history files.
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
   * @param timeline the timeline recovered to (a newest timeline descending from the backup's)
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
    Map<Long, Long> newestSegment = new TreeMap<>();
    TreeSet<Long> timelines = new TreeSet<>(histories.keySet());
    timelines.add(1L);
    for (ArchiveInventory.Entry e : inventory.entries()) {
      WalFileName n = e.name();
      if (n.kind() == WalFileName.Kind.SEGMENT || n.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
        timelines.add(n.timeline());
        if (n.kind() == WalFileName.Kind.SEGMENT) {
          newestSegment.merge(n.timeline(), n.segmentNumber(size), Math::max);
        }
      }
    }
    for (BackupHistory backup : backups) {
      results.addAll(checkBackup(inventory, size, backup, histories, timelines, newestSegment));
    }
    return results;
  }

  private static List<Result> checkBackup(
      ArchiveInventory inventory,
      WalSegmentSize size,
      BackupHistory backup,
      Map<Long, TimelineHistory> histories,
      TreeSet<Long> timelines,
      Map<Long, Long> newestSegment) {
    long origin = backup.startTimeline();
    // timelines a recovery from this backup can reach: the backup's own, and those branching
    // from it at or after the backup's start
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
      } else if (t > origin && h.includes(origin)) {
        Lsn branch = h.endOf(origin).orElseThrow();
        if (branch.compareTo(backup.startLsn()) >= 0) {
          reachable.put(t, h);
        }
      }
    }
    List<Result> results = new ArrayList<>();
    for (Map.Entry<Long, TimelineHistory> target : reachable.entrySet()) {
      long t = target.getKey();
      boolean isLeaf =
          reachable.values().stream().noneMatch(h -> h.timeline() != t && h.includes(t));
      if (!isLeaf) {
        continue;
      }
      TimelineHistory h = target.getValue();
      Lsn end = endOfArchivedWal(h, newestSegment, size);
      Lsn backupEnd = Lsn.ofSegment(backup.stopLsn().segmentNumber(size) + 1, 0, size);
      if (end.compareTo(backupEnd) < 0) {
        end = backupEnd;
      }
      List<WalFileName> required = h.segmentsForRecovery(backup.startLsn(), end, size);
      List<Missing> missing = missing(inventory, required, size);
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

  private static TimelineHistory history(long timeline, Map<Long, TimelineHistory> histories) {
    if (timeline == 1) {
      return histories.getOrDefault(1L, TimelineHistory.ofFirstTimeline());
    }
    return histories.get(timeline);
  }

  /** The end of the newest archived segment on the path to {@code h}'s timeline. */
  private static Lsn endOfArchivedWal(
      TimelineHistory h, Map<Long, Long> newestSegment, WalSegmentSize size) {
    Long newest = newestSegment.get(h.timeline());
    if (newest != null) {
      return Lsn.ofSegment(newest + 1, 0, size);
    }
    // nothing archived on this timeline yet: the path ends where it began
    List<TimelineHistory.Entry> entries = h.entries();
    return entries.isEmpty() ? Lsn.ZERO : entries.get(entries.size() - 1).switchPoint();
  }

  private static List<Missing> missing(
      ArchiveInventory inventory, List<WalFileName> required, WalSegmentSize size) {
    Map<Long, Boolean> numberPresentOnLaterTimeline = new HashMap<>();
    for (WalFileName n : required) {
      if (inventory.contains(n)) {
        numberPresentOnLaterTimeline.merge(n.segmentNumber(size), true, (a, b) -> true);
      }
    }
    List<Missing> result = new ArrayList<>();
    WalFileName runStart = null;
    WalFileName previous = null;
    long count = 0;
    for (int i = 0; i < required.size(); i++) {
      WalFileName n = required.get(i);
      boolean present =
          inventory.contains(n)
              || inventory.contains(WalFileName.parse(n.name() + ".partial"))
              // a switch segment's old-timeline copy is not needed when the new timeline's is there
              || (i + 1 < required.size()
                  && required.get(i + 1).segmentNumber(size) == n.segmentNumber(size)
                  && numberPresentOnLaterTimeline.getOrDefault(n.segmentNumber(size), false));
      if (!present) {
        if (runStart != null
            && previous.timeline() == n.timeline()
            && previous.segmentNumber(size) + 1 == n.segmentNumber(size)) {
          count++;
        } else {
          if (runStart != null) {
            result.add(new Missing(runStart, previous, count));
          }
          runStart = n;
          count = 1;
        }
        previous = n;
      } else if (runStart != null) {
        result.add(new Missing(runStart, previous, count));
        runStart = null;
      }
    }
    if (runStart != null) {
      result.add(new Missing(runStart, previous, count));
    }
    return result;
  }
}
