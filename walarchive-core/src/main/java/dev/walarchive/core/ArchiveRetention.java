package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.retention.RetentionApplyException;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPlanner;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of one archive as the facade runs it: a plan with the archive's pins and tolerant
 * history readers, and applying it (the history-file and pin guards, base backups first, batched
 * deletes with per-file failures and events).
 */
final class ArchiveRetention {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  private final ArchiveStorage storage;
  private final Clock clock;
  private final ArchiveBaseBackups baseBackups;
  private final InventoryReader reader;
  private final Pins pinStore;
  private final ArchiveEvents events;

  ArchiveRetention(
      ArchiveStorage storage,
      Clock clock,
      ArchiveBaseBackups baseBackups,
      InventoryReader reader,
      Pins pinStore,
      ArchiveEvents events) {
    this.storage = storage;
    this.clock = clock;
    this.baseBackups = baseBackups;
    this.reader = reader;
    this.pinStore = pinStore;
    this.events = events;
  }

  /** {@link WalArchive#planRetention(RetentionPolicy, Instant)}. */
  RetentionPlan plan(RetentionPolicy policy, Instant now) throws IOException {
    requireNonNull(policy, "policy is null");
    requireNonNull(now, "now is null");
    SortedSet<WalFileName> pins = pinStore.pinnedBackups();
    ArchiveInventory inventory = reader.inventory();
    Set<WalFileName> unusable = incompleteBackupHistories(inventory, baseBackups.list());
    if (!unusable.isEmpty()) {
      // the .backup file of a walarchive push that never completed is no restorable backup: it
      // must not count for keep-N or a window (it would expire backups that can be restored)
      List<ArchiveInventory.Entry> entries = new ArrayList<>();
      for (ArchiveInventory.Entry e : inventory.entries()) {
        if (!unusable.contains(e.name())) {
          entries.add(e);
        }
      }
      inventory =
          new ArchiveInventory(
              entries, inventory.unrecognizedKeys(), inventory.segmentSize().orElse(null));
    }
    ArchiveHistories histories = reader.histories(inventory);
    RetentionPlan plan = RetentionPlanner.plan(inventory, histories, pins, policy, now);
    return keepRunning(plan, baseBackups.scan(), inventory.segmentSize().orElse(null), Map.of());
  }

  /**
   * The first segment of each complete walarchive backup the plan does not know (it completed after
   * the plan was made), with a description.
   */
  private Map<WalFileName, String> completedSince(RetentionPlan plan) throws IOException {
    if (plan.deletions().isEmpty()) {
      return Map.of();
    }
    Set<WalFileName> known = new java.util.HashSet<>();
    plan.retainedBackups().forEach(b -> known.add(b.name()));
    plan.expiredBackups().forEach(b -> known.add(b.name()));
    Map<WalFileName, String> result = new java.util.TreeMap<>();
    for (dev.walarchive.core.backup.BaseBackupInfo b : baseBackups.list()) {
      if (b.complete() && !known.contains(b.completed().get().backupHistoryFile())) {
        result.put(
            b.completed().get().startSegment(),
            "needed by base backup " + b.name() + ", completed after the plan was made");
      }
    }
    return result;
  }

  /**
   * {@code plan} with the WAL of every backup that holds a lease ({@link BackupLease}) kept from
   * its start segment on: one not expired at the archive clock's now, or one whose lease cannot be
   * read (then on every timeline the plan deletes from, with a warning).
   */
  private RetentionPlan keepRunning(
      RetentionPlan plan,
      List<ArchiveBaseBackups.Listed> listed,
      WalSegmentSize size,
      Map<WalFileName, String> alsoKeep)
      throws IOException {
    if (size == null || plan.deletions().isEmpty()) {
      return plan;
    }
    Instant now = clock.instant();
    Map<WalFileName, String> first = new java.util.TreeMap<>(alsoKeep);
    List<String> warnings = new ArrayList<>();
    Set<Long> timelines = null;
    for (ArchiveBaseBackups.Listed l : listed) {
      if (l.complete()) {
        continue;
      }
      ArchiveBaseBackups.LeaseState state = baseBackups.lease(l);
      if (!state.holds(now)) {
        continue;
      }
      Lsn start = l.name().startLsn();
      if (state.lease() != null && state.lease().startTimeline() > 0) {
        BackupLease lease = state.lease();
        first.put(
            WalFileName.ofLsn(lease.startTimeline(), start, size),
            "needed by running backup-push "
                + l.name()
                + " (timeline "
                + lease.startTimeline()
                + " from "
                + start
                + "; lease of "
                + lease.holder()
                + " until "
                + lease.expires()
                + ")");
        continue;
      }
      if (timelines == null) {
        timelines = new java.util.TreeSet<>();
        for (RetentionPlan.Deletion d : plan.deletions()) {
          timelines.add(d.name().timeline());
        }
      }
      String why =
          state.problem() != null
              ? "the lease of backup " + l.name() + " cannot be read (" + state.problem() + ")"
              : "running backup-push " + l.name() + " does not know its timeline";
      if (state.problem() != null) {
        warnings.add(
            why
                + ": its objects and the WAL from "
                + start
                + " on every timeline are kept; if no backup-push of it runs, delete its lease"
                + " objects "
                + ArchiveBaseBackups.prefixOf(l.name())
                + BackupLease.PREFIX
                + "* from the storage, and retention removes it as debris");
      }
      for (long t : timelines) {
        first.putIfAbsent(
            WalFileName.ofLsn(t, start, size), "kept because " + why + " (from " + start + ")");
      }
    }
    if (first.isEmpty() && warnings.isEmpty()) {
      return plan;
    }
    return RetentionPlanner.keepRunningBackups(plan, first, warnings, size);
  }

  /**
   * The backup history files of walarchive base backups that are not complete (interrupted after
   * {@code pg_backup_stop}): same start LSN as an incomplete backup, and no complete one.
   */
  private static Set<WalFileName> incompleteBackupHistories(
      ArchiveInventory inventory, List<dev.walarchive.core.backup.BaseBackupInfo> backups) {
    Set<dev.walarchive.core.wal.Lsn> incomplete = new java.util.HashSet<>();
    Set<dev.walarchive.core.wal.Lsn> complete = new java.util.HashSet<>();
    for (dev.walarchive.core.backup.BaseBackupInfo b : backups) {
      (b.complete() ? complete : incomplete).add(b.name().startLsn());
    }
    return incompleteBackupHistories(inventory, incomplete, complete);
  }

  /**
   * The backup history files whose start LSN is in {@code incomplete} (start LSNs of incomplete
   * walarchive backups) and not in {@code complete}.
   */
  static Set<WalFileName> incompleteBackupHistories(
      ArchiveInventory inventory,
      Set<dev.walarchive.core.wal.Lsn> incomplete,
      Set<dev.walarchive.core.wal.Lsn> complete) {
    incomplete = new java.util.HashSet<>(incomplete);
    incomplete.removeAll(complete);
    Set<WalFileName> result = new java.util.HashSet<>();
    if (incomplete.isEmpty() || inventory.segmentSize().isEmpty()) {
      return result;
    }
    for (WalFileName name : inventory.backupHistoryFiles()) {
      try {
        if (incomplete.contains(name.backupStartLsn(inventory.segmentSize().get()))) {
          result.add(name);
        }
      } catch (IllegalArgumentException e) {
        // impossible for this segment size: the planner warns about it
      }
    }
    return result;
  }

  /** How long an incomplete base backup must have been idle before retention removes it. */
  static final java.time.Duration STALE_BACKUP = java.time.Duration.ofHours(6);

  /**
   * The walarchive base backups {@code plan} deletes: the complete ones whose backup history file
   * it expires, and the debris of interrupted pushes (incomplete, with no object written for {@link
   * #STALE_BACKUP}), each with its backup history file if the archive holds one.
   */
  private Map<dev.walarchive.core.backup.BackupName, List<String>> backupDeletions(
      RetentionPlan plan) throws IOException {
    Set<WalFileName> expired = new java.util.HashSet<>();
    for (RetentionPlan.Backup b : plan.expiredBackups()) {
      expired.add(b.name());
    }
    Map<dev.walarchive.core.backup.BackupName, List<String>> result = new java.util.TreeMap<>();
    List<dev.walarchive.core.backup.BaseBackupInfo> backups = baseBackups.list();
    ArchiveInventory inventory = null;
    Instant now = clock.instant();
    Instant staleBefore = now.minus(STALE_BACKUP);
    for (dev.walarchive.core.backup.BaseBackupInfo b : backups) {
      if (b.complete()) {
        if (expired.contains(b.completed().get().backupHistoryFile())) {
          result.put(b.name(), List.of());
        }
      } else if (baseBackups.lastWrite(b.name()).isBefore(staleBefore) && !held(b.name(), now)) {
        if (inventory == null) {
          inventory = reader.inventory();
        }
        List<String> history = new ArrayList<>();
        for (WalFileName h : incompleteBackupHistories(inventory, List.of(b))) {
          history.add(WalArchive.keyOf(h));
        }
        result.put(b.name(), history);
      }
    }
    return result;
  }

  /**
   * Whether an incomplete backup holds a lease at {@code now} (or its lease cannot be read), so
   * that its objects stay.
   */
  private boolean held(dev.walarchive.core.backup.BackupName name, Instant now) throws IOException {
    ArchiveBaseBackups.LeaseState state = baseBackups.lease(name);
    if (state.problem() != null) {
      log.warn(
          "incomplete base backup {} is kept: {}; if no backup-push of it runs, delete its lease"
              + " objects {}* from the storage",
          name,
          state.problem(),
          ArchiveBaseBackups.prefixOf(name) + BackupLease.PREFIX);
    }
    return state.holds(now);
  }

  /** {@link WalArchive#baseBackupDeletions(RetentionPlan)}. */
  java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> baseBackupDeletions(
      RetentionPlan plan) throws IOException {
    requireNonNull(plan, "plan is null");
    Set<dev.walarchive.core.backup.BackupName> names = backupDeletions(plan).keySet();
    java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> result =
        new java.util.TreeMap<>();
    for (ArchiveBaseBackups.Listed l : baseBackups.scan()) {
      if (names.contains(l.name())) {
        result.put(l.name(), (long) l.keys().size());
      }
    }
    return java.util.Collections.unmodifiableSortedMap(result);
  }

  /** {@link WalArchive#applyRetention(RetentionPlan, int, RetentionListener)}. */
  long apply(RetentionPlan plan, int batchSize, RetentionListener listener) throws IOException {
    requireNonNull(plan, "plan is null");
    requireNonNull(listener, "listener is null");
    if (batchSize < 1 || batchSize > WalArchive.MAX_DELETE_BATCH) {
      throw new IllegalArgumentException(
          "batch size must be from 1 to " + WalArchive.MAX_DELETE_BATCH + ", not " + batchSize);
    }
    for (RetentionPlan.Deletion d : plan.deletions()) {
      if (d.name().kind() == WalFileName.Kind.TIMELINE_HISTORY) {
        throw new IllegalStateException("refusing to delete timeline history file " + d.name());
      }
    }
    Map<dev.walarchive.core.backup.BackupName, List<String>> backupDeletions =
        backupDeletions(plan);
    if (plan.deletions().isEmpty() && backupDeletions.isEmpty()) {
      return 0;
    }
    checkNoPinnedExpires(plan);
    // checked again now: a backup-push that started after the plan was made keeps its WAL
    List<RetentionPlan.Deletion> deletions =
        keepRunning(plan, baseBackups.scan(), segmentSizeOf(plan), completedSince(plan))
            .deletions();
    if (deletions.size() != plan.deletions().size()) {
      log.warn(
          "{} of the plan's {} deletions are left: WAL of a base backup that is being taken now",
          plan.deletions().size() - deletions.size(),
          plan.deletions().size());
    }
    long files = 0;
    long bytes = 0;
    // expired walarchive backups stop being complete before anything they need goes; an
    // interrupted push's .backup file goes before its objects (so it never counts as a backup)
    Instant now = clock.instant();
    for (var it = backupDeletions.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<dev.walarchive.core.backup.BackupName, List<String>> e = it.next();
      String marker = ArchiveBaseBackups.prefixOf(e.getKey()) + ArchiveBaseBackups.COMPLETE;
      if (!e.getValue().isEmpty() || !isComplete(marker)) {
        // debris of an interrupted push, checked again right before it goes: one that has
        // completed since, or holds a lease again, stays
        if (isComplete(marker) || held(e.getKey(), now)) {
          log.info("base backup {} is no longer debris (completed or running): kept", e.getKey());
          it.remove();
          continue;
        }
      }
      storage.delete(List.of(marker));
      if (!e.getValue().isEmpty()) {
        storage.delete(e.getValue());
      }
    }
    for (int from = 0; from < deletions.size(); from += batchSize) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException(
            "interrupted after deleting "
                + files
                + " of "
                + deletions.size()
                + " files; plan and apply again to finish");
      }
      List<RetentionPlan.Deletion> batch =
          deletions.subList(from, Math.min(from + batchSize, deletions.size()));
      Map<String, RetentionPlan.Deletion> byKey = new java.util.LinkedHashMap<>();
      long batchBytes = 0;
      for (RetentionPlan.Deletion d : batch) {
        byKey.put(WalArchive.keyOf(d.name()), d);
        batchBytes += d.storedSize();
      }
      long started = System.nanoTime();
      try {
        storage.delete(List.copyOf(byKey.keySet()));
      } catch (BatchDeleteException e) {
        List<RetentionPlan.Deletion> failed = new ArrayList<>();
        for (Map.Entry<String, String> f : new java.util.TreeMap<>(e.failures()).entrySet()) {
          RetentionPlan.Deletion d = byKey.get(f.getKey());
          if (d != null) {
            failed.add(d);
            listener.failed(d, f.getValue());
          }
        }
        events.notifyDeleted(batch, failed, started, e);
        throw new RetentionApplyException(
            e, files + batch.size() - failed.size(), deletions.size(), failed);
      } catch (IOException e) {
        events.notifyDeleted(batch, batch, started, e);
        throw new RetentionApplyException(e, files, deletions.size(), List.of());
      }
      events.notifyDeleted(batch, List.of(), started, null);
      files += batch.size();
      bytes += batchBytes;
      log.debug("deleted {} of {} files", files, deletions.size());
      listener.deleted(batch, files, bytes);
    }
    for (dev.walarchive.core.backup.BackupName name : backupDeletions.keySet()) {
      files += baseBackups.deleteObjects(name);
      log.info("retention deleted base backup {}", name);
    }
    log.info("retention deleted {} files ({} bytes)", files, bytes);
    return files;
  }

  private boolean isComplete(String marker) throws IOException {
    try {
      storage.stat(marker);
      return true;
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
  }

  /** The archive's segment size, if a plan deletes anything (it knew the size then). */
  private WalSegmentSize segmentSizeOf(RetentionPlan plan) throws IOException {
    return plan.deletions().isEmpty() ? null : reader.segmentSize();
  }

  private void checkNoPinnedExpires(RetentionPlan plan) throws IOException {
    Set<WalFileName> pins = pinStore.pinnedBackups();
    for (RetentionPlan.Backup b : plan.expiredBackups()) {
      if (pins.contains(b.name())) {
        throw new IllegalStateException(
            "the plan expires "
                + b.name()
                + ", which is pinned in the archive (pinned after the plan was made, or the plan"
                + " was made without the archive's pins); nothing was deleted: plan again with"
                + " planRetention");
      }
    }
    for (RetentionPlan.Deletion d : plan.deletions()) {
      if (pins.contains(d.name())) {
        throw new IllegalStateException(
            "the plan deletes " + d.name() + ", which is pinned in the archive; plan again");
      }
    }
  }
}
