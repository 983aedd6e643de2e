package dev.walarchive.postgres;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.ObjectHeader;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Checks that a live PostgreSQL server archives its WAL into a given walarchive archive, end to
 * end, and says what to fix when it does not.
 *
 * <pre>{@code
 * PgConnectionSettings pg = PgConnectionSettings.fromEnvironment(System.getenv());
 * try (Connection connection = pg.connect();
 *     WalArchive archive = WalArchive.builder(ArchiveStorages.open(url, Map.of())).build()) {
 *   CheckReport report = ArchivingCheck.builder().archiveUrl(url).maxAge(Duration.ofMinutes(5))
 *       .build().run(connection, archive);
 *   report.results().forEach(r -> System.out.println(r.state() + " " + r.message()));
 * }
 * }</pre>
 *
 * <p>The checks, each one {@link CheckResult}:
 *
 * <ul>
 *   <li>the settings in force ({@code pg_settings}, with the file and line they come from): {@code
 *       wal_level} at least {@code replica}, {@code archive_mode} on ({@code always} on a standby),
 *       an {@code archive_command} that runs {@code walarchive wal-push} into the same archive (or
 *       {@code archive_library}, reported as such), {@code archive_timeout} within the RPO if one
 *       is given, settings waiting for a restart, and settings in one file overridden by another
 *       (optionally: the file the user expects them in);
 *   <li>the archive belongs to this server: system identifier and segment size from the archive
 *       manifest;
 *   <li>{@code pg_stat_archiver}: failures newer than the last success, failures during the check,
 *       the age of the last archived file against {@code maxAge};
 *   <li>the {@code .ready} backlog and the lag between the server's WAL position and the newest
 *       archived segment;
 *   <li>on a primary: a restore point and a WAL switch, then waiting up to {@code timeout} until
 *       that segment can be restored from the archive, decrypted and verified as {@code
 *       restore_command} would; on a standby (no switch): {@code restore_command} and that the
 *       newest archived segment can be restored.
 * </ul>
 *
 * <p>The end-to-end check needs superuser or {@code EXECUTE} on {@code pg_switch_wal()} and {@code
 * pg_create_restore_point(text)}; the {@code .ready} count needs superuser or {@code pg_monitor};
 * the source files need superuser or {@code pg_read_all_settings}. Without them the checks say so.
 *
 * <p>Instances are immutable and may be reused.
 */
public final class ArchivingCheck {
  private static final List<String> ARCHIVE_SETTINGS =
      List.of(
          "wal_level",
          "archive_mode",
          "archive_command",
          "archive_library",
          "archive_timeout",
          "restore_command");

  private final String archiveUrl;
  private final Duration maxAge;
  private final Duration rpo;
  private final Duration timeout;
  private final boolean forceSwitch;
  private final String expectedConfigFile;
  private final Long maxReady;
  private final Path tempDirectory;
  private final Keyring keyring;
  private final ServerFigures previous;
  private final Clock clock;

  private ArchivingCheck(Builder b) {
    this.archiveUrl = b.archiveUrl;
    this.maxAge = b.maxAge;
    this.rpo = b.rpo;
    this.timeout = b.timeout;
    this.forceSwitch = b.forceSwitch;
    this.expectedConfigFile = b.expectedConfigFile;
    this.maxReady = b.maxReady;
    this.tempDirectory = b.tempDirectory;
    this.keyring = b.keyring;
    this.previous = b.previous;
    this.clock = b.clock;
  }

  /** Starts configuring a check; every setting is optional. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs every check against the server on {@code connection} and {@code archive}. Problems with
   * the server or the archive become {@link CheckResult.State#FAILED} results; only a failing
   * connection throws.
   *
   * @throws SQLException if the connection fails while the checks run
   */
  public CheckReport run(Connection connection, WalArchive archive) throws SQLException {
    requireNonNull(connection, "connection is null");
    requireNonNull(archive, "archive is null");
    connection.setAutoCommit(true);
    Run run = new Run(connection, archive);
    run.all();
    return new CheckReport(run.results, run.figures(), clock.instant());
  }

  /**
   * Reads the server-side figures only (archiver statistics, {@code .ready} count, lag against
   * {@code archive}), without judging settings and without forcing a WAL switch: for status
   * displays.
   *
   * @throws SQLException if the connection fails
   */
  public ServerFigures figures(Connection connection, WalArchive archive) throws SQLException {
    requireNonNull(connection, "connection is null");
    requireNonNull(archive, "archive is null");
    connection.setAutoCommit(true);
    Run run = new Run(connection, archive);
    run.readServer();
    run.after = run.archiver();
    run.checkReady();
    run.checkLag();
    return run.figures();
  }

  /**
   * Only the judgement of {@code archive_mode} and {@code archive_command} (or {@code
   * archive_library}) that {@link #run} makes, without touching the archive: for backup-push, which
   * refuses to start when the server's WAL would not arrive in its archive.
   */
  List<CheckResult> archiveSettings(Connection connection, WalArchive archive) throws SQLException {
    Run run = new Run(connection, archive);
    run.readServer();
    run.checkArchiveMode();
    run.checkArchiveCommand();
    return run.results;
  }

  /** One setting as {@code pg_settings} shows it. */
  record Setting(
      String name,
      String value,
      String source,
      String sourceFile,
      Integer sourceLine,
      boolean pendingRestart) {
    String where() {
      if (sourceFile != null) {
        return sourceFile + (sourceLine == null ? "" : ":" + sourceLine);
      }
      return source == null ? "unknown source" : source;
    }

    String described() {
      return name + " = '" + value + "' (from " + where() + ")";
    }
  }

  /** A line of {@code pg_file_settings}. */
  record FileSetting(
      String file, Integer line, String name, String value, boolean applied, String error) {
    String where() {
      return file + (line == null ? "" : ":" + line);
    }
  }

  private final class Run {
    final Connection c;
    final WalArchive archive;
    final List<CheckResult> results = new ArrayList<>();
    final Map<String, Setting> settings = new LinkedHashMap<>();
    boolean standby;
    long systemIdentifier;
    WalSegmentSize segmentSize;
    long timeline;
    Lsn currentLsn;
    Archiver before;
    Archiver after;
    Long readyCount;
    WalFileName newestArchived;
    Long lagSegments;
    Long lagBytes;
    boolean archivingOff;

    Run(Connection c, WalArchive archive) {
      this.c = c;
      this.archive = archive;
    }

    void all() throws SQLException {
      readServer();
      checkWalLevel();
      checkArchiveMode();
      checkArchiveCommand();
      if (standby) {
        checkRestoreCommand();
      }
      checkArchiveTimeout();
      checkPendingRestart();
      checkConfigFiles();
      before = archiver();
      int identityAt = results.size();
      Optional<ArchiveManifest> manifest = readManifest();
      // with no manifest yet, the end-to-end check may create the archive: judged afterwards
      boolean identityOk =
          manifest != null && (manifest.isEmpty() || checkIdentity(manifest.get(), identityAt));
      if (identityOk) {
        if (!standby && forceSwitch) {
          endToEnd();
        } else {
          restoreNewest();
        }
      }
      if (manifest != null && manifest.isEmpty()) {
        Optional<ArchiveManifest> now = readManifest();
        if (now == null) {
          // reported by readManifest
        } else if (now.isEmpty()) {
          results.add(
              identityAt,
              CheckResult.failed(
                  "archive_identity",
                  "the archive at "
                      + describeArchive()
                      + " has no manifest: nothing was ever archived there",
                  "point archive_command and this check at the same archive, and make sure"
                      + " archive_mode is on and archive_command succeeds"));
        } else {
          checkIdentity(now.get(), identityAt);
        }
      }
      after = archiver();
      checkArchiver();
      readCurrentPosition();
      checkReady();
      checkLag();
    }

    // -------------------------------------------------------------------------------------------
    // server

    void readServer() throws SQLException {
      try (Statement s = c.createStatement()) {
        try (ResultSet r =
            s.executeQuery(
                "SELECT name, setting, source, sourcefile, sourceline, pending_restart"
                    + " FROM pg_settings WHERE name IN ('wal_level', 'archive_mode',"
                    + " 'archive_command', 'archive_library', 'archive_timeout', 'restore_command',"
                    + " 'wal_segment_size', 'config_file')")) {
          while (r.next()) {
            int line = r.getInt(5);
            Integer sourceLine = r.wasNull() ? null : line;
            settings.put(
                r.getString(1),
                new Setting(
                    r.getString(1),
                    r.getString(2),
                    r.getString(3),
                    r.getString(4),
                    sourceLine,
                    r.getBoolean(6)));
          }
        }
        try (ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
          r.next();
          standby = r.getBoolean(1);
        }
        try (ResultSet r = s.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
          r.next();
          systemIdentifier = r.getLong(1);
        }
      }
      segmentSize = WalSegmentSize.of(Long.parseLong(setting("wal_segment_size").value()));
      readCurrentPosition();
    }

    void readCurrentPosition() throws SQLException {
      try (Statement s = c.createStatement()) {
        if (!standby) {
          try (ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            r.next();
            currentLsn = Lsn.parse(r.getString(1));
          }
          try (ResultSet r =
              s.executeQuery("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")) {
            r.next();
            timeline = Long.parseLong(r.getString(1), 16);
          }
        } else {
          try (ResultSet r =
              s.executeQuery(
                  "SELECT coalesce(pg_last_wal_replay_lsn(), pg_last_wal_receive_lsn())::text,"
                      + " (SELECT timeline_id FROM pg_control_checkpoint())")) {
            r.next();
            String lsn = r.getString(1);
            currentLsn = lsn == null ? null : Lsn.parse(lsn);
            timeline = r.getLong(2);
          }
        }
      }
    }

    Setting setting(String name) {
      Setting s = settings.get(name);
      if (s == null) {
        return new Setting(name, "", "unknown", null, null, false);
      }
      return s;
    }

    // -------------------------------------------------------------------------------------------
    // settings

    void checkWalLevel() {
      Setting s = setting("wal_level");
      if (s.value().equals("replica") || s.value().equals("logical")) {
        results.add(CheckResult.ok("wal_level", s.described()));
      } else {
        archivingOff = true;
        results.add(
            CheckResult.failed(
                "wal_level",
                s.described() + ": WAL cannot be archived at this level",
                "set wal_level = replica in " + fileToEdit(s) + " and restart PostgreSQL"));
      }
    }

    void checkArchiveMode() {
      Setting s = setting("archive_mode");
      String v = s.value();
      if (v.equals("off")) {
        archivingOff = true;
        results.add(
            CheckResult.failed(
                "archive_mode",
                s.described()
                    + (standby
                        ? ": this standby will not archive, not even after promotion"
                        : ": nothing is archived"),
                "set archive_mode = "
                    + (standby ? "always (or on)" : "on")
                    + " in "
                    + fileToEdit(s)
                    + " and restart PostgreSQL"));
      } else if (standby && v.equals("on")) {
        results.add(
            CheckResult.warning(
                "archive_mode",
                s.described()
                    + ": this standby archives only after promotion; the primary must archive"
                    + " until then",
                "set archive_mode = always if this standby must archive itself"));
      } else {
        results.add(CheckResult.ok("archive_mode", s.described()));
      }
    }

    void checkArchiveCommand() {
      Setting library = setting("archive_library");
      if (!library.value().isEmpty()) {
        results.add(
            CheckResult.warning(
                "archive_command",
                library.described()
                    + " is set, so archive_command is not used; walarchive cannot tell where that"
                    + " module archives (the end-to-end check still tests the archive)",
                "clear archive_library to archive with walarchive wal-push"));
        return;
      }
      Setting s = setting("archive_command");
      String where = "archive_command (from " + s.where() + ")";
      if (s.value().isBlank()) {
        archivingOff = true;
        if (!standby || setting("archive_mode").value().equals("always")) {
          results.add(
              CheckResult.failed(
                  "archive_command",
                  where + " is empty: WAL piles up in pg_wal and nothing is archived",
                  "set archive_command = 'walarchive wal-push --config <file> %p' in "
                      + fileToEdit(s)
                      + " and reload PostgreSQL"));
        } else {
          results.add(
              CheckResult.warning(
                  "archive_command",
                  where + " is empty: after promotion this server would not archive",
                  "set archive_command = 'walarchive wal-push --config <file> %p'"));
        }
        return;
      }
      judgeCommand(
          "archive_command", s, WalarchiveCommand.parse(s.value(), "wal-push", "%p"), "%p");
    }

    void checkRestoreCommand() {
      Setting s = setting("restore_command");
      if (s.value().isBlank()) {
        results.add(
            CheckResult.warning(
                "restore_command",
                "restore_command (from "
                    + s.where()
                    + ") is empty: this standby cannot fall back to the archive when streaming"
                    + " falls behind",
                "set restore_command = 'walarchive wal-fetch --config <file> %f %p'"));
        return;
      }
      judgeCommand(
          "restore_command", s, WalarchiveCommand.parse(s.value(), "wal-fetch", "%f"), "%f %p");
    }

    private void judgeCommand(String name, Setting s, WalarchiveCommand cmd, String placeholders) {
      String where = name + " (from " + s.where() + ")";
      String sub = name.equals("archive_command") ? "wal-push" : "wal-fetch";
      if (!cmd.callsWalarchive) {
        results.add(
            CheckResult.warning(
                name,
                where
                    + " does not call walarchive directly, so the archive it uses cannot be"
                    + " confirmed from the setting",
                "use '" + "walarchive " + sub + " --config <file> " + placeholders + "'"));
        return;
      }
      if (!cmd.hasSubcommand || !cmd.placeholderPresent) {
        results.add(
            CheckResult.failed(
                name,
                where
                    + " calls walarchive without '"
                    + sub
                    + " ... "
                    + placeholders
                    + "'"
                    + (placeholders.contains(" ") ? " (in that order)" : ""),
                "set "
                    + name
                    + " = 'walarchive "
                    + sub
                    + " --config <file> "
                    + placeholders
                    + "'"));
        return;
      }
      if (cmd.keyInCommand) {
        results.add(
            CheckResult.warning(
                name + "_secret",
                where
                    + " holds an encryption key or passphrase (WALARCHIVE_KEY=/WALARCHIVE_PASSPHRASE=):"
                    + " it is visible in pg_settings and process listings",
                "move the key into a key-file named in the walarchive configuration file"));
      }
      if (cmd.url == null) {
        results.add(
            CheckResult.warning(
                name,
                where
                    + " calls walarchive "
                    + sub
                    + ", but "
                    + cmd.problem
                    + "; the archive it"
                    + " uses cannot be confirmed",
                "name the archive in the command: --config <file> or --url <url>"));
        return;
      }
      String theirs = ArchiveStorages.redact(cmd.url);
      if (archiveUrl == null) {
        results.add(
            CheckResult.warning(
                name,
                where + " uses archive " + theirs + "; this check was not told its own URL",
                "give the check the archive URL to compare"));
        return;
      }
      if (WalarchiveCommand.sameArchive(cmd.url, archiveUrl)) {
        results.add(
            CheckResult.ok(
                name, where + " runs walarchive " + sub + " into " + theirs + sourceOf(cmd)));
      } else {
        results.add(
            CheckResult.failed(
                name,
                where
                    + " runs walarchive "
                    + sub
                    + " into "
                    + theirs
                    + sourceOf(cmd)
                    + ", not into the checked archive "
                    + describeArchive(),
                "point "
                    + name
                    + " and this check at the same archive (the url in "
                    + (cmd.configFile != null ? cmd.configFile : "the command")
                    + "), then reload PostgreSQL"));
      }
    }

    private String sourceOf(WalarchiveCommand cmd) {
      return switch (cmd.urlSource) {
        case FLAG -> " (--url)";
        case ENVIRONMENT -> " (WALARCHIVE_URL)";
        case CONFIG_FILE -> " (url in " + cmd.configFile + ")";
        case UNKNOWN -> "";
      };
    }

    void checkArchiveTimeout() {
      if (rpo == null) {
        return;
      }
      Setting s = setting("archive_timeout");
      long seconds = Long.parseLong(s.value());
      if (seconds == 0) {
        results.add(
            CheckResult.failed(
                "archive_timeout",
                s.described()
                    + ": a quiet server may keep WAL unarchived indefinitely, beyond the RPO of "
                    + format(rpo),
                "set archive_timeout = '"
                    + Math.max(1, rpo.getSeconds() / 2)
                    + "s' (at most the RPO) in "
                    + fileToEdit(s)
                    + " and reload PostgreSQL"));
      } else if (Duration.ofSeconds(seconds).compareTo(rpo) > 0) {
        results.add(
            CheckResult.failed(
                "archive_timeout",
                s.described() + "s is longer than the RPO of " + format(rpo),
                "set archive_timeout to at most " + rpo.getSeconds() + "s and reload PostgreSQL"));
      } else {
        results.add(
            CheckResult.ok(
                "archive_timeout", s.described() + "s is within the RPO of " + format(rpo)));
      }
    }

    void checkPendingRestart() {
      for (String name : ARCHIVE_SETTINGS) {
        Setting s = settings.get(name);
        if (s != null && s.pendingRestart()) {
          results.add(
              CheckResult.failed(
                  "pending_restart",
                  name
                      + " was changed in the configuration files, but the server still runs with '"
                      + s.value()
                      + "'",
                  "restart PostgreSQL to apply the new " + name));
        }
      }
    }

    void checkConfigFiles() throws SQLException {
      List<FileSetting> lines;
      try {
        lines = fileSettings();
      } catch (SQLException e) {
        if (!"42501".equals(e.getSQLState())) {
          throw e;
        }
        if (expectedConfigFile != null) {
          results.add(
              CheckResult.warning(
                  "config_source",
                  "cannot read pg_file_settings to confirm the settings come from "
                      + expectedConfigFile,
                  "run the check as a superuser"));
          checkExpectedFromSettings();
        }
        return;
      }
      String expected = expectedConfigFile == null ? null : expectedPath();
      if (expected != null) {
        List<FileSetting> fromExpected =
            lines.stream().filter(l -> expected.equals(l.file())).toList();
        if (fromExpected.isEmpty()) {
          StringBuilder inForce = new StringBuilder();
          for (String name : List.of("archive_mode", "archive_command", "wal_level")) {
            inForce.append(inForce.length() == 0 ? "" : "; ").append(setting(name).described());
          }
          results.add(
              CheckResult.failed(
                  "config_source",
                  "the server does not read "
                      + expected
                      + " (no setting in force comes from it); in force: "
                      + inForce,
                  "include it from "
                      + setting("config_file").value()
                      + " (include '"
                      + expected
                      + "') and restart PostgreSQL, or write the settings where the server reads"
                      + " them"));
          return;
        }
      }
      boolean reported = false;
      for (FileSetting l : lines) {
        if (!ARCHIVE_SETTINGS.contains(l.name())) {
          continue;
        }
        if (l.error() != null) {
          results.add(
              CheckResult.failed(
                  "config_source",
                  l.where()
                      + ": "
                      + l.name()
                      + " = '"
                      + l.value()
                      + "' is not applied: "
                      + l.error(),
                  "fix that line and reload PostgreSQL"));
          reported = true;
        } else if (!l.applied()) {
          Setting winner = setting(l.name());
          boolean fromExpected = expected != null && expected.equals(l.file());
          String message =
              l.name()
                  + " = '"
                  + l.value()
                  + "' at "
                  + l.where()
                  + " is overridden by "
                  + winner.described();
          String fix =
              "remove "
                  + l.name()
                  + " from "
                  + winner.where()
                  + (winner.sourceFile() != null
                          && winner.sourceFile().endsWith("postgresql.auto.conf")
                      ? " (ALTER SYSTEM RESET " + l.name() + ")"
                      : "")
                  + ", or set it there";
          results.add(
              fromExpected
                  ? CheckResult.failed("config_source", message, fix)
                  : CheckResult.warning("config_source", message, fix));
          reported = true;
        }
      }
      if (expected != null && !reported) {
        results.add(
            CheckResult.ok(
                "config_source", "the archive settings in " + expected + " are in force"));
      }
    }

    private void checkExpectedFromSettings() {
      String expected = expectedPath();
      for (String name : List.of("archive_mode", "archive_command", "wal_level")) {
        Setting s = setting(name);
        if (s.sourceFile() != null && !s.sourceFile().equals(expected)) {
          results.add(
              CheckResult.failed(
                  "config_source",
                  s.described() + " does not come from " + expected,
                  "remove " + name + " from " + s.where() + ", or include " + expected + " later"));
        }
      }
    }

    private String expectedPath() {
      Path p = Path.of(expectedConfigFile);
      if (!p.isAbsolute()) {
        Path configDir = Path.of(setting("config_file").value()).getParent();
        if (configDir != null) {
          p = configDir.resolve(p);
        }
      }
      return p.normalize().toString();
    }

    private List<FileSetting> fileSettings() throws SQLException {
      List<FileSetting> lines = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT sourcefile, sourceline, name, setting, applied, error"
                      + " FROM pg_file_settings ORDER BY seqno")) {
        while (r.next()) {
          int line = r.getInt(2);
          Integer l = r.wasNull() ? null : line;
          lines.add(
              new FileSetting(
                  r.getString(1),
                  l,
                  r.getString(3),
                  r.getString(4),
                  r.getBoolean(5),
                  r.getString(6)));
        }
      }
      return lines;
    }

    private String fileToEdit(Setting s) {
      if (s.sourceFile() != null) {
        return s.sourceFile();
      }
      String config = setting("config_file").value();
      return config.isEmpty() ? "postgresql.conf" : config;
    }

    // -------------------------------------------------------------------------------------------
    // archive identity

    /** The manifest, empty if none; null if it cannot be read (reported). */
    Optional<ArchiveManifest> readManifest() {
      try {
        return archive.manifest();
      } catch (IOException e) {
        results.add(
            CheckResult.failed(
                "archive_identity",
                "cannot read the manifest of " + describeArchive() + ": " + oneLine(e),
                "check the archive URL and the storage credentials"));
        return null;
      }
    }

    boolean checkIdentity(ArchiveManifest m, int at) {
      if (m.systemIdentifier() != systemIdentifier) {
        results.add(
            at,
            CheckResult.failed(
                "archive_identity",
                "the archive "
                    + describeArchive()
                    + " belongs to cluster "
                    + Long.toUnsignedString(m.systemIdentifier())
                    + ", this server is cluster "
                    + Long.toUnsignedString(systemIdentifier)
                    + ": pushes from this server are refused",
                "give this cluster an archive URL of its own (one archive per cluster)"));
        return false;
      }
      if (!m.segmentSize().equals(segmentSize)) {
        results.add(
            at,
            CheckResult.failed(
                "archive_identity",
                "the archive holds "
                    + m.segmentSize().bytes()
                    + "-byte segments, this server writes "
                    + segmentSize.bytes()
                    + "-byte segments",
                "give this cluster an archive URL of its own"));
        return false;
      }
      results.add(
          at,
          CheckResult.ok(
              "archive_identity",
              "the archive belongs to this cluster (system identifier "
                  + Long.toUnsignedString(systemIdentifier)
                  + ", "
                  + segmentSize.bytes() / (1024 * 1024)
                  + " MiB segments)"));
      return true;
    }

    // -------------------------------------------------------------------------------------------
    // end to end

    void endToEnd() throws SQLException {
      if (archivingOff) {
        results.add(
            CheckResult.warning(
                "end_to_end",
                "not run: archiving is not set up (see above), no segment could reach the archive",
                "fix the settings above, then run the check again"));
        return;
      }
      String point = "walarchive-check-" + clock.instant().toString();
      WalFileName segment;
      try (PreparedStatement p = c.prepareStatement("SELECT pg_create_restore_point(?)")) {
        p.setString(1, point);
        p.executeQuery().close();
        try (Statement s = c.createStatement();
            ResultSet r = s.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
          r.next();
          segment = WalFileName.parse(r.getString(1));
        }
      } catch (SQLException e) {
        if ("42501".equals(e.getSQLState())) {
          results.add(
              CheckResult.failed(
                  "end_to_end",
                  "not permitted to force a WAL switch: " + oneLine(e),
                  "run the check as a superuser, or GRANT EXECUTE ON FUNCTION pg_switch_wal(),"
                      + " pg_create_restore_point(text) TO the check's user"));
          return;
        }
        throw e;
      }
      Instant start = clock.instant();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Optional<String> problem;
        try {
          problem = restore(segment);
        } catch (WalFileNotFoundException e) {
          if (System.nanoTime() - deadline > 0) {
            Archiver now = archiver();
            String archiverSays = "";
            if (now != null && before != null && now.failedCount > before.failedCount) {
              archiverSays =
                  "; archive_command failed "
                      + (now.failedCount - before.failedCount)
                      + " time(s) meanwhile (last for "
                      + now.lastFailedWal
                      + ")";
            }
            results.add(
                CheckResult.failed(
                    "end_to_end",
                    "restore point '"
                        + point
                        + "' in segment "
                        + segment
                        + " did not arrive in the archive within "
                        + format(timeout)
                        + archiverSays,
                    archiverSays.isEmpty()
                        ? "check that archive_command archives into this archive and succeeds"
                            + " (server log), or allow more time with a longer timeout"
                        : "read the archive_command errors in the server log (is the archive"
                            + " writable by the PostgreSQL user?), fix them"));
            return;
          }
          sleep(250);
          continue;
        }
        Duration took = Duration.between(start, clock.instant());
        if (problem.isEmpty()) {
          results.add(
              CheckResult.ok(
                  "end_to_end",
                  "forced segment "
                      + segment
                      + " (restore point '"
                      + point
                      + "') was archived, then restored and verified as restore_command would, in "
                      + format(took)));
          checkEncryption(segment);
        } else {
          results.add(
              CheckResult.failed(
                  "end_to_end",
                  "forced segment " + segment + " is in the archive but " + problem.get(),
                  "check the key settings: this check must use the keys archive_command uses"));
        }
        return;
      }
    }

    void restoreNewest() {
      ArchiveInventory inventory;
      try {
        inventory = archive.inventory();
      } catch (IOException e) {
        results.add(
            CheckResult.failed(
                "restore",
                "cannot list " + describeArchive() + ": " + oneLine(e),
                "check the archive URL and the storage credentials"));
        return;
      }
      Optional<WalFileName> newest =
          inventory.files(WalFileName.Kind.SEGMENT).stream().max(Comparator.naturalOrder());
      if (newest.isEmpty()) {
        results.add(
            CheckResult.failed(
                "restore",
                "the archive " + describeArchive() + " holds no segment to restore",
                "make sure the primary archives into this archive"));
        return;
      }
      try {
        Optional<String> problem = restore(newest.get());
        if (problem.isEmpty()) {
          results.add(
              CheckResult.ok(
                  "restore",
                  "newest archived segment "
                      + newest.get()
                      + " was restored and verified as restore_command would"));
          checkEncryption(newest.get());
        } else {
          results.add(
              CheckResult.failed(
                  "restore",
                  "newest archived segment " + newest.get() + " " + problem.get(),
                  "check the key settings: this check must use the keys the archive was written"
                      + " with"));
        }
      } catch (WalFileNotFoundException e) {
        results.add(
            CheckResult.failed(
                "restore",
                newest.get() + " was listed but cannot be read",
                "check the storage for concurrent deletion (retention?)"));
      }
    }

    /**
     * Restores {@code name} into a temporary directory as restore_command would; empty if it is the
     * segment of this cluster, else what is wrong.
     */
    Optional<String> restore(WalFileName name) throws WalFileNotFoundException {
      Path dir = null;
      try {
        if (archive.manifest().isEmpty()) {
          // nothing archived yet: the first segment archive_command pushes creates the archive
          throw new WalFileNotFoundException(name.name());
        }
        dir = Files.createTempDirectory(tempDirectory, "walarchive-check-");
        Path target = dir.resolve(name.name());
        long size = archive.fetch(name.name(), target);
        if (size != segmentSize.bytes()) {
          return Optional.of(
              "restored to " + size + " bytes, not " + segmentSize.bytes() + " bytes");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(target)) {
          bytes = in.readNBytes(SegmentHeader.LENGTH);
        }
        SegmentHeader header = SegmentHeader.parse(bytes);
        header.checkMatches(name);
        if (header.systemIdentifier() != systemIdentifier) {
          return Optional.of(
              "was written by cluster " + Long.toUnsignedString(header.systemIdentifier()));
        }
        return Optional.empty();
      } catch (WalFileNotFoundException e) {
        throw e;
      } catch (ObjectFormatException e) {
        return Optional.of("failed verification: " + oneLine(e));
      } catch (IOException | IllegalArgumentException e) {
        return Optional.of("cannot be restored: " + oneLine(e));
      } finally {
        if (dir != null) {
          deleteQuietly(dir);
        }
      }
    }

    void checkEncryption(WalFileName name) {
      if (keyring == null) {
        return;
      }
      ObjectHeader header;
      try (InputStream in = archive.storage().open(WalArchive.keyOf(name))) {
        header = new ObjectCodec(Compression.none(), keyring).readHeader(in);
      } catch (IOException e) {
        results.add(
            CheckResult.failed(
                "encryption",
                "cannot read the object header of " + name + ": " + oneLine(e),
                "check the key settings and the storage"));
        return;
      }
      if (header.encrypted()) {
        results.add(
            CheckResult.ok(
                "encryption",
                name
                    + " is encrypted ("
                    + header.encryption()
                    + ", key id '"
                    + header.keyId()
                    + "') and this check's keys decrypt it"));
      } else if (keyring.encrypts()) {
        results.add(
            CheckResult.warning(
                "encryption",
                name + " is archived without encryption, though this check has a key",
                "give archive_command the same key settings as this check"));
      } else {
        results.add(
            CheckResult.ok("encryption", "the archive is not encrypted (no key configured)"));
      }
    }

    // -------------------------------------------------------------------------------------------
    // archiver statistics

    record Archiver(
        long archivedCount,
        String lastArchivedWal,
        Instant lastArchivedTime,
        long failedCount,
        String lastFailedWal,
        Instant lastFailedTime,
        Instant statsReset) {}

    Archiver archiver() throws SQLException {
      try (Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT archived_count, last_archived_wal, last_archived_time, failed_count,"
                      + " last_failed_wal, last_failed_time, stats_reset FROM pg_stat_archiver")) {
        if (!r.next()) {
          return null;
        }
        return new Archiver(
            r.getLong(1),
            r.getString(2),
            instant(r.getTimestamp(3)),
            r.getLong(4),
            r.getString(5),
            instant(r.getTimestamp(6)),
            instant(r.getTimestamp(7)));
      }
    }

    void checkArchiver() {
      if (after == null) {
        return;
      }
      if (standby && !setting("archive_mode").value().equals("always")) {
        return;
      }
      Instant now = clock.instant();
      if (before != null && after.failedCount > before.failedCount) {
        results.add(
            CheckResult.failed(
                "archiver",
                "archive_command failed "
                    + (after.failedCount - before.failedCount)
                    + " time(s) during this check (last for "
                    + after.lastFailedWal
                    + " at "
                    + after.lastFailedTime
                    + "); failed_count is "
                    + after.failedCount,
                "read the archive_command error in the server log and fix it (is the archive"
                    + " writable by the PostgreSQL user?)"));
      } else if (previous != null
          && previous.failedCount().isPresent()
          && previous.statsReset().equals(Optional.ofNullable(after.statsReset))
          && after.failedCount > previous.failedCount().getAsLong()) {
        results.add(
            CheckResult.failed(
                "archiver",
                "archive_command failed "
                    + (after.failedCount - previous.failedCount().getAsLong())
                    + " time(s) since the previous check (last for "
                    + after.lastFailedWal
                    + " at "
                    + after.lastFailedTime
                    + "); failed_count is "
                    + after.failedCount,
                "read the archive_command error in the server log and fix it"));
      } else if (after.lastFailedTime != null
          && (after.lastArchivedTime == null
              || after.lastFailedTime.isAfter(after.lastArchivedTime))) {
        results.add(
            CheckResult.failed(
                "archiver",
                "archive_command last failed for "
                    + after.lastFailedWal
                    + " at "
                    + after.lastFailedTime
                    + (after.lastArchivedTime == null
                        ? " and never succeeded"
                        : ", after the last success at " + after.lastArchivedTime)
                    + " (failed_count "
                    + after.failedCount
                    + ")",
                "read the archive_command error in the server log and fix it"));
      } else {
        results.add(
            CheckResult.ok(
                "archiver",
                "archived_count "
                    + after.archivedCount
                    + ", failed_count "
                    + after.failedCount
                    + (after.lastFailedTime == null
                        ? ""
                        : " (the last failure, at "
                            + after.lastFailedTime
                            + ", was followed by successes)")));
      }
      if (maxAge != null) {
        if (after.lastArchivedTime == null) {
          results.add(
              CheckResult.failed(
                  "last_archived",
                  "nothing was archived since the statistics were reset",
                  "make archive_command succeed; check archive_mode and the server log"));
        } else {
          Duration age = Duration.between(after.lastArchivedTime, now);
          if (age.compareTo(maxAge) > 0) {
            results.add(
                CheckResult.failed(
                    "last_archived",
                    "last archived "
                        + after.lastArchivedWal
                        + " "
                        + format(age)
                        + " ago, longer than the limit of "
                        + format(maxAge),
                    "see why archiving stalls (server log, archiver process); set archive_timeout"
                        + " below the limit if the server is quiet"));
          } else {
            results.add(
                CheckResult.ok(
                    "last_archived",
                    "last archived " + after.lastArchivedWal + " " + format(age) + " ago"));
          }
        }
      }
    }

    void checkReady() throws SQLException {
      if (standby && !setting("archive_mode").value().equals("always")) {
        return;
      }
      try (Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")) {
        r.next();
        readyCount = r.getLong(1);
      } catch (SQLException e) {
        if (!"42501".equals(e.getSQLState())) {
          throw e;
        }
        results.add(
            CheckResult.warning(
                "ready",
                "cannot count the .ready files in pg_wal/archive_status: " + oneLine(e),
                "GRANT pg_monitor TO the check's user"));
        return;
      }
      if (maxReady != null && readyCount > maxReady) {
        results.add(
            CheckResult.failed(
                "ready",
                readyCount + " WAL files wait to be archived (.ready), more than " + maxReady,
                "archiving falls behind: see the server log; consider walarchive's async mode"));
      } else {
        results.add(CheckResult.ok("ready", readyCount + " WAL file(s) wait to be archived"));
      }
    }

    void checkLag() {
      ArchiveInventory inventory;
      try {
        inventory = archive.inventory();
      } catch (IOException e) {
        results.add(
            CheckResult.failed(
                "lag",
                "cannot list " + describeArchive() + ": " + oneLine(e),
                "check the archive URL and the storage credentials"));
        return;
      }
      Optional<WalFileName> newest =
          inventory.files(WalFileName.Kind.SEGMENT).stream()
              .filter(n -> n.timeline() == timeline)
              .max(Comparator.naturalOrder());
      if (newest.isEmpty()) {
        results.add(
            archivingOff
                ? CheckResult.warning(
                    "lag", "no segment of timeline " + timeline + " is in the archive", "")
                : CheckResult.failed(
                    "lag",
                    "no segment of timeline " + timeline + " is in the archive",
                    "make sure archive_command archives into this archive"));
        return;
      }
      newestArchived = newest.get();
      if (currentLsn == null) {
        results.add(CheckResult.ok("lag", "newest archived segment " + newestArchived));
        return;
      }
      long newestNumber = newestArchived.segmentNumber(segmentSize);
      long currentNumber = currentLsn.segmentNumber(segmentSize);
      Lsn archivedEnd = Lsn.ofSegment(newestNumber + 1, 0, segmentSize);
      lagBytes = Math.max(0, currentLsn.minus(archivedEnd));
      lagSegments = Math.max(0, currentNumber - 1 - newestNumber);
      results.add(
          CheckResult.ok(
              "lag",
              "newest archived segment "
                  + newestArchived
                  + "; the server is at "
                  + currentLsn
                  + ": "
                  + lagSegments
                  + " complete segment(s), "
                  + lagBytes
                  + " bytes not yet archived"));
    }

    ServerFigures figures() {
      Archiver a = after != null ? after : before;
      return new ServerFigures(
          standby,
          timeline,
          Optional.ofNullable(currentLsn).map(Lsn::toString),
          a == null ? OptionalLong.empty() : OptionalLong.of(a.archivedCount),
          a == null ? OptionalLong.empty() : OptionalLong.of(a.failedCount),
          Optional.ofNullable(a == null ? null : a.lastArchivedWal),
          Optional.ofNullable(a == null ? null : a.lastArchivedTime),
          Optional.ofNullable(a == null ? null : a.lastFailedWal),
          Optional.ofNullable(a == null ? null : a.lastFailedTime),
          Optional.ofNullable(a == null ? null : a.statsReset),
          readyCount == null ? OptionalLong.empty() : OptionalLong.of(readyCount),
          Optional.ofNullable(newestArchived).map(WalFileName::name),
          lagSegments == null ? OptionalLong.empty() : OptionalLong.of(lagSegments),
          lagBytes == null ? OptionalLong.empty() : OptionalLong.of(lagBytes));
    }

    private String describeArchive() {
      return archiveUrl == null ? archive.storage().toString() : ArchiveStorages.redact(archiveUrl);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 10_000) {
      return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    return OptionValues.formatRounded(d);
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    return m.replace('\n', ' ').replace('\r', ' ');
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory; nothing to do
    }
  }

  /** Settings of an {@link ArchivingCheck}; every setter validates at once. */
  public static final class Builder {
    private String archiveUrl;
    private Duration maxAge;
    private Duration rpo;
    private Duration timeout = Duration.ofSeconds(60);
    private boolean forceSwitch = true;
    private String expectedConfigFile;
    private Long maxReady;
    private Path tempDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    private Keyring keyring;
    private ServerFigures previous;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The URL the archive was opened with, to compare with the archive {@code archive_command} and
     * {@code restore_command} name; without it those checks only warn.
     */
    public Builder archiveUrl(String url) {
      this.archiveUrl = requireNonNull(url, "url is null");
      return this;
    }

    /** Fail if {@code pg_stat_archiver.last_archived_time} is older; default: no limit. */
    public Builder maxAge(Duration maxAge) {
      this.maxAge = positive(maxAge, "maxAge");
      return this;
    }

    /** The recovery point objective: {@code archive_timeout} must be set and within it. */
    public Builder rpo(Duration rpo) {
      this.rpo = positive(rpo, "rpo");
      return this;
    }

    /** How long to wait for the forced segment to arrive in the archive; default 60 s. */
    public Builder timeout(Duration timeout) {
      this.timeout = positive(timeout, "timeout");
      return this;
    }

    /**
     * Whether, on a primary, to create a restore point and force a WAL switch and wait for that
     * segment (default true); false restores the newest archived segment instead.
     */
    public Builder forceSwitch(boolean forceSwitch) {
      this.forceSwitch = forceSwitch;
      return this;
    }

    /**
     * The configuration file the archive settings are expected to come from (absolute, or relative
     * to the directory of {@code postgresql.conf}); fail if the server does not read it or another
     * file overrides it.
     */
    public Builder expectedConfigFile(String file) {
      requireNonNull(file, "file is null");
      if (file.isBlank()) {
        throw new IllegalArgumentException("expectedConfigFile is blank");
      }
      this.expectedConfigFile = file;
      return this;
    }

    /** Fail if more WAL files than this wait to be archived; default: no limit. */
    public Builder maxReady(long maxReady) {
      if (maxReady < 0) {
        throw new IllegalArgumentException("maxReady is negative: " + maxReady);
      }
      this.maxReady = maxReady;
      return this;
    }

    /** Where restored segments are written for verification; default {@code java.io.tmpdir}. */
    public Builder tempDirectory(Path dir) {
      this.tempDirectory = requireNonNull(dir, "dir is null");
      return this;
    }

    /**
     * The keyring the archive was opened with: with it, the check also reports whether the restored
     * segment was encrypted and with which key id (a plaintext segment in an archive this check
     * reads with a key is a warning). Without it there is no encryption line.
     */
    public Builder keyring(Keyring keyring) {
      this.keyring = requireNonNull(keyring, "keyring is null");
      return this;
    }

    /**
     * The figures of the previous run (for example kept in a file by a cron job): fail if {@code
     * failed_count} rose since then (unless the statistics were reset in between).
     */
    public Builder previous(ServerFigures previous) {
      this.previous = requireNonNull(previous, "previous is null");
      return this;
    }

    /** Clock for ages and restore point names; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock is null");
      return this;
    }

    /** Builds the check. */
    public ArchivingCheck build() {
      return new ArchivingCheck(this);
    }

    private static Duration positive(Duration d, String name) {
      requireNonNull(d, name + " is null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, not " + d);
      }
      return d;
    }
  }
}
