package dev.walarchive.core.retention;

import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An archive listing built by hand for planner tests: segments, partial segments, timeline and
 * backup history files with the contents PostgreSQL would write, 1 MiB segments.
 */
final class TestArchive {
  static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Map<WalFileName, ArchiveInventory.Entry> entries = new TreeMap<>();

  /** Every timeline's history, known to the planner or not. */
  private final Map<Long, TimelineHistory> allHistories = new TreeMap<>();

  /** Histories the planner is told about. */
  private final Map<Long, TimelineHistory> givenHistories = new TreeMap<>();

  /** Backup histories the planner is told about. */
  private final Map<WalFileName, BackupHistory> givenBackups = new TreeMap<>();

  private final List<String> unrecognized = new ArrayList<>();
  private boolean segmentSizeKnown = true;

  TestArchive() {
    allHistories.put(1L, TimelineHistory.ofFirstTimeline());
  }

  static Lsn lsn(long segment, long offset) {
    return Lsn.ofSegment(segment, offset, SIZE);
  }

  static WalFileName seg(long timeline, long segment) {
    return WalFileName.segment(timeline, segment, SIZE);
  }

  static WalFileName partial(long timeline, long segment) {
    return WalFileName.parse(seg(timeline, segment).name() + ".partial");
  }

  static Instant hours(long hours) {
    return T0.plus(Duration.ofHours(hours));
  }

  /** Adds full segments {@code first..last} on a timeline, archived at the given times. */
  TestArchive segments(long timeline, long first, long last, Instant firstTime, Duration step) {
    for (long s = first; s <= last; s++) {
      add(seg(timeline, s), firstTime.plus(step.multipliedBy(s - first)));
    }
    return this;
  }

  /** Adds full segments {@code first..last}, archived one hour apart from {@code hours(first)}. */
  TestArchive segments(long timeline, long first, long last) {
    return segments(timeline, first, last, hours(first), Duration.ofHours(1));
  }

  TestArchive add(WalFileName name, Instant archived) {
    entries.put(
        name, new ArchiveInventory.Entry(name, name.isSegment() ? SIZE.bytes() : 100, archived));
    return this;
  }

  TestArchive remove(WalFileName name) {
    entries.remove(name);
    return this;
  }

  TestArchive unrecognized(String key) {
    unrecognized.add(key);
    return this;
  }

  TestArchive segmentSizeUnknown() {
    segmentSizeKnown = false;
    return this;
  }

  /**
   * Records that {@code child} branched off {@code parent} at {@code switchPoint}; its history file
   * is archived and given to the planner.
   */
  TestArchive branch(long child, long parent, Lsn switchPoint, Instant archived) {
    return branch(child, parent, switchPoint, archived, true, true);
  }

  TestArchive branch(
      long child,
      long parent,
      Lsn switchPoint,
      Instant archived,
      boolean fileArchived,
      boolean givenToPlanner) {
    TimelineHistory history =
        allHistories.get(parent).branch(child, switchPoint, "no recovery target specified");
    allHistories.put(child, history);
    if (fileArchived) {
      add(history.fileName(), archived);
    }
    if (givenToPlanner) {
      givenHistories.put(child, history);
    }
    return this;
  }

  /** Adds a readable backup whose STOP TIME is understood, archived a minute after it stopped. */
  WalFileName backup(long timeline, Lsn start, Instant stopped) {
    return backup(timeline, start, stopped, true, true);
  }

  WalFileName backup(
      long timeline, Lsn start, Instant stopped, boolean stopTimeReadable, boolean given) {
    WalFileName name = WalFileName.backupHistory(timeline, start, SIZE);
    Lsn stop = start.plus(0x200);
    String zone = stopTimeReadable ? " UTC" : " CST";
    String content =
        "START WAL LOCATION: "
            + start
            + " (file "
            + WalFileName.ofLsn(timeline, start, SIZE)
            + ")\n"
            + "STOP WAL LOCATION: "
            + stop
            + " (file "
            + WalFileName.ofLsn(timeline, stop, SIZE)
            + ")\n"
            + "CHECKPOINT LOCATION: "
            + start.plus(0x38)
            + "\n"
            + "BACKUP METHOD: streamed\n"
            + "BACKUP FROM: primary\n"
            + "START TIME: "
            + PG_TIME.format(stopped.minusSeconds(60))
            + zone
            + "\n"
            + "LABEL: test backup\n"
            + "START TIMELINE: "
            + timeline
            + "\n"
            + "STOP TIME: "
            + PG_TIME.format(stopped)
            + zone
            + "\n"
            + "STOP TIMELINE: "
            + timeline
            + "\n";
    BackupHistory history = BackupHistory.parse(name, content);
    add(name, stopped.plusSeconds(60));
    if (given) {
      givenBackups.put(name, history);
    }
    return name;
  }

  ArchiveInventory inventory() {
    return new ArchiveInventory(
        List.copyOf(entries.values()), unrecognized, segmentSizeKnown ? SIZE : null);
  }

  List<BackupHistory> backups() {
    return givenBackups.values().stream().filter(b -> entries.containsKey(b.fileName())).toList();
  }

  Map<Long, TimelineHistory> givenHistories() {
    return new HashMap<>(givenHistories);
  }

  Map<Long, TimelineHistory> allHistories() {
    return allHistories;
  }

  Collection<ArchiveInventory.Entry> entries() {
    return entries.values();
  }

  boolean contains(WalFileName name) {
    return entries.containsKey(name);
  }

  RetentionPlan plan(RetentionPolicy policy, Instant now) {
    return RetentionPlanner.plan(inventory(), backups(), givenHistories(), policy, now);
  }

  /** A copy of this archive without the given files, as after applying deletions. */
  TestArchive without(Collection<WalFileName> names) {
    TestArchive copy = new TestArchive();
    copy.entries.putAll(entries);
    names.forEach(copy.entries::remove);
    copy.allHistories.putAll(allHistories);
    copy.givenHistories.putAll(givenHistories);
    copy.givenBackups.putAll(givenBackups);
    copy.unrecognized.addAll(unrecognized);
    copy.segmentSizeKnown = segmentSizeKnown;
    return copy;
  }
}
