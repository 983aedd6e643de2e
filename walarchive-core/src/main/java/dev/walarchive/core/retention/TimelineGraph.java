package dev.walarchive.core.retention;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The timelines whose histories are known, and which of them a backup's restore can follow. */
final class TimelineGraph {
  private final Map<Long, TimelineHistory> histories = new TreeMap<>();

  TimelineGraph(Map<Long, TimelineHistory> given) {
    requireNonNull(given, "histories is null");
    given.forEach(
        (timeline, history) -> {
          requireNonNull(timeline, "histories has a null key");
          requireNonNull(history, "histories has a null history for timeline " + timeline);
          if (history.timeline() != timeline) {
            throw new IllegalArgumentException(
                "histories maps timeline " + timeline + " to the history of " + history);
          }
          histories.put(timeline, history);
        });
    histories.putIfAbsent(1L, TimelineHistory.ofFirstTimeline());
  }

  /** Whether the history of {@code timeline} is known (timeline 1 has none to know). */
  boolean isKnown(long timeline) {
    return histories.containsKey(timeline);
  }

  /**
   * Returns where {@code ancestor} ended on the path to {@code timeline}, if the history of {@code
   * timeline} is known and shows {@code ancestor} as a strict ancestor.
   */
  Optional<Lsn> endOf(long ancestor, long timeline) {
    TimelineHistory history = histories.get(timeline);
    if (history == null || timeline == ancestor || !history.includes(ancestor)) {
      return Optional.empty();
    }
    return history.endOf(ancestor);
  }

  /**
   * Returns the timelines a restore from a backup that started at {@code start} on {@code timeline}
   * can follow, each with the position from which its WAL is needed: the backup's own timeline from
   * {@code start}, and every timeline whose history shows it descending from the backup's timeline
   * at or after {@code start}, each from where it began (or {@code start}, if later). Timelines
   * between the backup's and a descendant are included as well.
   *
   * <p>PostgreSQL refuses a target timeline that forked off before the backup's checkpoint; a fork
   * at or after the backup's start is counted as reachable, which keeps a little more at most.
   * Switch points may go down from one line of a history to the next (see {@link TimelineHistory}):
   * a timeline is then counted from where its line says it began, which is never after the first
   * position recovery reads from it, and one whose range is empty is kept too (recovery tries its
   * files when a newer timeline's copy is missing).
   */
  Map<Long, Lsn> reach(long timeline, Lsn start) {
    Map<Long, Lsn> result = new TreeMap<>();
    result.put(timeline, start);
    for (TimelineHistory history : histories.values()) {
      if (history.timeline() == timeline || !history.includes(timeline)) {
        continue;
      }
      List<TimelineHistory.Entry> entries = history.entries();
      int index = 0;
      while (entries.get(index).timeline() != timeline) {
        index++;
      }
      if (entries.get(index).switchPoint().compareTo(start) < 0) {
        continue; // forked off before the backup started
      }
      for (int next = index + 1; next <= entries.size(); next++) {
        long descendant = next < entries.size() ? entries.get(next).timeline() : history.timeline();
        Lsn begins = entries.get(next - 1).switchPoint();
        Lsn from = begins.compareTo(start) > 0 ? begins : start;
        result.merge(descendant, from, (a, b) -> a.compareTo(b) <= 0 ? a : b);
      }
    }
    return result;
  }
}
