package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.postgres.ArchivingCheck;
import dev.walarchive.postgres.CheckReport;
import dev.walarchive.postgres.CheckResult;
import dev.walarchive.postgres.PgConnectionSettings;
import dev.walarchive.postgres.ServerFigures;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Checks against the live server that archiving works end to end. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Connects to PostgreSQL (libpq environment PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGPASSFILE/~/.pgpass, or --pg URL; TCP only) and checks that it archives into this archive: settings in force and the files they come from, archive identity, pg_stat_archiver, .ready backlog and lag; on a primary it creates a restore point, forces a WAL switch and waits until that segment can be restored from the archive; on a standby it restores the newest archived segment instead. One line per check: OK, WARNING or FAILED with what to do.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every check passed (warnings allowed)",
      "1:a check failed",
      "2:usage or configuration error",
      "3:cannot connect to PostgreSQL (or the connection failed)"
    })
final class CheckCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--pg",
      paramLabel = "URL",
      description =
          "Connection URL (postgresql://user@host:port/db or jdbc:postgresql://...); default: the"
              + " libpq environment. Prefer PGPASSWORD or ~/.pgpass to a password in the URL.")
  String pg;

  @Option(
      names = "--max-age",
      paramLabel = "DURATION",
      description = "Fail if pg_stat_archiver's last_archived_time is older, e.g. 5m.")
  String maxAge;

  @Option(
      names = "--rpo",
      paramLabel = "DURATION",
      description = "Recovery point objective: archive_timeout must be set and at most this.")
  String rpo;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "How long to wait for the forced segment (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--no-switch",
      description =
          "On a primary, do not force a WAL switch; restore the newest archived segment instead.")
  boolean noSwitch;

  @Option(
      names = "--expect-config",
      paramLabel = "FILE",
      description =
          "The server configuration file the archive settings should come from (absolute, or"
              + " relative to postgresql.conf's directory): fail if the server does not read it or"
              + " another file overrides it.")
  String expectConfig;

  @Option(
      names = "--max-ready",
      paramLabel = "N",
      description = "Fail if more than N WAL files wait to be archived (.ready files).")
  Long maxReady;

  @Option(
      names = "--heartbeat",
      paramLabel = "FILE",
      description =
          "Touch FILE when every check passed, and print nothing then (for cron); failures are"
              + " still printed.")
  Path heartbeat;

  @Option(
      names = "--state",
      paramLabel = "FILE",
      description =
          "Remember pg_stat_archiver's failed_count in FILE between runs, and fail if it rose since"
              + " the previous run (e.g. /var/lib/walarchive/check.state).")
  Path state;

  @ArgGroup(exclusive = true)
  Format format = new Format();

  static final class Format {
    @Option(names = "--json", description = "One JSON document.")
    boolean json;

    @Option(
        names = "--prometheus",
        description =
            "Prometheus text format for a node-exporter textfile collector (write to a temporary"
                + " file, then rename).")
    boolean prometheus;
  }

  /** The connection failed: exit code 3. */
  static final class ConnectionFailure extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectionFailure(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ArchivingCheck.Builder builder = ArchivingCheck.builder();
    if (maxAge != null) {
      builder.maxAge(positive(Durations.parse(maxAge, "--max-age"), "--max-age"));
    }
    if (rpo != null) {
      builder.rpo(positive(Durations.parse(rpo, "--rpo"), "--rpo"));
    }
    builder.timeout(positive(Durations.parse(timeout, "--timeout"), "--timeout"));
    builder.forceSwitch(!noSwitch);
    if (expectConfig != null) {
      builder.expectedConfigFile(expectConfig);
    }
    if (maxReady != null) {
      if (maxReady < 0) {
        throw new CliException("--max-ready must be 0 or more, not " + maxReady);
      }
      builder.maxReady(maxReady);
    }
    PgConnectionSettings settings = connectionSettings(pg);
    String url = config.url();
    builder.archiveUrl(url);
    builder.tempDirectory(config.tempDirectory());
    Keyring keyring = config.keyring();
    builder.keyring(keyring);
    if (state != null) {
      ServerFigures previous = readState(state);
      if (previous != null) {
        builder.previous(previous);
      }
    }
    CheckReport report;
    try (WalArchive archive =
        WalArchive.builder(config.openStorage())
            .compression(config.compression())
            .keyring(keyring)
            .tempDirectory(config.tempDirectory())
            .build()) {
      try (Connection connection = connect(settings)) {
        report = builder.build().run(connection, archive);
      } catch (SQLException e) {
        throw unreachable(
            out,
            url,
            new ConnectionFailure(
                "PostgreSQL at " + settings + " failed during the check: " + Errors.oneLine(e)));
      } catch (ConnectionFailure e) {
        throw unreachable(out, url, e);
      }
    }
    if (!config.copyUrls().isEmpty()) {
      report = withCopies(report);
    }
    boolean passed = report.passed();
    if (state != null) {
      writeState(state, report);
    }
    if (format.json) {
      out.println(json(report, settings));
    } else if (format.prometheus) {
      out.print(prometheus(report, dev.walarchive.core.storage.ArchiveStorages.redact(url)));
    } else if (!(passed && heartbeat != null)) {
      human(out, report, heartbeat == null);
    }
    out.flush();
    if (passed && heartbeat != null) {
      touch(heartbeat);
    }
    return passed ? 0 : 1;
  }

  /**
   * With --json or --prometheus, a connection failure still produces a document saying the check
   * failed, so a textfile collector reports failure instead of a vanished metric.
   */
  private ConnectionFailure unreachable(PrintWriter out, String url, ConnectionFailure e) {
    if (format.json) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("ok", false);
      root.put("error", e.getMessage());
      root.put("finished", Instant.now().toString());
      out.println(Json.value(root));
    } else if (format.prometheus) {
      StringBuilder sb = new StringBuilder();
      String label =
          "archive=\"" + escape(dev.walarchive.core.storage.ArchiveStorages.redact(url)) + "\"";
      gauge(sb, "walarchive_check_success", "1 if every check passed, else 0.", label, 0);
      gauge(
          sb,
          "walarchive_check_connected",
          "1 if the check could connect to PostgreSQL, else 0.",
          label,
          0);
      gauge(
          sb,
          "walarchive_check_timestamp_seconds",
          "When the check finished (Unix time).",
          label,
          Instant.now().getEpochSecond());
      out.print(sb);
    }
    out.flush();
    return e;
  }

  static PgConnectionSettings connectionSettings(String pg) throws CliException {
    try {
      return pg == null
          ? PgConnectionSettings.fromEnvironment(System.getenv())
          : PgConnectionSettings.fromUrl(pg, System.getenv());
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  static Connection connect(PgConnectionSettings settings) throws ConnectionFailure {
    try {
      return settings.connect();
    } catch (SQLException e) {
      throw new ConnectionFailure(
          "cannot connect to PostgreSQL at "
              + settings
              + ": "
              + Errors.oneLine(e).replaceAll("\\.$", "")
              + "; check PGHOST/PGPORT/PGUSER (or --pg) and the password (PGPASSWORD, ~/.pgpass)");
    }
  }

  private static ServerFigures readState(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    java.util.Properties p = new java.util.Properties();
    try (java.io.Reader r =
        Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
      p.load(r);
    }
    try {
      String count = p.getProperty("failed-count");
      String reset = p.getProperty("stats-reset", "");
      return new ServerFigures(
          false,
          0,
          java.util.Optional.empty(),
          OptionalLong.empty(),
          count == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(count.trim())),
          java.util.Optional.empty(),
          java.util.Optional.empty(),
          java.util.Optional.empty(),
          java.util.Optional.empty(),
          reset.isBlank()
              ? java.util.Optional.empty()
              : java.util.Optional.of(Instant.parse(reset.trim())),
          OptionalLong.empty(),
          java.util.Optional.empty(),
          OptionalLong.empty(),
          OptionalLong.empty());
    } catch (RuntimeException e) {
      throw new CliException(
          "state file " + file + " is malformed (" + e.getMessage() + "); delete it to start over");
    }
  }

  private static void writeState(Path file, CheckReport report) throws IOException {
    ServerFigures f = report.figures();
    if (f.failedCount().isEmpty()) {
      return;
    }
    String text =
        "# walarchive check state: pg_stat_archiver at the end of the last run\n"
            + "failed-count="
            + f.failedCount().getAsLong()
            + "\nstats-reset="
            + f.statsReset().map(Instant::toString).orElse("")
            + "\nfinished="
            + report.finished()
            + "\n";
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.writeString(temp, text, java.nio.charset.StandardCharsets.UTF_8);
      Files.move(
          temp,
          file,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static Duration positive(Duration d, String option) throws CliException {
    if (d.isZero() || d.isNegative()) {
      throw new CliException(option + " must be positive");
    }
    return d;
  }

  private static void touch(Path file) throws IOException {
    if (Files.exists(file)) {
      Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    } else {
      Files.createFile(file);
    }
  }

  private static final java.util.regex.Pattern FORCED =
      java.util.regex.Pattern.compile("forced segment ([0-9A-F]{24}) ");

  /**
   * The report with one check per copy: the segment the end-to-end check forced must be in each
   * copy too, verified (with copy-mode=lagging a copy that lacks it is a warning).
   */
  private CheckReport withCopies(CheckReport report) throws java.io.IOException {
    java.util.Optional<String> forced =
        report.results().stream()
            .filter(r -> r.name().equals("end_to_end") && r.state() == CheckResult.State.OK)
            .map(r -> FORCED.matcher(r.message()))
            .filter(java.util.regex.Matcher::find)
            .map(m -> m.group(1))
            .findFirst();
    java.util.List<CheckResult> results = new java.util.ArrayList<>(report.results());
    try (WalArchive archive = config.openArchive()) {
      int n = 0;
      for (WalArchive copy : archive.copies()) {
        String name = "copy_" + ++n;
        String where = dev.walarchive.core.storage.ArchiveStorages.redact(copy.location());
        if (forced.isEmpty()) {
          results.add(
              new CheckResult(
                  name,
                  CheckResult.State.WARNING,
                  "copy " + where + " not checked: the end-to-end check did not pass",
                  "fix the archive first"));
          continue;
        }
        try {
          copy.verifyObject(dev.walarchive.core.wal.WalFileName.parse(forced.get()));
          results.add(
              new CheckResult(
                  name,
                  CheckResult.State.OK,
                  "forced segment " + forced.get() + " is in copy " + where + " too, verified",
                  ""));
        } catch (dev.walarchive.core.archive.WalFileNotFoundException e) {
          boolean lagging = archive.copyMode() == WalArchive.CopyMode.LAGGING;
          results.add(
              new CheckResult(
                  name,
                  lagging ? CheckResult.State.WARNING : CheckResult.State.FAILED,
                  "forced segment " + forced.get() + " is not in copy " + where,
                  lagging
                      ? "the copy lags (copy-mode=lagging); run 'walarchive sync'"
                      : "archive_command must push with the same copy-url (strict: every archive"
                          + " has each segment); read its errors in the server log"));
        } catch (java.io.IOException e) {
          results.add(
              new CheckResult(
                  name,
                  CheckResult.State.FAILED,
                  "copy " + where + " cannot be read: " + Errors.oneLine(e),
                  "check the copy's URL, options and credentials"));
        }
      }
    }
    return new CheckReport(results, report.figures(), report.finished());
  }

  private static void human(PrintWriter out, CheckReport report, boolean summary) {
    for (CheckResult r : report.results()) {
      String state =
          switch (r.state()) {
            case OK -> "OK     ";
            case WARNING -> "WARNING";
            case FAILED -> "FAILED ";
          };
      out.println(
          state
              + " "
              + r.name()
              + ": "
              + r.message()
              + (r.fix().isEmpty() ? "" : "; fix: " + r.fix()));
    }
    if (summary || !report.passed()) {
      long failed = report.failures().size();
      out.println(failed == 0 ? "check: ok" : "check: " + failed + " check(s) failed");
    }
  }

  private static String json(CheckReport report, PgConnectionSettings settings) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("ok", report.passed());
    root.put("server", settings.toString());
    List<Object> checks = new ArrayList<>();
    for (CheckResult r : report.results()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", r.name());
      m.put("state", r.state().name());
      m.put("message", r.message());
      m.put("fix", r.fix());
      checks.add(m);
    }
    root.put("checks", checks);
    ServerFigures f = report.figures();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("standby", f.standby());
    figures.put("timeline", f.timeline());
    figures.put("currentLsn", f.currentLsn().orElse(null));
    figures.put("archivedCount", boxed(f.archivedCount()));
    figures.put("failedCount", boxed(f.failedCount()));
    figures.put("lastArchivedWal", f.lastArchivedWal().orElse(null));
    figures.put("lastArchivedTime", f.lastArchivedTime().map(Instant::toString).orElse(null));
    figures.put("lastFailedWal", f.lastFailedWal().orElse(null));
    figures.put("lastFailedTime", f.lastFailedTime().map(Instant::toString).orElse(null));
    figures.put("statsReset", f.statsReset().map(Instant::toString).orElse(null));
    figures.put("readyCount", boxed(f.readyCount()));
    figures.put("newestArchivedSegment", f.newestArchivedSegment().orElse(null));
    figures.put("lagSegments", boxed(f.lagSegments()));
    figures.put("lagBytes", boxed(f.lagBytes()));
    root.put("figures", figures);
    root.put("finished", report.finished().toString());
    return Json.value(root);
  }

  private static Long boxed(OptionalLong v) {
    return v.isPresent() ? v.getAsLong() : null;
  }

  static String prometheus(CheckReport report, String archive) {
    StringBuilder sb = new StringBuilder();
    String label = "archive=\"" + escape(archive) + "\"";
    gauge(
        sb,
        "walarchive_check_success",
        "1 if every check passed, else 0.",
        label,
        report.passed() ? 1 : 0);
    gauge(
        sb,
        "walarchive_check_failed_checks",
        "Number of failed checks.",
        label,
        report.failures().size());
    sb.append("# HELP walarchive_check_state State of each check: 0 OK, 1 WARNING, 2 FAILED.\n");
    sb.append("# TYPE walarchive_check_state gauge\n");
    Map<String, Integer> worst = new LinkedHashMap<>();
    for (CheckResult r : report.results()) {
      worst.merge(r.name(), r.state().ordinal(), Math::max);
    }
    worst.forEach(
        (name, state) ->
            sb.append("walarchive_check_state{")
                .append(label)
                .append(",check=\"")
                .append(escape(name))
                .append("\"} ")
                .append(state)
                .append('\n'));
    gauge(
        sb,
        "walarchive_check_connected",
        "1 if the check could connect to PostgreSQL, else 0.",
        label,
        1);
    serverMetrics(sb, report.figures(), label, report.finished());
    gauge(
        sb,
        "walarchive_check_timestamp_seconds",
        "When the check finished (Unix time).",
        label,
        report.finished().getEpochSecond());
    return sb.toString();
  }

  /** The server-side figures as Prometheus metrics, for {@code check} and {@code status --pg}. */
  static void serverMetrics(StringBuilder sb, ServerFigures f, String label, Instant now) {
    optional(
        sb,
        "walarchive_archive_lag_bytes",
        "WAL bytes written by the server after the end of the newest archived segment.",
        label,
        f.lagBytes());
    optional(
        sb,
        "walarchive_archive_lag_segments",
        "Complete WAL segments of the server's timeline not yet in the archive.",
        label,
        f.lagSegments());
    optional(
        sb,
        "walarchive_ready_segments",
        "WAL files waiting to be archived (.ready files in pg_wal/archive_status).",
        label,
        f.readyCount());
    if (f.lastArchivedTime().isPresent()) {
      gauge(
          sb,
          "walarchive_last_archived_age_seconds",
          "Seconds since pg_stat_archiver's last_archived_time.",
          label,
          Math.max(0, Duration.between(f.lastArchivedTime().get(), now).getSeconds()));
    }
    if (f.failedCount().isPresent()) {
      sb.append("# HELP walarchive_archiver_failed_total pg_stat_archiver.failed_count.\n");
      sb.append("# TYPE walarchive_archiver_failed_total counter\n");
      sb.append("walarchive_archiver_failed_total{")
          .append(label)
          .append("} ")
          .append(f.failedCount().getAsLong())
          .append('\n');
    }
    if (f.archivedCount().isPresent()) {
      sb.append("# HELP walarchive_archiver_archived_total pg_stat_archiver.archived_count.\n");
      sb.append("# TYPE walarchive_archiver_archived_total counter\n");
      sb.append("walarchive_archiver_archived_total{")
          .append(label)
          .append("} ")
          .append(f.archivedCount().getAsLong())
          .append('\n');
    }
  }

  private static void optional(
      StringBuilder sb, String name, String help, String label, OptionalLong value) {
    if (value.isPresent()) {
      gauge(sb, name, help, label, value.getAsLong());
    }
  }

  static void gauge(StringBuilder sb, String name, String help, String label, long value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" gauge\n");
    sb.append(name).append('{').append(label).append("} ").append(value).append('\n');
  }

  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    if (e instanceof ConnectionFailure) {
      return 3;
    }
    if (e instanceof CliException || e instanceof IllegalArgumentException) {
      return 2;
    }
    // the archive could not be opened: a configuration problem from where this check stands
    return e instanceof IOException ? 2 : 3;
  }
}
