package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.postgres.BaseBackupPush;
import dev.walarchive.postgres.PgConnectionSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Takes a base backup of the running server into the archive. */
@Command(
    name = "backup-push",
    mixinStandardHelpOptions = true,
    description =
        "Takes a full base backup of the running primary into the archive (run it on the database host, as the user that owns the data directory). Connects like 'check' (libpq environment PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGPASSFILE/~/.pgpass, or --pg URL), runs pg_backup_start, copies the data directory and every tablespace with PostgreSQL's exclusion rules (several objects in parallel, compressed and encrypted like WAL), runs pg_backup_stop, waits until PostgreSQL has archived the WAL the backup needs into this archive, and only then marks the backup complete. Prints the backup's name.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the backup is complete",
      "1:the backup failed (storage or I/O error, the server failed or its WAL was not archived in time); it stays incomplete",
      "2:usage or configuration error (also: a standby, archive_mode off, another cluster, a data directory that is not the server's, an archive_command that archives elsewhere)",
      "3:cannot connect to PostgreSQL (or the connection failed)"
    })
final class BackupPushCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--pg",
      paramLabel = "URL",
      description =
          "Connection URL (postgresql://user@host:port/db or jdbc:postgresql://...); default: the"
              + " libpq environment.")
  String pg;

  @Option(
      names = {"-D", "--pgdata"},
      paramLabel = "DIR",
      description = "The data directory as this host sees it (default: SHOW data_directory).")
  Path pgdata;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      defaultValue = "3",
      description = "Objects encoded and uploaded at the same time (default: ${DEFAULT-VALUE}).")
  int parallel;

  @Option(
      names = "--label",
      paramLabel = "TEXT",
      defaultValue = "walarchive backup-push",
      description = "The backup label (default: ${DEFAULT-VALUE}).")
  String label;

  @Option(
      names = "--spread-checkpoint",
      description = "Let the starting checkpoint spread out instead of an immediate one.")
  boolean spread;

  @Option(
      names = "--wal-timeout",
      paramLabel = "DURATION",
      defaultValue = "10m",
      description =
          "How long to wait, from pg_backup_stop, for the WAL the backup needs to arrive in the"
              + " archive (default: ${DEFAULT-VALUE}).")
  String walTimeout;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (parallel < 1 || parallel > 64) {
      throw new CliException("--parallel must be 1 to 64, not " + parallel);
    }
    BaseBackupPush.Builder builder =
        BaseBackupPush.builder()
            .parallelism(parallel)
            .fastCheckpoint(!spread)
            .walTimeout(Durations.parse(walTimeout, "--wal-timeout"))
            .archiveUrl(config.url());
    try {
      builder.label(label);
    } catch (IllegalArgumentException e) {
      throw new CliException("--label: " + e.getMessage());
    }
    if (pgdata != null) {
      builder.dataDirectory(pgdata.toAbsolutePath());
    }
    Progress progress = System.console() != null ? new Progress(err) : null;
    if (progress != null) {
      builder.progress(progress);
    }
    PgConnectionSettings settings = CheckCommand.connectionSettings(pg);
    BaseBackupInfo backup;
    try (WalArchive archive = config.openArchive()) {
      try (Connection connection = CheckCommand.connect(settings)) {
        backup = builder.build().run(connection, archive);
      } catch (SQLException e) {
        throw new CheckCommand.ConnectionFailure(
            "PostgreSQL at " + settings + " failed during the backup: " + Errors.oneLine(e));
      } finally {
        if (progress != null) {
          progress.end();
        }
      }
    }
    BaseBackupInfo.Completed c = backup.completed().orElseThrow();
    out.println(
        backup.name()
            + " complete: "
            + c.files()
            + " files, "
            + c.originalSize()
            + " bytes ("
            + backup.storedSize()
            + " stored), WAL "
            + c.startSegment()
            + " to "
            + c.stopSegment());
    return 0;
  }

  /** One line on a terminal, rewritten at most once a second. */
  private static final class Progress implements BackupUpload.Progress {
    private final PrintWriter err;
    private long last;
    private boolean printed;

    Progress(PrintWriter err) {
      this.err = err;
    }

    @Override
    public synchronized void copied(long done, long total) {
      long now = System.nanoTime();
      if (now - last < 1_000_000_000L && done < total) {
        return;
      }
      last = now;
      printed = true;
      err.printf(
          "\rcopied %s of %s (%d%%)   ",
          Sizes.approximate(done), Sizes.approximate(total), total == 0 ? 100 : done * 100 / total);
      err.flush();
    }

    synchronized void end() {
      if (printed) {
        err.println();
      }
    }
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    if (e instanceof CheckCommand.ConnectionFailure) {
      return 3;
    }
    return e instanceof CliException
            || e instanceof IllegalArgumentException
            || e instanceof dev.walarchive.core.archive.ArchiveConfigurationException
            || e instanceof dev.walarchive.core.archive.ArchiveMismatchException
        ? 2
        : 1;
  }
}
