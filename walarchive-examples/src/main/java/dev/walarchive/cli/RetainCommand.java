package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.format.WrongKeyException;
import dev.walarchive.core.retention.RetentionApplyException;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.wal.WalFileName;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Plans retention, prints the plan, and with {@code --apply} deletes what it expires. */
@Command(
    name = "retain",
    mixinStandardHelpOptions = true,
    description = {
      "Plans what a retention policy keeps and deletes, and prints the plan: retained and"
          + " expired base backups, kept WAL ranges, deletions per timeline (each with its"
          + " reason), and warnings. This is a DRY RUN: nothing is deleted unless --apply is"
          + " given.",
      "",
      "Backups pinned with 'walarchive pin' are always retained, as are pin=NAME items in the"
          + " policy. WAL is kept along the timeline graph from the start of each retained"
          + " backup. The archive manifest, pins, timeline history files and storage keys that"
          + " are not WAL file names are never deleted; with no base backup in the archive"
          + " nothing is.",
      "",
      "--apply plans again from a fresh listing, then deletes in batches: the expired backups'"
          + " .backup files first, then WAL in name order. Interrupting it is safe; run it again"
          + " to finish. A run after a complete one deletes nothing."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:plan printed (dry run), or applied with --apply",
      "2:usage or configuration error (no policy, bad policy, bad flags)",
      "3:storage or I/O error (with --apply, part of the plan may be done: run it again)"
    },
    footer = {
      "",
      "Examples:",
      "  walarchive retain --policy keep=2,window=7d",
      "  WALARCHIVE_RETENTION=keep=7 walarchive retain --apply"
    })
final class RetainCommand implements Callable<Integer>, ExitCodes.Admin {
  static final int MAX_BATCH = WalArchive.MAX_DELETE_BATCH;

  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--policy",
      paramLabel = "POLICY",
      description =
          "Comma-separated keep=N (newest N backups), window=D (such as 7d, 36h: every point of"
              + " the last D stays restorable), pin=BACKUP (env WALARCHIVE_RETENTION, property"
              + " retention). Needs keep or window.")
  String policy;

  @Option(names = "--apply", description = "Delete what the plan expires (default: dry run).")
  boolean apply;

  @Option(names = "--json", description = "Print the full plan as one JSON document.")
  boolean json;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Objects per delete request with --apply, 1 to 1000 (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1 || batchSize > MAX_BATCH) {
      throw new CliException("--batch-size must be from 1 to " + MAX_BATCH + ", not " + batchSize);
    }
    RetentionPolicy configured = policy();
    PrintWriter out = spec.commandLine().getOut();
    try (WalArchive archive = config.openArchive()) {
      RetentionPlan plan;
      try {
        plan = archive.planRetention(configured, Instant.now());
      } catch (UnknownKeyException | WrongKeyException e) {
        throw keyProblem(e);
      }
      SortedSet<WalFileName> archivePins = plan.archivePins();
      List<String> warnings = plan.warnings();
      java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> baseBackups =
          archive.baseBackupDeletions(plan);
      Map<dev.walarchive.core.backup.BackupName, dev.walarchive.core.backup.BaseBackupInfo> infos =
          new LinkedHashMap<>();
      if (!baseBackups.isEmpty()) {
        for (dev.walarchive.core.backup.BaseBackupInfo b : archive.baseBackups().list()) {
          infos.put(b.name(), b);
        }
      }
      if (!json) {
        printPlan(out, configured, archivePins, plan, warnings);
        printBaseBackups(out, baseBackups, infos);
        out.flush();
      }
      long deleted = 0;
      if (apply) {
        deleted = applyPlan(archive, plan);
      }
      if (json) {
        out.println(
            toJson(configured, archivePins, plan, warnings, apply, deleted, baseBackups, infos));
      } else if (apply) {
        out.printf(
            "applied: deleted %s, %s%n",
            files(deleted), Sizes.exactAndApproximate(plan.deletedBytes()));
      }
      // the copies follow the archive's plan: the same deletions, in the same safe order
      for (WalArchive copy : archive.copies()) {
        String where = dev.walarchive.core.storage.ArchiveStorages.redact(copy.location());
        if (!apply) {
          if (!json && !plan.isEmpty()) {
            out.printf("copy %s: --apply deletes the same files there%n", where);
          }
          continue;
        }
        try {
          copy.applyRetention(
              plan, batchSize, dev.walarchive.core.retention.RetentionListener.NONE);
        } catch (RetentionApplyException e) {
          throw new IOException(
              "copy "
                  + where
                  + ": "
                  + Errors.oneLine((Exception) e.getCause())
                  + "; the archive itself is done; run 'walarchive retain --apply' again to finish",
              e);
        }
        if (!json) {
          out.printf("applied to copy %s: deleted the same %s%n", where, files(deleted));
        }
      }
      if (json || apply) {
        // printed above
      } else if (plan.isEmpty() && baseBackups.isEmpty()) {
        out.println("dry run: nothing to delete");
      } else {
        out.printf(
            "dry run: nothing was deleted; run again with --apply to delete %s, %s%s%n",
            files(plan.deletions().size()),
            Sizes.exactAndApproximate(plan.deletedBytes()),
            baseBackups.isEmpty()
                ? ""
                : " and "
                    + baseBackups.size()
                    + " base backup(s) ("
                    + objects(baseBackups.values().stream().mapToLong(Long::longValue).sum())
                    + ")");
      }
    }
    out.flush();
    return 0;
  }

  private RetentionPolicy policy() throws IOException {
    String text = config.retention(policy);
    if (text == null) {
      throw new CliException(
          "no retention policy; pass --policy (e.g. keep=2,window=7d) or set"
              + " WALARCHIVE_RETENTION or the property retention");
    }
    try {
      return RetentionPolicy.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  /**
   * A key that is missing or wrong is a configuration error, not a damaged file: planning without
   * the history files would rest on guesses, so nothing is planned.
   */
  private static CliException keyProblem(ObjectFormatException e) {
    return new CliException(
        Errors.oneLine(e)
            + "; retain reads the backup and timeline history files, so it needs the archive's"
            + " keys (--key-file, --keyring-file or WALARCHIVE_KEY)");
  }

  /**
   * Deletes the plan's files with {@link WalArchive#applyRetention}, showing progress on a
   * terminal; returns how many were deleted.
   */
  private long applyPlan(WalArchive archive, RetentionPlan plan) throws IOException {
    List<RetentionPlan.Deletion> deletions = plan.deletions();
    Progress progress =
        new Progress(
            System.console() == null ? null : System.err, deletions.size(), plan.deletedBytes());
    Thread interrupted =
        new Thread(
            () -> {
              if (!progress.finished) {
                System.err.printf(
                    "%nwalarchive retain: interrupted after deleting %d of %d files; nothing"
                        + " needed was deleted; run 'walarchive retain --apply' again to"
                        + " finish%n",
                    progress.files, progress.totalFiles);
              }
            });
    Runtime.getRuntime().addShutdownHook(interrupted);
    try {
      archive.applyRetention(plan, batchSize, progress);
      progress.finish();
    } catch (RetentionApplyException e) {
      IOException cause = (IOException) e.getCause();
      throw new IOException(
          (cause instanceof BatchDeleteException ? cause.getMessage() : Errors.oneLine(cause))
              + "; "
              + e.deletedFiles()
              + " of "
              + e.plannedFiles()
              + " files were deleted; run 'walarchive retain --apply' again to finish",
          e);
    } finally {
      progress.finished = true;
      try {
        Runtime.getRuntime().removeShutdownHook(interrupted);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    return progress.files;
  }

  /** Progress of an apply on a terminal: one line on stderr, rewritten in place. */
  private static final class Progress implements RetentionListener {
    private final PrintStream terminal;
    final long totalFiles;
    private final long totalBytes;
    volatile long files;
    private long bytesDone;
    volatile boolean finished;

    Progress(PrintStream terminal, long totalFiles, long totalBytes) {
      this.terminal = terminal;
      this.totalFiles = totalFiles;
      this.totalBytes = totalBytes;
    }

    @Override
    public void deleted(List<RetentionPlan.Deletion> batch, long filesDone, long bytes) {
      files = filesDone;
      bytesDone = bytes;
      if (terminal != null) {
        terminal.printf(
            "\rdeleting: %d of %d files, %s of %s",
            files,
            totalFiles,
            Sizes.exactAndApproximate(bytesDone),
            Sizes.exactAndApproximate(totalBytes));
        terminal.flush();
      }
    }

    void finish() {
      finished = true;
      if (terminal != null && totalFiles > 0) {
        terminal.println();
      }
    }
  }

  private static void printPlan(
      PrintWriter out,
      RetentionPolicy configured,
      SortedSet<WalFileName> archivePins,
      RetentionPlan plan,
      List<String> warnings) {
    out.printf("policy: %s%n", configured);
    out.printf(
        "pinned in the archive: %s%n",
        archivePins.isEmpty() ? "none" : String.join(", ", names(archivePins)));
    out.printf("retained backups: %d%n", plan.retainedBackups().size());
    for (RetentionPlan.Backup b : plan.retainedBackups()) {
      printBackup(out, "retain", b);
    }
    out.printf("expired backups: %d%n", plan.expiredBackups().size());
    for (RetentionPlan.Backup b : plan.expiredBackups()) {
      printBackup(out, "EXPIRE", b);
    }
    out.println("kept WAL:" + (plan.kept().isEmpty() ? " none" : ""));
    for (RetentionPlan.KeptRange k : plan.kept()) {
      out.printf(
          "  timeline %d: %s%n    %s%n",
          k.timeline(), range(k.files(), k.first(), k.last()), k.reason());
    }
    out.printf(
        "delete: %s, %s%n",
        files(plan.deletions().size()), Sizes.exactAndApproximate(plan.deletedBytes()));
    for (Group g : groups(plan)) {
      if (g.first.kind() == WalFileName.Kind.BACKUP_HISTORY) {
        out.printf("  DELETE backup history %s, %s%n", g.first, Sizes.exactAndApproximate(g.bytes));
      } else {
        out.printf(
            "  DELETE timeline %d: %s, %s%n    %s%n",
            g.timeline,
            range(g.files, g.first, g.last),
            Sizes.exactAndApproximate(g.bytes),
            g.reason);
      }
    }
    for (String w : warnings) {
      out.println("WARNING " + w);
    }
  }

  /** The walarchive base backups the plan deletes, one line each, after the plan. */
  private static void printBaseBackups(
      PrintWriter out,
      java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> deletions,
      Map<dev.walarchive.core.backup.BackupName, dev.walarchive.core.backup.BaseBackupInfo> infos) {
    if (deletions.isEmpty()) {
      return;
    }
    out.printf("delete base backups: %d%n", deletions.size());
    for (var e : deletions.entrySet()) {
      dev.walarchive.core.backup.BaseBackupInfo info = infos.get(e.getKey());
      boolean complete = info != null && info.complete();
      out.printf(
          "  DELETE base backup %s: %s, %s (%s)%n",
          e.getKey(),
          objects(e.getValue()),
          Sizes.exactAndApproximate(info == null ? 0 : info.storedSize()),
          complete
              ? "its backup history file " + info.completed().get().backupHistoryFile() + " expires"
              : "incomplete: debris of an interrupted push");
    }
  }

  /** {@code 1 object}, {@code 2 objects}. */
  private static String objects(long n) {
    return n + (n == 1 ? " object" : " objects");
  }

  private static void printBackup(PrintWriter out, String verb, RetentionPlan.Backup b) {
    out.printf(
        "  %s %s (timeline %d, start %s, stopped %s)%n    %s%n",
        verb, b.name(), b.timeline(), b.start(), b.time(), b.reason());
  }

  /** Consecutive deletions with the same timeline and reason; backup history files one by one. */
  private static final class Group {
    final long timeline;
    final String reason;
    final WalFileName first;
    WalFileName last;
    long files;
    long bytes;

    Group(RetentionPlan.Deletion d) {
      this.timeline = d.name().timeline();
      this.reason = d.reason();
      this.first = d.name();
    }

    boolean takes(RetentionPlan.Deletion d) {
      return first.kind() != WalFileName.Kind.BACKUP_HISTORY
          && d.name().kind() != WalFileName.Kind.BACKUP_HISTORY
          && d.name().timeline() == timeline
          && d.reason().equals(reason);
    }
  }

  private static List<Group> groups(RetentionPlan plan) {
    List<Group> groups = new ArrayList<>();
    Group current = null;
    for (RetentionPlan.Deletion d : plan.deletions()) {
      if (current == null || !current.takes(d)) {
        current = new Group(d);
        groups.add(current);
      }
      current.last = d.name();
      current.files++;
      current.bytes += d.storedSize();
    }
    return groups;
  }

  private static String toJson(
      RetentionPolicy configured,
      SortedSet<WalFileName> archivePins,
      RetentionPlan plan,
      List<String> warnings,
      boolean applied,
      long deleted,
      java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> baseBackups,
      Map<dev.walarchive.core.backup.BackupName, dev.walarchive.core.backup.BaseBackupInfo> infos) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("policy", configured.toString());
    root.put("pinnedInArchive", names(archivePins));
    root.put("effectivePolicy", plan.policy().toString());
    root.put("now", plan.now().toString());
    root.put("retained", plan.retainedBackups().stream().map(RetainCommand::backup).toList());
    root.put("expired", plan.expiredBackups().stream().map(RetainCommand::backup).toList());
    List<Object> kept = new ArrayList<>();
    for (RetentionPlan.KeptRange k : plan.kept()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("timeline", k.timeline());
      m.put("first", k.first().name());
      m.put("last", k.last().name());
      m.put("files", k.files());
      m.put("reason", k.reason());
      kept.add(m);
    }
    root.put("kept", kept);
    List<Object> deletions = new ArrayList<>();
    for (RetentionPlan.Deletion d : plan.deletions()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", d.name().name());
      m.put("key", WalArchive.keyOf(d.name()));
      m.put("storedSize", d.storedSize());
      m.put("reason", d.reason());
      deletions.add(m);
    }
    root.put("deletions", deletions);
    List<Object> backupDeletions = new ArrayList<>();
    for (var e : baseBackups.entrySet()) {
      dev.walarchive.core.backup.BaseBackupInfo info = infos.get(e.getKey());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", e.getKey().toString());
      m.put("complete", info != null && info.complete());
      m.put("objects", e.getValue());
      m.put("storedSize", info == null ? 0 : info.storedSize());
      backupDeletions.add(m);
    }
    root.put("baseBackupDeletions", backupDeletions);
    root.put("deletionCount", plan.deletions().size());
    root.put("deletedBytes", plan.deletedBytes());
    root.put("warnings", warnings);
    root.put("applied", applied);
    root.put("deleted", deleted);
    return Json.value(root);
  }

  private static Map<String, Object> backup(RetentionPlan.Backup b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", b.name().name());
    m.put("timeline", b.timeline());
    m.put("start", b.start().toString());
    m.put("time", b.time().toString());
    m.put("reason", b.reason());
    return m;
  }

  private static List<String> names(SortedSet<WalFileName> names) {
    return names.stream().map(WalFileName::name).toList();
  }

  /** {@code 1 file}, {@code 2 files}. */
  static String files(long n) {
    return n + (n == 1 ? " file" : " files");
  }

  /** {@code 1 file NAME} or {@code 3 files FIRST .. LAST}. */
  private static String range(long n, WalFileName first, WalFileName last) {
    return n == 1 ? files(n) + " " + first : files(n) + " " + first + " .. " + last;
  }
}
