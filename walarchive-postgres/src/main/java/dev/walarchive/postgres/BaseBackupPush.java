package dev.walarchive.postgres;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a full base backup of a running primary into a walarchive archive, with PostgreSQL's
 * non-exclusive low-level backup API on one connection: {@code pg_backup_start}, copy the data
 * directory and every tablespace ({@link BackupUpload}), {@code pg_backup_stop(wait_for_archive =>
 * false)}, then wait until PostgreSQL's archiver has put the WAL the backup needs (up to its stop
 * segment, and its backup history file) into this archive, and only then make it complete.
 * PostgreSQL 15 and later; 10 to 14 through {@code pg_start_backup} / {@code pg_stop_backup}.
 *
 * <pre>{@code
 * try (Connection c = PgConnectionSettings.fromEnvironment(System.getenv()).connect();
 *     WalArchive archive = ...) {
 *   BaseBackupInfo backup = BaseBackupPush.builder().parallelism(4).build().run(c, archive);
 * }
 * }</pre>
 *
 * <p>It runs on the database host: the data directory ({@code SHOW data_directory} unless {@link
 * Builder#dataDirectory} names it) must be readable and must be the server's own: its {@code
 * global/pg_control} names the archive's cluster, it holds {@code postmaster.pid}, it is the
 * directory the server's {@code data_directory} names (where the server shows it and the path
 * exists here), and after {@code pg_backup_start} its {@code pg_control} shows the checkpoint the
 * server's shows; a copy or clone of the cluster's data directory is refused before anything is
 * written. A failure anywhere leaves the backup incomplete (and aborts it on the server); nothing
 * that looks complete is written.
 */
public final class BaseBackupPush {
  private static final Logger log = LoggerFactory.getLogger(BaseBackupPush.class);

  private final int parallelism;
  private final String label;
  private final boolean fastCheckpoint;
  private final Path dataDirectory;
  private final Duration walTimeout;
  private final BackupUpload.Progress progress;
  private final Clock clock;
  private final String archiveUrl;

  private BaseBackupPush(Builder b) {
    this.parallelism = b.parallelism;
    this.label = b.label;
    this.fastCheckpoint = b.fastCheckpoint;
    this.dataDirectory = b.dataDirectory;
    this.walTimeout = b.walTimeout;
    this.progress = b.progress;
    this.clock = b.clock;
    this.archiveUrl = b.archiveUrl;
  }

  /** Starts configuring a push. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Takes the backup and returns it, complete.
   *
   * @throws ArchiveMismatchException if the server or data directory belongs to another cluster
   * @throws ArchiveConfigurationException if the server is a standby, does not archive, or its WAL
   *     does not arrive in this archive, or if the data directory is not the server's (a copy or a
   *     clone of its cluster, or no server runs on it)
   * @throws SQLException if the connection fails
   * @throws IOException if copying or storing fails
   */
  public BaseBackupInfo run(Connection connection, WalArchive archive)
      throws IOException, SQLException {
    requireNonNull(connection, "connection is null");
    requireNonNull(archive, "archive is null");
    ArchiveManifest manifest = archive.requireManifest();
    Server server = Server.query(connection);
    if (server.inRecovery) {
      throw new ArchiveConfigurationException(
          "the server is a standby (in recovery); backup-push backs up only a primary (on a"
              + " standby pg_backup_stop writes no .backup file and cannot switch WAL, so the"
              + " backup's completion could not be checked): run it on the primary's host against"
              + " the primary, with --pg or PGHOST/PGPORT naming the primary");
    }
    if (server.archiveMode.equals("off")) {
      throw new ArchiveConfigurationException(
          "archive_mode is off, so the WAL this backup needs would never be archived; turn"
              + " archiving on (see 'walarchive check')");
    }
    if (archiveUrl != null) {
      // the same judgement as 'walarchive check': a wrapper script or archive_library is only a
      // warning there (the archive it uses cannot be told from the setting); the wait below for
      // the WAL in this archive and for the archiver's own report still checks those
      for (CheckResult r :
          ArchivingCheck.builder()
              .archiveUrl(archiveUrl)
              .build()
              .archiveSettings(connection, archive)) {
        if (r.state() == CheckResult.State.FAILED) {
          throw new ArchiveConfigurationException(
              r.message()
                  + ": the WAL this backup needs would not arrive in this archive; "
                  + r.fix());
        }
      }
    }
    if (server.systemIdentifier != manifest.systemIdentifier()) {
      throw new ArchiveMismatchException(
          "the server is cluster "
              + Long.toUnsignedString(server.systemIdentifier)
              + ", but this archive holds cluster "
              + Long.toUnsignedString(manifest.systemIdentifier())
              + "; use the archive of this cluster");
    }
    Path dir = dataDirectory != null ? dataDirectory : serverDataDirectory(server);
    checkDataDirectory(dir, server);
    boolean modern = server.version >= 150000;
    Lsn start;
    try (PreparedStatement s =
        connection.prepareStatement(
            modern
                ? "SELECT pg_backup_start(?, ?)::text"
                : "SELECT pg_start_backup(?, ?, false)::text")) {
      s.setString(1, label);
      s.setBoolean(2, fastCheckpoint);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        start = Lsn.parse(r.getString(1));
      }
    }
    long timeline;
    try {
      timeline = checkCheckpoint(connection, dir, start);
    } catch (IOException | SQLException | RuntimeException e) {
      abort(connection, modern);
      throw e;
    }
    BackupName name = BackupName.of(clock.instant(), start);
    log.info("base backup {} started at {}", name, start);
    boolean stopped = false;
    try (BackupUpload upload =
        archive
            .baseBackups()
            .upload(
                name,
                dir,
                new BackupUpload.Options(
                    parallelism,
                    label,
                    server.version,
                    "PG_" + server.major() + "_" + server.catalogVersion,
                    progress,
                    timeline))) {
      upload.copyFiles();
      log.info("copied the files of {}; stopping the backup", name);
      String lsn;
      String labelFile;
      String mapFile;
      long deadline =
          walTimeout == null ? Long.MAX_VALUE : System.nanoTime() + walTimeout.toNanos();
      // without PostgreSQL's own wait for archiving (it checks once a second): the WAL is awaited
      // below, in this archive, where it must be before the backup is complete
      try (Statement s = connection.createStatement();
          ResultSet r =
              s.executeQuery(
                  modern
                      ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)"
                      : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)")) {
        r.next();
        lsn = r.getString(1);
        labelFile = r.getString(2);
        mapFile = r.getString(3);
      }
      stopped = true;
      // which transactions had not ended at the stop: a restore to a transaction id needs a backup
      // that stopped before it ended
      String snapshot;
      try (Statement s = connection.createStatement();
          ResultSet r =
              s.executeQuery(
                  server.version >= 130000
                      ? "SELECT pg_current_snapshot()::text"
                      : "SELECT txid_current_snapshot()::text")) {
        r.next();
        snapshot = r.getString(1);
      }
      Lsn stop = Lsn.parse(lsn);
      awaitWal(connection, archive, manifest.segmentSize(), name, labelFile, stop, deadline);
      return upload.complete(labelFile, mapFile, stop, snapshot);
    } finally {
      if (!stopped) {
        abort(connection, modern);
      }
    }
  }

  /**
   * Waits until the backup history file and every segment from the start to the stop segment are in
   * this archive (what {@link BackupUpload#complete} checks), polling the storage from every 10 ms
   * up to every 500 ms, and until PostgreSQL's archiver reports the stop segment archived, until
   * {@code deadline} ({@link System#nanoTime}). Nothing is pushed from {@code pg_wal} here: only
   * the server's own archiving may bring them, so that a server that archives elsewhere, or fails
   * to archive, never gets a complete backup.
   */
  private void awaitWal(
      Connection connection,
      WalArchive archive,
      WalSegmentSize size,
      BackupName name,
      String labelFile,
      Lsn stop,
      long deadline)
      throws IOException, SQLException {
    WalFileName history =
        WalFileName.backupHistory(startTimeline(labelFile), name.startLsn(), size);
    await(archive, history, name, deadline);
    long stopTimeline =
        BackupHistory.parse(history, new String(archive.read(history), StandardCharsets.ISO_8859_1))
            .stopTimeline();
    // up to the segment holding the last byte before the stop LSN, as the backup's manifest says
    long startTimeline = startTimeline(labelFile);
    WalFileName first = WalFileName.ofLsn(startTimeline, name.startLsn(), size);
    WalFileName last =
        stop.equals(name.startLsn())
            ? WalFileName.ofLsn(stopTimeline, stop, size)
            : WalFileName.ofEndLsn(stopTimeline, stop, size);
    if (startTimeline == stopTimeline) {
      for (long s = first.segmentNumber(size); s <= last.segmentNumber(size); s++) {
        await(archive, WalFileName.segment(stopTimeline, s, size), name, deadline);
      }
    } else {
      await(archive, first, name, deadline);
      await(archive, last, name, deadline);
    }
    awaitArchiver(connection, last, name, deadline);
    log.info("the WAL of {} up to {} is archived", name, last);
  }

  /**
   * Waits until PostgreSQL's archiver itself reports {@code last} archived ({@code
   * pg_stat_archiver.last_archived_wal} at or after it: the archiver archives in name order, the
   * backup history file before the stop segment), so that a backup is never complete while the
   * server's archiving fails (the WAL after the backup would be missing).
   */
  private void awaitArchiver(
      Connection connection, WalFileName last, BackupName name, long deadline)
      throws IOException, SQLException {
    long pause = 10;
    while (true) {
      String archived;
      String failed;
      long failures;
      try (Statement s = connection.createStatement()) {
        if (!connection.getAutoCommit()) {
          s.execute("SELECT pg_stat_clear_snapshot()");
        }
        try (ResultSet r =
            s.executeQuery(
                "SELECT last_archived_wal, last_failed_wal, failed_count FROM pg_stat_archiver")) {
          r.next();
          archived = r.getString(1);
          failed = r.getString(2);
          failures = r.getLong(3);
        }
      }
      if (archived != null && archived.compareTo(last.name()) >= 0) {
        return;
      }
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        throw new IOException(
            "PostgreSQL's archiver did not report "
                + last
                + ", which backup "
                + name
                + " needs, archived within "
                + walTimeout
                + " (pg_stat_archiver: last archived "
                + archived
                + ", "
                + failures
                + " failures, last failed "
                + failed
                + "): archiving is failing; run 'walarchive check'; the backup stays incomplete");
      }
      try {
        Thread.sleep(Math.max(1, Math.min(pause, (deadline - now) / 1_000_000L)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException(
            "interrupted while waiting for the WAL of backup " + name);
      }
      pause = Math.min(500, pause * 2);
    }
  }

  private void await(WalArchive archive, WalFileName file, BackupName name, long deadline)
      throws IOException {
    String key = WalArchive.keyOf(file);
    long pause = 10;
    long started = System.nanoTime();
    long warned = started;
    while (true) {
      try {
        archive.storage().stat(key);
        return;
      } catch (NoSuchFileException e) {
        // not yet
      }
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        throw new IOException(
            "PostgreSQL did not archive "
                + file
                + ", which backup "
                + name
                + " needs, into "
                + archive.location()
                + " within "
                + walTimeout
                + "; check archiving ('walarchive check') and that archive_command pushes into"
                + " this archive; the backup stays incomplete");
      }
      if (now - warned >= java.util.concurrent.TimeUnit.MINUTES.toNanos(1)) {
        warned = now;
        log.warn(
            "still waiting for PostgreSQL to archive {} for backup {} ({} s so far; check"
                + " archive_command)",
            file,
            name,
            (now - started) / 1_000_000_000L);
      }
      try {
        Thread.sleep(Math.max(1, Math.min(pause, (deadline - now) / 1_000_000L)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException(
            "interrupted while waiting for the WAL of backup " + name);
      }
      pause = Math.min(500, pause * 2);
    }
  }

  /** The label's START TIMELINE, else the timeline of the file named in START WAL LOCATION. */
  static long startTimeline(String labelFile) {
    String location = null;
    for (String line : labelFile.split("\n")) {
      if (line.startsWith("START TIMELINE: ")) {
        return Long.parseLong(line.substring("START TIMELINE: ".length()).trim());
      }
      if (line.startsWith("START WAL LOCATION: ")) {
        location = line;
      }
    }
    int file = location == null ? -1 : location.indexOf("(file ");
    if (file < 0 || location.length() < file + 6 + 8) {
      throw new IllegalArgumentException(
          "the backup label from pg_backup_stop names no start timeline");
    }
    return Long.parseLong(location.substring(file + 6, file + 14), 16);
  }

  private static void abort(Connection connection, boolean modern) {
    try (Statement s = connection.createStatement()) {
      s.execute(modern ? "SELECT pg_backup_stop(false)" : "SELECT pg_stop_backup(false, false)");
    } catch (SQLException e) {
      log.debug("could not abort the backup on the server (closing the connection does): {}", e);
    }
  }

  /** The server's data directory, if it shows it to this user; else -D is needed. */
  private static Path serverDataDirectory(Server server) throws IOException {
    if (server.dataDirectory == null) {
      throw new ArchiveConfigurationException(
          "the server does not show its data_directory to this user (superuser or"
              + " pg_read_all_settings only); name the data directory with -D");
    }
    return Path.of(server.dataDirectory);
  }

  /**
   * Before the backup starts: {@code dir} must be a data directory of the server's cluster ({@code
   * global/pg_control}), a server must run on it ({@code postmaster.pid}), and if the server shows
   * its {@code data_directory} and that path exists on this host, it must be the same directory
   * ({@link Files#isSameFile}: the same inode also through a bind mount or symbolic link).
   */
  private static void checkDataDirectory(Path dir, Server server) throws IOException {
    PgControl control = PgControl.read(dir);
    if (control.systemIdentifier() != server.systemIdentifier) {
      throw new ArchiveMismatchException(
          dir
              + " belongs to cluster "
              + Long.toUnsignedString(control.systemIdentifier())
              + ", not to the server connected to ("
              + Long.toUnsignedString(server.systemIdentifier)
              + "); name this server's data directory with -D");
    }
    if (!Files.exists(dir.resolve("postmaster.pid"))) {
      throw new ArchiveConfigurationException(
          dir
              + " has no postmaster.pid, so no server runs on it: it is not the data directory of"
              + " the server connected to (a copy or a stopped clone of the cluster?); name this"
              + " server's data directory with -D");
    }
    if (server.dataDirectory != null) {
      Path theirs = Path.of(server.dataDirectory);
      if (Files.exists(theirs) && !Files.isSameFile(dir, theirs)) {
        throw new ArchiveConfigurationException(
            dir
                + " is not the data directory of the server connected to (its data_directory is "
                + theirs
                + ", another directory on this host; a copy or a clone of the cluster?); name"
                + " this server's data directory with -D");
      }
    }
  }

  /**
   * After {@code pg_backup_start}: {@code dir/global/pg_control} must show the very checkpoint the
   * server's own pg_control shows ({@code pg_control_checkpoint()}, read before and after it, and
   * at or after the backup's start), on the server's timeline. A copy of the data directory taken
   * before that checkpoint, or a clone (restored, promoted) of the same cluster, shows another one:
   * its files are not the server's, and a backup of them would restore with data missing. Returns
   * the server's timeline.
   */
  private static long checkCheckpoint(Connection connection, Path dir, Lsn start)
      throws IOException, SQLException {
    for (int attempt = 0; ; attempt++) {
      Checkpoint before = Checkpoint.query(connection);
      PgControl control = PgControl.read(dir);
      Checkpoint after = Checkpoint.query(connection);
      if (!before.equals(after) && attempt < 20) {
        continue; // a checkpoint ended in between
      }
      if (control.checkpoint().equals(after.lsn)
          && control.checkpointTimeline() == after.timeline
          && control.checkpoint().compareTo(start) >= 0) {
        return after.timeline;
      }
      throw new ArchiveConfigurationException(
          dir
              + " is not the data directory of the server connected to: its global/pg_control"
              + " shows checkpoint "
              + control.checkpoint()
              + " on timeline "
              + control.checkpointTimeline()
              + ", the server's backup started at "
              + start
              + " after checkpoint "
              + after.lsn
              + " on timeline "
              + after.timeline
              + " (a stale copy or a clone of the cluster?); name this server's data directory"
              + " with -D; nothing was backed up");
    }
  }

  private record Checkpoint(Lsn lsn, long timeline) {
    static Checkpoint query(Connection c) throws SQLException {
      try (Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT checkpoint_lsn::text, timeline_id FROM pg_control_checkpoint()")) {
        r.next();
        return new Checkpoint(Lsn.parse(r.getString(1)), r.getLong(2));
      }
    }
  }

  private record Server(
      int version,
      boolean inRecovery,
      String archiveMode,
      String dataDirectory,
      long systemIdentifier,
      long catalogVersion) {
    int major() {
      return version / 10000;
    }

    static Server query(Connection c) throws SQLException {
      try (Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT current_setting('server_version_num')::int, pg_is_in_recovery(),"
                      + " current_setting('archive_mode'),"
                      + " (SELECT setting FROM pg_settings WHERE name = 'data_directory'),"
                      + " system_identifier::text, catalog_version_no FROM pg_control_system()")) {
        r.next();
        return new Server(
            r.getInt(1),
            r.getBoolean(2),
            r.getString(3),
            r.getString(4),
            Long.parseUnsignedLong(r.getString(5)),
            r.getLong(6));
      }
    }
  }

  /** Configuration of a {@link BaseBackupPush}; setters validate at once. */
  public static final class Builder {
    private int parallelism = 3;
    private String label = "walarchive backup-push";
    private boolean fastCheckpoint = true;
    private Path dataDirectory;
    private Duration walTimeout = Duration.ofMinutes(10);
    private BackupUpload.Progress progress = BackupUpload.Progress.NONE;
    private Clock clock = Clock.systemUTC();
    private String archiveUrl;

    private Builder() {}

    /**
     * The URL the archive was opened with: before the backup starts, the server's {@code
     * archive_mode} and {@code archive_command} are judged as {@code walarchive check} judges them
     * against it, and a command that does not archive into it refuses the backup; default none (not
     * judged; the wait for the WAL still fails if it does not arrive).
     */
    public Builder archiveUrl(String archiveUrl) {
      this.archiveUrl = requireNonNull(archiveUrl, "archiveUrl is null");
      return this;
    }

    /** Objects encoded and uploaded at the same time, 1 to 64; default 3. */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1 || parallelism > 64) {
        throw new IllegalArgumentException("parallelism must be 1 to 64, not " + parallelism);
      }
      this.parallelism = parallelism;
      return this;
    }

    /**
     * The backup label (at most 1023 bytes, PostgreSQL's limit); default "walarchive backup-push".
     */
    public Builder label(String label) {
      requireNonNull(label, "label is null");
      if (label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 1023
          || label.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a backup label is one line of at most 1023 bytes");
      }
      this.label = label;
      return this;
    }

    /** Whether {@code pg_backup_start} requests an immediate checkpoint; default true. */
    public Builder fastCheckpoint(boolean fast) {
      this.fastCheckpoint = fast;
      return this;
    }

    /** The data directory as this host sees it; default the server's {@code data_directory}. */
    public Builder dataDirectory(Path dataDirectory) {
      this.dataDirectory = requireNonNull(dataDirectory, "dataDirectory is null");
      return this;
    }

    /**
     * How long, from {@code pg_backup_stop}, to wait for the WAL the backup needs to arrive in the
     * archive; default 10 minutes, null for no limit.
     */
    public Builder walTimeout(Duration walTimeout) {
      if (walTimeout != null && (walTimeout.isNegative() || walTimeout.isZero())) {
        throw new IllegalArgumentException("walTimeout must be positive");
      }
      this.walTimeout = walTimeout;
      return this;
    }

    /** Receives copy progress. */
    public Builder progress(BackupUpload.Progress progress) {
      this.progress = requireNonNull(progress, "progress is null");
      return this;
    }

    /** The clock naming the backup; default UTC. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock is null");
      return this;
    }

    /** Builds the push. */
    public BaseBackupPush build() {
      return new BaseBackupPush(this);
    }
  }
}
