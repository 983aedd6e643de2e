package dev.walarchive.core;

import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ContinuityCheck;
import dev.walarchive.core.archive.VerifyOptions;
import dev.walarchive.core.archive.VerifyReport;
import dev.walarchive.core.archive.VerifyReport.Finding;
import dev.walarchive.core.archive.VerifyReport.Kind;
import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link WalArchive#verify(VerifyOptions)}: continuity, walarchive base backups, divergence,
 * integrity, freshness.
 */
final class Verifier {
  private final WalArchive archive;
  private final VerifyOptions options;
  private final Instant now;
  private final List<Finding> findings = new ArrayList<>();

  Verifier(WalArchive archive, VerifyOptions options, Instant now) {
    this.archive = archive;
    this.options = options;
    this.now = now;
  }

  VerifyReport run() throws IOException {
    ArchiveInventory inventory = archive.inventory();
    List<ArchiveBaseBackups.Listed> listed = archive.baseBackupObjects().scan();
    // the .backup file of a walarchive push that never completed is no restorable backup (as for
    // retention): its continuity is not checked, and it does not count as a backup
    ArchiveInventory usable = withoutIncompleteBackups(inventory, listed);
    ArchiveHistories histories = archive.histories(usable);
    for (ArchiveHistories.Skipped s : histories.skipped()) {
      findings.add(
          new Finding(
              Kind.UNREADABLE_HISTORY,
              s.toString(),
              Optional.of(s.name()),
              Optional.empty(),
              OptionalLong.empty()));
    }
    if (histories.backups().isEmpty()) {
      int unreadable = usable.backupHistoryFiles().size();
      findings.add(
          new Finding(
              Kind.NO_BACKUP,
              unreadable == 0
                  ? "no base backup found in the archive (no .backup file)"
                  : "no readable base backup in the archive ("
                      + unreadable
                      + " .backup file(s) cannot be read)",
              Optional.empty(),
              Optional.empty(),
              OptionalLong.empty()));
    }
    List<Finding> backupFindings = new ArrayList<>();
    List<BackupCheck> backups = new ArrayList<>();
    for (ArchiveBaseBackups.Listed l : listed) {
      backups.add(checkBackup(l, backupFindings));
    }
    Map<WalFileName, BackupCheck> byHistory = new HashMap<>();
    for (BackupCheck b : backups) {
      if (b.completed != null) {
        byHistory.putIfAbsent(b.completed.backupHistoryFile(), b);
      }
    }
    List<ContinuityCheck.Result> continuity =
        ContinuityCheck.check(usable, histories.backups(), histories.timelines());
    for (ContinuityCheck.Result r : continuity) {
      BackupCheck base = byHistory.get(r.backup().fileName());
      String what =
          "backup "
              + r.backup().fileName()
              + (base == null ? "" : " (base backup " + base.listed.name() + ")")
              + " to the end of timeline "
              + r.timeline();
      Optional<WalFileName> backup = Optional.of(r.backup().fileName());
      OptionalLong timeline = OptionalLong.of(r.timeline());
      for (ContinuityCheck.Missing m : r.missing()) {
        String consistency = "";
        if (base != null && base.needsForConsistency(m, usable)) {
          base.ok = false;
          consistency = "; base backup " + base.listed.name() + " cannot become consistent";
        }
        findings.add(
            new Finding(
                Kind.GAP,
                what + ": missing " + m + consistency,
                Optional.of(m.first()),
                backup,
                timeline));
      }
      for (String p : r.problems()) {
        findings.add(
            new Finding(Kind.CONTINUITY, what + ": " + p, Optional.empty(), backup, timeline));
      }
    }
    Set<WalFileName> covered = new HashSet<>();
    for (BackupHistory h : histories.backups()) {
      covered.add(h.fileName());
    }
    for (BackupCheck b : backups) {
      if (b.completed != null && !covered.contains(b.completed.backupHistoryFile())) {
        checkConsistencyWal(b, usable, histories, backupFindings);
      }
    }
    findings.addAll(backupFindings);
    List<ContinuityCheck.Divergence> divergences =
        ContinuityCheck.divergences(inventory, histories.timelines());
    for (ContinuityCheck.Divergence d : divergences) {
      findings.add(
          new Finding(
              Kind.DIVERGENCE,
              warning(d),
              Optional.of(d.newest().name()),
              Optional.empty(),
              OptionalLong.of(d.timeline())));
    }
    Optional<VerifyReport.Integrity> integrity =
        options.integrity() ? Optional.of(checkIntegrity(inventory, backups)) : Optional.empty();
    if (options.maxAge().isPresent()) {
      checkFreshness(inventory, options.maxAge().get());
    }
    List<VerifyReport.BaseBackup> results = new ArrayList<>();
    for (BackupCheck b : backups) {
      results.add(b.result());
    }
    return new VerifyReport(continuity, divergences, integrity, findings, results);
  }

  /** {@code inventory} without the backup history files of incomplete walarchive backups. */
  private static ArchiveInventory withoutIncompleteBackups(
      ArchiveInventory inventory, List<ArchiveBaseBackups.Listed> listed) {
    Set<Lsn> incomplete = new HashSet<>();
    Set<Lsn> complete = new HashSet<>();
    for (ArchiveBaseBackups.Listed l : listed) {
      (l.complete() ? complete : incomplete).add(l.name().startLsn());
    }
    Set<WalFileName> unusable =
        ArchiveRetention.incompleteBackupHistories(inventory, incomplete, complete);
    if (unusable.isEmpty()) {
      return inventory;
    }
    List<ArchiveInventory.Entry> entries = new ArrayList<>();
    for (ArchiveInventory.Entry e : inventory.entries()) {
      if (!unusable.contains(e.name())) {
        entries.add(e);
      }
    }
    return new ArchiveInventory(
        entries, inventory.unrecognizedKeys(), inventory.segmentSize().orElse(null));
  }

  /** What verify learns of one walarchive base backup. */
  private static final class BackupCheck {
    final ArchiveBaseBackups.Listed listed;
    BaseBackupInfo.Completed completed;
    BackupManifest manifest;

    /** The data objects that exist, each with its files, in key order. */
    final TreeMap<String, List<BackupFile>> present = new TreeMap<>();

    long dataObjects;
    long decoded;
    boolean ok;

    BackupCheck(ArchiveBaseBackups.Listed listed) {
      this.listed = listed;
      this.ok = listed.complete();
    }

    Optional<WalFileName> historyFile() {
      return completed == null ? Optional.empty() : Optional.of(completed.backupHistoryFile());
    }

    /** Whether a missing run overlaps the segments from this backup's start to its stop. */
    boolean needsForConsistency(ContinuityCheck.Missing m, ArchiveInventory inventory) {
      Optional<WalSegmentSize> size = inventory.segmentSize();
      if (completed == null || size.isEmpty()) {
        return false;
      }
      long first = m.first().segmentNumber(size.get());
      long last = m.last().segmentNumber(size.get());
      return first <= completed.stopSegment().segmentNumber(size.get())
          && last >= completed.startSegment().segmentNumber(size.get());
    }

    VerifyReport.BaseBackup result() {
      return new VerifyReport.BaseBackup(
          listed.name(),
          listed.complete(),
          manifest == null ? 0 : manifest.files().size(),
          dataObjects,
          decoded,
          completed == null ? Optional.empty() : Optional.of(completed.startSegment()),
          completed == null ? Optional.empty() : Optional.of(completed.stopSegment()),
          historyFile(),
          ok);
    }
  }

  /**
   * Reads a complete backup's marker and manifest and checks that every object it names is in the
   * listing; an incomplete one is a warning.
   */
  private BackupCheck checkBackup(ArchiveBaseBackups.Listed l, List<Finding> out)
      throws IOException {
    BackupCheck b = new BackupCheck(l);
    BackupName name = l.name();
    if (!l.complete()) {
      out.add(
          new Finding(
              Kind.BACKUP_INCOMPLETE,
              "base backup "
                  + name
                  + " is not complete (an interrupted push, or one still running): it is never"
                  + " restored, and retention deletes its objects once none was written for "
                  + OptionValues.formatRounded(ArchiveRetention.STALE_BACKUP),
              Optional.empty(),
              Optional.empty(),
              OptionalLong.empty()));
      return b;
    }
    ArchiveBaseBackups store = archive.baseBackupObjects();
    try {
      b.completed = store.marker(name).completed();
    } catch (ObjectFormatException e) {
      b.ok = false;
      out.add(backupFinding(b, Kind.BACKUP_CORRUPT, "its completion marker: " + oneLine(e)));
      return b;
    }
    String manifestKey = ArchiveBaseBackups.prefixOf(name) + ArchiveBaseBackups.MANIFEST;
    if (!l.keys().contains(manifestKey)) {
      b.ok = false;
      out.add(
          backupFinding(
              b, Kind.BACKUP_MISSING_OBJECT, "its manifest " + manifestKey + " is missing"));
      return b;
    }
    try {
      b.manifest = store.manifest(name);
    } catch (ObjectFormatException e) {
      b.ok = false;
      out.add(backupFinding(b, Kind.BACKUP_CORRUPT, "its manifest: " + oneLine(e)));
      return b;
    }
    TreeMap<String, List<BackupFile>> byObject = new TreeMap<>();
    for (BackupFile file : b.manifest.files()) {
      for (BackupFile f : file.pieces()) {
        byObject.computeIfAbsent(f.object(), k -> new ArrayList<>()).add(f);
      }
    }
    b.dataObjects = byObject.size();
    for (Map.Entry<String, List<BackupFile>> e : byObject.entrySet()) {
      if (l.keys().contains(e.getKey())) {
        b.present.put(e.getKey(), e.getValue());
        continue;
      }
      b.ok = false;
      List<BackupFile> files = e.getValue();
      out.add(
          backupFinding(
              b,
              Kind.BACKUP_MISSING_OBJECT,
              "data object "
                  + e.getKey()
                  + " is missing ("
                  + files.size()
                  + " file(s): "
                  + files.get(0).path()
                  + (files.size() > 1 ? ", ..." : "")
                  + ")"));
    }
    return b;
  }

  private static Finding backupFinding(BackupCheck b, Kind kind, String what) {
    return new Finding(
        kind,
        "base backup " + b.listed.name() + ": " + what,
        Optional.empty(),
        b.historyFile(),
        OptionalLong.empty());
  }

  /**
   * Checks the WAL from a backup's start to its stop segment when no backup history file in the
   * archive covers it (continuity checks it otherwise): without that file retention does not count
   * the backup, which is a problem of its own.
   */
  private void checkConsistencyWal(
      BackupCheck b, ArchiveInventory inventory, ArchiveHistories histories, List<Finding> out) {
    BaseBackupInfo.Completed c = b.completed;
    String range = c.startSegment() + ".." + c.stopSegment();
    OptionalLong timeline = OptionalLong.of(c.stopTimeline());
    Optional<WalFileName> history = Optional.of(c.backupHistoryFile());
    if (!inventory.contains(c.backupHistoryFile())) {
      b.ok = false;
      out.add(
          new Finding(
              Kind.CONTINUITY,
              "base backup "
                  + b.listed.name()
                  + ": its backup history file "
                  + c.backupHistoryFile()
                  + " is not in the archive; retention does not count the backup without it and"
                  + " may delete the WAL it needs: take a new base backup",
              Optional.of(c.backupHistoryFile()),
              history,
              timeline));
    }
    Optional<WalSegmentSize> maybeSize = inventory.segmentSize();
    if (maybeSize.isEmpty()) {
      b.ok = false;
      out.add(
          new Finding(
              Kind.GAP,
              "base backup "
                  + b.listed.name()
                  + ": missing "
                  + range
                  + " (the archive holds no WAL segment); it cannot become consistent",
              Optional.of(c.startSegment()),
              history,
              timeline));
      return;
    }
    WalSegmentSize size = maybeSize.get();
    TimelineHistory h =
        c.stopTimeline() == 1
            ? histories.timelines().getOrDefault(1L, TimelineHistory.ofFirstTimeline())
            : histories.timelines().get(c.stopTimeline());
    if (h == null) {
      b.ok = false;
      out.add(
          new Finding(
              Kind.CONTINUITY,
              "base backup "
                  + b.listed.name()
                  + ": its WAL "
                  + range
                  + " cannot be followed: timeline "
                  + c.stopTimeline()
                  + " has no history file "
                  + WalFileName.timelineHistory(c.stopTimeline())
                  + " in the archive",
              Optional.empty(),
              history,
              timeline));
      return;
    }
    long stop = c.stopSegment().segmentNumber(size);
    List<WalFileName> required =
        h.segmentsForRecovery(c.startLsn(), Lsn.ofSegment(stop + 1, 0, size), size);
    // a segment is there if any copy recovery would try is (the newest timeline's first)
    TreeMap<Long, WalFileName> missing = new TreeMap<>();
    Set<Long> present = new HashSet<>();
    for (WalFileName n : required) {
      long number = n.segmentNumber(size);
      if (inventory.contains(n)) {
        present.add(number);
      } else {
        missing.merge(number, n, (old, add) -> add.timeline() > old.timeline() ? add : old);
      }
    }
    missing.keySet().removeAll(present);
    WalFileName first = null;
    WalFileName last = null;
    long count = 0;
    for (Map.Entry<Long, WalFileName> e : missing.entrySet()) {
      if (last != null && e.getKey() == last.segmentNumber(size) + 1) {
        last = e.getValue();
        count++;
        continue;
      }
      if (first != null) {
        out.add(consistencyGap(b, new ContinuityCheck.Missing(first, last, count), history));
      }
      first = e.getValue();
      last = e.getValue();
      count = 1;
    }
    if (first != null) {
      out.add(consistencyGap(b, new ContinuityCheck.Missing(first, last, count), history));
    }
  }

  private static Finding consistencyGap(
      BackupCheck b, ContinuityCheck.Missing m, Optional<WalFileName> history) {
    b.ok = false;
    return new Finding(
        Kind.GAP,
        "base backup "
            + b.listed.name()
            + ": missing "
            + m
            + " of the WAL from its start to its stop segment; it cannot become consistent",
        Optional.of(m.first()),
        history,
        OptionalLong.of(m.first().timeline()));
  }

  private void checkFreshness(ArchiveInventory inventory, Duration limit) {
    Optional<ArchiveInventory.Entry> newest = inventory.newestSegment();
    if (newest.isEmpty()) {
      findings.add(
          new Finding(
              Kind.STALE,
              "no segment archived",
              Optional.empty(),
              Optional.empty(),
              OptionalLong.empty()));
      return;
    }
    Duration age = Duration.between(newest.get().lastModified(), now);
    if (age.compareTo(limit) > 0) {
      findings.add(
          new Finding(
              Kind.STALE,
              "newest segment "
                  + newest.get().name()
                  + " is "
                  + OptionValues.formatRounded(age)
                  + " old (limit "
                  + OptionValues.formatRounded(limit)
                  + ")",
              Optional.of(newest.get().name()),
              Optional.empty(),
              OptionalLong.of(newest.get().name().timeline())));
    }
  }

  /** One line: which timelines grow side by side, since when, and what to do about it. */
  static String warning(ContinuityCheck.Divergence d) {
    String newest = d.newest().name() + " at " + d.newest().lastModified();
    String branchNewest =
        d.branchNewest()
            .map(e -> "its newest is " + e.name() + " at " + e.lastModified())
            .orElse("it has no segment yet");
    return "timelines "
        + d.timeline()
        + " and "
        + d.branch()
        + " grow side by side: timeline "
        + d.branch()
        + " branched off timeline "
        + d.timeline()
        + " at "
        + d.branchPoint()
        + " (first archived "
        + d.branchArchived()
        + "; "
        + branchNewest
        + "), and timeline "
        + d.timeline()
        + " went on archiving after that ("
        + d.segmentsAfterBranch()
        + " segments past the branch point, newest "
        + newest
        + "). Two servers archive into this archive, such as a test restore promoted while the"
        + " primary runs: give test restores archive_mode=off or an archive of their own;"
        + " restores and standbys that must follow timeline "
        + d.timeline()
        + " need recovery_target_timeline='current' (or '"
        + d.timeline()
        + "'), as the default 'latest' follows timeline "
        + d.branch();
  }

  /**
   * Verifies every object (or a sample) with a bounded window of checks in flight, so that memory
   * stays small at a million objects; failures are reported in listing order. The objects are the
   * WAL objects followed by the data objects of the complete base backups (those that exist), and a
   * sample is drawn from all of them together, so that its cost stays {@code n} object reads.
   */
  private VerifyReport.Integrity checkIntegrity(
      ArchiveInventory inventory, List<BackupCheck> backups) throws IOException {
    List<ArchiveInventory.Entry> wal = inventory.entries();
    List<BackupCheck> owners = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (BackupCheck b : backups) {
      for (String key : b.present.keySet()) {
        owners.add(b);
        keys.add(key);
      }
    }
    int total = wal.size() + keys.size();
    int[] chosen =
        options.sample().isPresent()
            ? sampleIndices(total, options.sample().getAsInt(), new Random())
            : null;
    int count = chosen == null ? total : chosen.length;
    int parallelism = options.parallelism();
    int window = 4 * parallelism;
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallelism,
            r -> {
              Thread t = new Thread(r, "walarchive-verify");
              t.setDaemon(true);
              return t;
            });
    long failures = 0;
    try {
      ArrayDeque<Future<Finding>> inFlight = new ArrayDeque<>();
      for (int i = 0; i <= count; i++) {
        if (i < count) {
          int index = chosen == null ? i : chosen[i];
          if (index < wal.size()) {
            WalFileName name = wal.get(index).name();
            inFlight.add(pool.submit(() -> verifyOne(name)));
          } else {
            BackupCheck owner = owners.get(index - wal.size());
            String key = keys.get(index - wal.size());
            owner.decoded++;
            inFlight.add(pool.submit(() -> verifyBackupObject(owner, key)));
          }
          if (inFlight.size() < window) {
            continue;
          }
        }
        while (!inFlight.isEmpty() && (i == count || inFlight.size() >= window)) {
          Finding corrupt = await(inFlight.poll());
          if (corrupt != null) {
            findings.add(corrupt);
            failures++;
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new VerifyReport.Integrity(count, count - failures);
  }

  private Finding verifyOne(WalFileName name) {
    try {
      archive.verifyObject(name);
      return null;
    } catch (ObjectFormatException e) {
      return new Finding(
          Kind.CORRUPT,
          name + ": " + oneLine(e),
          Optional.of(name),
          Optional.empty(),
          OptionalLong.of(name.timeline()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Decodes one data object of a base backup and checks every file in it against the manifest. */
  private Finding verifyBackupObject(BackupCheck b, String key) {
    List<BackupFile> files = b.present.get(key);
    try {
      archive
          .baseBackupObjects()
          .readObject(
              b.listed.name(),
              key,
              files,
              (file, content) -> content.transferTo(OutputStream.nullOutputStream()));
      return null;
    } catch (ObjectFormatException e) {
      b.ok = false;
      return backupFinding(
          b,
          Kind.BACKUP_CORRUPT,
          "data object " + key + " (" + files.size() + " file(s)) is damaged: " + oneLine(e));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Finding await(Future<Finding> result) throws IOException {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("verify was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage();
    return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m)
        .replace('\n', ' ')
        .replace('\r', ' ');
  }

  /** {@code n} entries chosen at random (all if there are fewer), in name order. */
  static List<ArchiveInventory.Entry> sample(
      List<ArchiveInventory.Entry> all, int n, Random random) {
    if (n >= all.size()) {
      return all;
    }
    List<ArchiveInventory.Entry> result = new ArrayList<>(n);
    for (int i : sampleIndices(all.size(), n, random)) {
      result.add(all.get(i));
    }
    return result;
  }

  /** {@code n} distinct indices below {@code total} chosen at random (all if fewer), ascending. */
  static int[] sampleIndices(int total, int n, Random random) {
    if (n >= total) {
      int[] all = new int[total];
      for (int i = 0; i < total; i++) {
        all[i] = i;
      }
      return all;
    }
    TreeSet<Integer> chosen = new TreeSet<>();
    for (int j = total - n; j < total; j++) { // Floyd's algorithm
      int candidate = random.nextInt(j + 1);
      chosen.add(chosen.contains(candidate) ? j : candidate);
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }
}
