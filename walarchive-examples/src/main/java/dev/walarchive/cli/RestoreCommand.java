package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupNotFoundException;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.restore.BackupSelector;
import dev.walarchive.core.restore.DataDirectoryRestore;
import dev.walarchive.core.restore.NoSuitableBackupException;
import dev.walarchive.core.restore.RecoveryConfiguration;
import dev.walarchive.core.restore.RecoveryTarget;
import dev.walarchive.core.restore.RecoveryTimeline;
import dev.walarchive.core.restore.RestoreTargetException;
import dev.walarchive.core.wal.Lsn;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Restores a base backup from the archive into a new data directory, ready for recovery. */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = {
      "Restores a base backup pushed with 'walarchive backup-push' into DIR, a new or empty"
          + " directory, and configures recovery: every file with its mode and verified SHA-256,"
          + " tablespaces (in their original directories or as remapped), backup_label,"
          + " tablespace_map, recovery.signal (standby.signal with --standby), and in"
          + " postgresql.auto.conf a restore_command that runs walarchive with the same"
          + " configuration as this command, and the recovery target. Then prints the one"
          + " command left: pg_ctl -D DIR start.",
      "",
      "Without --backup, the newest complete backup that finished before the target time, or"
          + " stopped at or before the target LSN, and can reach the target timeline is chosen"
          + " (for --target-name and --target-xid, the newest complete one: name an older one if"
          + " the point is before it). Incomplete backups are never restored.",
      "",
      "If anything fails (a tampered or missing object, a storage or disk error), what was"
          + " written is removed, and DIR never holds global/pg_control or a signal file before"
          + " every file is verified: nothing half-restored can be started."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:restored; start it with the command printed",
      "1:no complete backup fits (none at all, none before the target, none on a timeline that"
          + " reaches the target timeline; the named one is missing or incomplete)",
      "2:usage or configuration error; also: DIR or a tablespace directory is not empty",
      "3:storage or I/O error (what was written is removed)",
      "4:a backup object failed verification: tampered, corrupt, wrong key (what was written is"
          + " removed)"
    },
    footer = {
      "",
      "Examples:",
      "  walarchive restore /var/lib/pg/pitr --target-time '2026-12-01 10:15:00+00'",
      "  walarchive restore /var/lib/pg/standby --standby",
      "  walarchive restore /srv/clone --no-archive --tablespace-map 16384=/srv/clone-ts1"
    })
final class RestoreCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The new data directory.")
  Path directory;

  @Option(
      names = "--backup",
      paramLabel = "NAME",
      description =
          "The backup to restore (as 'walarchive backup-list' names it), or LATEST (default):"
              + " the newest that fits the target.")
  String backup;

  @Option(
      names = "--target-time",
      paramLabel = "TIME",
      description =
          "Recover up to this time, with a zone: '2026-12-01 10:15:00+00',"
              + " 2026-12-01T10:15:00Z (recovery_target_time).")
  String targetTime;

  @Option(
      names = "--target-lsn",
      paramLabel = "LSN",
      description = "Recover up to this WAL position, such as 16/B374D848 (recovery_target_lsn).")
  String targetLsn;

  @Option(
      names = "--target-name",
      paramLabel = "NAME",
      description = "Recover up to this restore point (pg_create_restore_point).")
  String targetName;

  @Option(
      names = "--target-xid",
      paramLabel = "XID",
      description = "Recover up to this transaction (recovery_target_xid).")
  String targetXid;

  @Option(
      names = "--target-timeline",
      paramLabel = "TL",
      description =
          "latest (default: the newest archived timeline), current (the backup's) or a number.")
  String targetTimeline = "latest";

  @Option(
      names = "--target-action",
      paramLabel = "WHAT",
      description =
          "At the target: promote, pause (default, PostgreSQL's: read-only until"
              + " pg_wal_replay_resume()) or shutdown. Needs a target.")
  String targetAction;

  @Option(
      names = "--standby",
      description = "Start as a standby that keeps fetching archived WAL (standby.signal).")
  boolean standby;

  @Option(
      names = "--tablespace-map",
      paramLabel = "OID=PATH",
      description =
          "Restore tablespace OID into PATH (new or empty) instead of its original directory;"
              + " pg_tblspc/OID links to it. Repeatable.")
  List<String> tablespaceMaps = new ArrayList<>();

  @Option(
      names = "--no-archive",
      description =
          "Add archive_mode = off: a test restore or clone that must not archive into this"
              + " archive.")
  boolean noArchive;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      description = "Data objects fetched at the same time (default 4).")
  int parallel = 4;

  @Option(
      names = "--walarchive",
      paramLabel = "PATH",
      description =
          "The walarchive launcher restore_command runs (default: this installation's"
              + " bin/walarchive).")
  Path launcher;

  @Option(
      names = "--restore-command",
      paramLabel = "COMMAND",
      description =
          "Write this restore_command verbatim instead (it must pass %%f and %%p), for settings"
              + " that live only in this environment.")
  String restoreCommand;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    RecoveryTarget target = target();
    RecoveryTimeline timeline = parse(() -> RecoveryTimeline.parse(targetTimeline));
    RecoveryConfiguration.Action action =
        targetAction == null ? null : parse(() -> RecoveryConfiguration.Action.parse(targetAction));
    if (action != null && target.kind() == RecoveryTarget.Kind.LATEST) {
      throw new CliException(
          "--target-action needs a target (--target-time, --target-lsn, --target-name or"
              + " --target-xid)");
    }
    if (parallel < 1 || parallel > 64) {
      throw new CliException("--parallel must be from 1 to 64, not " + parallel);
    }
    Map<Long, Path> remaps = tablespaceMaps();
    Path dir = directory.toAbsolutePath().normalize();
    DataDirectoryRestore.checkEmptyOrAbsent(dir, "data directory");
    for (Map.Entry<Long, Path> t : remaps.entrySet()) {
      DataDirectoryRestore.checkEmptyOrAbsent(
          t.getValue(), "directory of tablespace " + t.getKey());
    }
    String command = restoreCommand();
    RecoveryConfiguration.Builder recovery =
        parse(() -> RecoveryConfiguration.builder(command))
            .target(target)
            .timeline(timeline)
            .standby(standby);
    if (action != null) {
      recovery.action(action);
    }
    if (noArchive) {
      recovery.setting("archive_mode", "off");
    }
    try (WalArchive archive = config.openArchive()) {
      Optional<String> named =
          backup == null || backup.equals("LATEST") ? Optional.empty() : Optional.of(backup);
      if (named.isPresent() && !BackupName.isValid(named.get())) {
        throw new CliException(
            "--backup "
                + named.get()
                + " is not a backup name (such as base_20261201T183012Z_0000000002000028) or"
                + " LATEST; 'walarchive backup-list' lists them");
      }
      BackupSelector.Choice choice = BackupSelector.choose(archive, named, target, timeline);
      BackupName name = BackupName.parse(choice.backup().name());
      recovery.comment(
          "recovery settings written by walarchive restore of "
              + name
              + " at "
              + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      DataDirectoryRestore.Builder restore =
          DataDirectoryRestore.builder(archive.baseBackups(), name, dir)
              .recovery(recovery.build())
              .parallelism(parallel);
      remaps.forEach(restore::tablespace);
      Progress progress = System.console() != null ? new Progress() : null;
      if (progress != null) {
        restore.listener(progress);
      }
      BackupManifest manifest;
      try {
        manifest = restore.run();
      } finally {
        if (progress != null) {
          progress.end();
        }
      }
      out.println(
          "restored "
              + name
              + " ("
              + manifest.files().size()
              + " files, "
              + Sizes.approximate(manifest.originalSize())
              + ", stopped "
              + manifest.stopTime()
              + " at "
              + manifest.stopLsn()
              + " on timeline "
              + manifest.stopTimeline()
              + ") into "
              + dir);
      for (Map.Entry<Long, String> t : manifest.tablespaces().entrySet()) {
        out.println(
            "tablespace "
                + t.getKey()
                + " in "
                + remaps.getOrDefault(t.getKey(), Path.of(t.getValue())));
      }
      out.println(
          "recovery: "
              + (standby ? "standby, " : "")
              + "target "
              + target
              + ", timeline "
              + timeline
              + (timeline.number().isPresent() ? "" : " (" + choice.targetTimeline() + " now)")
              + (target.kind() == RecoveryTarget.Kind.LATEST
                  ? ""
                  : ", then "
                      + (action == null ? RecoveryConfiguration.Action.PAUSE : action).setting()
                      + (action == null || action == RecoveryConfiguration.Action.PAUSE
                          ? " (resume with SELECT pg_wal_replay_resume())"
                          : "")));
      if ("root".equals(System.getProperty("user.name"))) {
        out.println(
            "note: the files belong to root; chown -R them to the database user (and the"
                + " tablespace directories) before starting");
      }
      out.println("pg_ctl -D " + shellWord(dir.toString()) + " start");
    }
    return 0;
  }

  private RecoveryTarget target() throws CliException {
    int given =
        (targetTime != null ? 1 : 0)
            + (targetLsn != null ? 1 : 0)
            + (targetName != null ? 1 : 0)
            + (targetXid != null ? 1 : 0);
    if (given > 1) {
      throw new CliException(
          "give at most one of --target-time, --target-lsn, --target-name and --target-xid");
    }
    if (targetTime != null) {
      return parse(() -> RecoveryTarget.time(RecoveryTarget.parseTime(targetTime)));
    }
    if (targetLsn != null) {
      return parse(() -> RecoveryTarget.lsn(Lsn.parse(targetLsn)));
    }
    if (targetName != null) {
      return parse(() -> RecoveryTarget.name(targetName));
    }
    if (targetXid != null) {
      return parse(() -> RecoveryTarget.xid(targetXid));
    }
    return RecoveryTarget.latest();
  }

  private Map<Long, Path> tablespaceMaps() throws CliException {
    Map<Long, Path> result = new TreeMap<>();
    for (String m : tablespaceMaps) {
      int eq = m.indexOf('=');
      String oid = eq < 0 ? "" : m.substring(0, eq);
      if (!oid.matches("[1-9][0-9]{0,9}") || eq == m.length() - 1) {
        throw new CliException(
            "--tablespace-map needs OID=PATH, such as 16384=/srv/restore/ts1, not '" + m + "'");
      }
      Path p = Path.of(m.substring(eq + 1));
      if (!p.isAbsolute()) {
        // as pg_basebackup's --tablespace-mapping: tablespace_map holds absolute paths, and one
        // resolved against wherever the command happened to run is rarely the directory meant
        throw new CliException(
            "--tablespace-map "
                + oid
                + "="
                + p
                + ": the directory must be an absolute path, such as "
                + oid
                + "=/srv/restore/ts1");
      }
      p = p.normalize();
      if (result.put(Long.parseLong(oid), p) != null) {
        throw new CliException("--tablespace-map " + oid + " is given twice; give it once");
      }
    }
    return result;
  }

  private String restoreCommand() throws CliException {
    if (restoreCommand != null) {
      return restoreCommand;
    }
    Path program = launcher != null ? launcher.toAbsolutePath() : RestoreCommandLine.launcher();
    List<String> argv = new ArrayList<>();
    argv.add(program.toString());
    argv.addAll(RestoreCommandLine.fetchArguments(config, System.getenv()));
    return parse(() -> RecoveryConfiguration.commandLine(argv));
  }

  private interface Parse<T> {
    T get();
  }

  private static <T> T parse(Parse<T> p) throws CliException {
    try {
      return p.get();
    } catch (IllegalArgumentException e) {
      throw new CliException(Errors.oneLine(e));
    }
  }

  private static String shellWord(String s) {
    return s.matches("[A-Za-z0-9_./=:@,+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    if (e instanceof NoSuitableBackupException || e instanceof BackupNotFoundException) {
      return 1;
    }
    if (e instanceof CliException
        || e instanceof RestoreTargetException
        || e instanceof IllegalArgumentException
        || e instanceof dev.walarchive.core.archive.ArchiveConfigurationException
        || e instanceof dev.walarchive.core.format.UnknownKeyException) {
      return 2;
    }
    if (e instanceof ObjectFormatException) {
      return 4;
    }
    return 3;
  }

  /** Progress on stderr, one line rewritten in place, only on a terminal. */
  private static final class Progress implements DataDirectoryRestore.Listener {
    private long lastPrinted;
    private boolean printed;

    @Override
    public void progress(long bytesDone, long bytesTotal, long filesDone, long filesTotal) {
      long now = System.nanoTime();
      if (filesDone < filesTotal && now - lastPrinted < 200_000_000L) {
        return;
      }
      lastPrinted = now;
      printed = true;
      System.err.printf(
          Locale.ROOT,
          "\rrestoring: %3d%% (%s of %s, %d of %d files)   ",
          bytesTotal == 0 ? 100 : bytesDone * 100 / bytesTotal,
          Sizes.approximate(bytesDone),
          Sizes.approximate(bytesTotal),
          filesDone,
          filesTotal);
      System.err.flush();
    }

    void end() {
      if (printed) {
        System.err.println();
      }
    }
  }
}
