package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The end-to-end drill: a real PostgreSQL 15 archives through {@code walarchive wal-push} while
 * pgbench writes; a base backup is taken; recovery through {@code walarchive wal-fetch} reaches a
 * target time exactly; a promoted server's new timeline is archived and found again by a second
 * recovery from the first base backup. Backends run the same drill by naming their archive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractPitrDrillTest {
  protected Path base;
  protected Path config;
  protected Path backup;
  protected PostgresServer primary;
  protected final List<PostgresServer> servers = new ArrayList<>();

  /** Target time and the rows committed at or before it. */
  protected String targetTime;

  protected long rowsAtTarget;
  protected long phaseOneRows;

  /** Archive URL and backend options for the CLI's properties file. */
  protected abstract Map<String, String> archiveSettings(Path base) throws Exception;

  /** Starts whatever serves the archive (called before anything else). */
  protected void startArchiveServer() throws Exception {}

  /** Stops it (called last). */
  protected void stopArchiveServer() throws Exception {}

  @BeforeAll
  void archiveABaseBackupAndWalUnderLoad() throws Exception {
    startArchiveServer();
    base = PostgresServer.createBaseDir("walarchive-drill-" + getClass().getSimpleName());
    config = writeCliConfig(base);
    primary =
        track(PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 16));
    configureArchiving(primary);
    primary.setConfig("track_commit_timestamp", "on");
    primary.start();
    primary.execute("SET TIME ZONE 'UTC'");
    primary.execute(
        "CREATE TABLE marks (id serial PRIMARY KEY, phase int NOT NULL, note text NOT NULL)");
    primary.pgbench("-i", "-q", "-s", "2");

    backup = base.resolve("backup");
    primary.pgBasebackup(backup, "-X", "none", "-c", "fast");

    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> load =
          pool.submit(
              () -> {
                primary.pgbench("-T", "6", "-c", "2", "-j", "1", "-n");
                return null;
              });
      for (int i = 0; i < 40; i++) {
        primary.execute("INSERT INTO marks (phase, note) VALUES (1, 'row " + i + "')");
        Thread.sleep(60);
      }
      load.get(5, TimeUnit.MINUTES);
    } finally {
      pool.shutdownNow();
    }
    phaseOneRows = Long.parseLong(primary.queryOne("SELECT count(*) FROM marks"));
    // the target lies halfway between the 25th and 26th commit: exactly 25 rows precede it
    targetTime =
        primary.queryOne(
            "SELECT to_char((a + (b - a) / 2) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
                + " || '+00' FROM (SELECT"
                + " (SELECT pg_xact_commit_timestamp(xmin) FROM marks ORDER BY 1 OFFSET 24 LIMIT 1) a,"
                + " (SELECT pg_xact_commit_timestamp(xmin) FROM marks ORDER BY 1 OFFSET 25 LIMIT 1) b) t");
    rowsAtTarget =
        Long.parseLong(
            primary.queryOne(
                "SELECT count(*) FROM marks WHERE pg_xact_commit_timestamp(xmin) <= '"
                    + targetTime
                    + "'"));
    assertThat(rowsAtTarget).isEqualTo(25);
    Drills.switchAndWaitForArchive(primary);
    primary.stop();
  }

  @AfterAll
  void cleanUp() throws Exception {
    for (PostgresServer s : servers) {
      try {
        s.close();
      } catch (Exception e) {
        // keep closing the others
      }
    }
    stopArchiveServer();
    if (base != null) {
      PostgresServer.deleteTree(base);
    }
  }

  protected PostgresServer track(PostgresServer server) {
    servers.add(server);
    return server;
  }

  protected Path writeCliConfig(Path dir) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path keyFile = dir.resolve("archive.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n", UTF_8);
    Map<String, String> settings = new TreeMap<>(archiveSettings(dir));
    settings.put("compression", "zstd");
    settings.put("key-file", keyFile.toString());
    settings.put("key-id", "drill");
    StringBuilder sb = new StringBuilder();
    settings.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Path file = dir.resolve("walarchive.properties");
    Files.writeString(file, sb.toString(), UTF_8);
    Drills.chownToPostgres(dir);
    Drills.restrictToOwner(keyFile);
    Drills.restrictToOwner(file);
    return file;
  }

  protected void configureArchiving(PostgresServer server) throws IOException {
    server.setConfig("wal_level", "replica");
    server.setConfig("archive_mode", "on");
    server.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
  }

  /** A new data directory from the base backup, set up to recover through the CLI. */
  protected PostgresServer restoreFromBackup(String name, Map<String, String> recovery)
      throws Exception {
    return restoreFromBackup(name, recovery, config);
  }

  /** As {@link #restoreFromBackup(String, Map)}, restoring with the CLI settings {@code cli}. */
  protected PostgresServer restoreFromBackup(
      String name, Map<String, String> recovery, Path cliConfig) throws Exception {
    Path dataDir = base.resolve(name);
    Drills.copyAsPostgres(backup, dataDir);
    PostgresServer server = track(PostgresServer.existing(dataDir));
    configureArchiving(server);
    server.setConfig(
        "restore_command", Cli.launcher() + " wal-fetch --config " + cliConfig + " %f %p");
    for (Map.Entry<String, String> e : recovery.entrySet()) {
      server.setConfig(e.getKey(), e.getValue());
    }
    Drills.writeAsPostgres(dataDir.resolve("recovery.signal"), "");
    return server;
  }

  /** The CLI settings with the archive URL changed to a sibling location that holds nothing. */
  protected Path configWithEmptyLocation(String suffix) throws Exception {
    String settings = Files.readString(config, UTF_8);
    String url = urlOf(settings);
    Path file = base.resolve("walarchive" + suffix + ".properties");
    Drills.writeAsPostgres(
        file, settings.replace("url=" + url + "\n", "url=" + url + suffix + "\n"));
    Drills.restrictToOwner(file);
    return file;
  }

  protected static String urlOf(String settings) {
    return settings
        .lines()
        .filter(l -> l.startsWith("url="))
        .findFirst()
        .orElseThrow()
        .substring("url=".length());
  }

  @Test
  void aLocationWithNothingUnderItIsAConfigurationErrorNotNotFound() throws Exception {
    Path empty = configWithEmptyLocation("-typo");
    String url = urlOf(Files.readString(empty, UTF_8));
    Path dest = base.resolve("fetch-typo");
    Files.createDirectories(dest);
    Cli.Result fetch =
        Cli.run(
            Map.of(),
            "wal-fetch",
            "--config",
            empty.toString(),
            "00000002.history",
            dest.resolve("RECOVERYXLOG").toString());
    assertThat(fetch.exitCode()).as(fetch.toString()).isEqualTo(126);
    assertThat(fetch.stderrLines()).singleElement().asString().contains("no archive at");
    try (java.util.stream.Stream<Path> s = Files.list(dest)) {
      assertThat(s.toList()).isEmpty();
    }
    for (String command : List.of("show", "status")) {
      Cli.Result r = Cli.run(Map.of(), command, "--config", empty.toString());
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.stderrLines()).singleElement().asString().contains("no archive at");
      assertThat(r.stdout()).doesNotContain("empty");
    }
    assertThat(url).endsWith("-typo");
  }

  @Test
  void recoversToATargetTimeThenFollowsTheNewTimeline() throws Exception {
    PostgresServer restored =
        restoreFromBackup(
            "restore-to-time",
            Map.of("recovery_target_time", targetTime, "recovery_target_action", "promote"));
    restored.start();
    restored.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
    assertThat(restored.queryOne("SELECT count(*) FROM marks"))
        .as("rows committed by %s", targetTime)
        .isEqualTo(Long.toString(rowsAtTarget));
    assertThat(restored.queryOne("SELECT max(id) FROM marks WHERE phase = 1"))
        .isEqualTo(Long.toString(rowsAtTarget));
    assertThat(restored.queryOne("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"))
        .isEqualTo("00000002");

    for (int i = 0; i < 20; i++) {
      restored.execute("INSERT INTO marks (phase, note) VALUES (2, 'timeline 2 row " + i + "')");
    }
    Drills.switchAndWaitForArchive(restored);
    restored.stop();

    PostgresServer latest =
        restoreFromBackup("restore-latest", Map.of("recovery_target_timeline", "latest"));
    latest.start();
    latest.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
    assertThat(latest.queryOne("SELECT count(*) FROM marks WHERE phase = 1"))
        .isEqualTo(Long.toString(rowsAtTarget));
    assertThat(latest.queryOne("SELECT count(*) FROM marks WHERE phase = 2")).isEqualTo("20");
    assertThat(latest.queryOne("SELECT count(*) FROM pgbench_accounts")).isEqualTo("200000");
    latest.stop();

    Cli.Result show = Cli.run(Map.of(), "show", "--config", config.toString());
    assertThat(show.exitCode()).as(show.toString()).isZero();
    assertThat(show.stdout())
        .contains("timeline 1:")
        .contains("timeline 2:")
        .containsPattern("backup [0-9A-F]{24}\\.[0-9A-F]{8}\\.backup \\(label");
  }
}
