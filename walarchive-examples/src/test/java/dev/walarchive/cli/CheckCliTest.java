package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code walarchive check} against a real PostgreSQL 15 that archives through the packaged CLI into
 * an encrypted file archive: a working primary and a standby pass, and each misconfiguration is a
 * FAILED line naming the fix. One primary serves every case; the cases that break it run last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CheckCliTest {
  private static final String DB_SECRET = "pw-Xq7-never-printed";

  private Path base;
  private Path archiveDir;
  private Path config;
  private String url;
  private String key;
  private PostgresServer primary;
  private PostgresServer standby;

  @BeforeAll
  void startPrimary() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-check-cli");
    archiveDir = base.resolve("archive");
    url = "file:" + archiveDir;
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    key = Base64.getEncoder().encodeToString(k);
    config = writeConfig("walarchive.properties", url);
    primary = PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 16);
    primary.setConfig("archive_mode", "on");
    primary.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
    primary.start();
    Drills.switchAndWaitForArchive(primary);
  }

  private Path writeConfig(String name, String archiveUrl) throws Exception {
    Path keyFile = base.resolve(name + ".key");
    Files.writeString(keyFile, key + "\n", UTF_8);
    Path file = base.resolve(name);
    Files.writeString(
        file, "url=" + archiveUrl + "\nkey-file=" + keyFile + "\nkey-id=check\n", UTF_8);
    Drills.chownToPostgres(keyFile);
    Drills.chownToPostgres(file);
    Drills.restrictToOwner(keyFile);
    Drills.restrictToOwner(file);
    return file;
  }

  @AfterAll
  void stop() throws Exception {
    for (PostgresServer s : new PostgresServer[] {standby, primary}) {
      if (s != null) {
        try {
          s.close();
        } catch (Exception e) {
          // keep going
        }
      }
    }
    if (base != null) {
      Drills.exec(List.of("chmod", "-R", "u+rwX", base.toString()));
      PostgresServer.deleteTree(base);
    }
  }

  private Map<String, String> env(PostgresServer server) {
    Map<String, String> env = new HashMap<>();
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(server.port()));
    env.put("PGUSER", "postgres");
    env.put("PGDATABASE", "postgres");
    env.put("WALARCHIVE_CONFIG", config.toString());
    return env;
  }

  private Cli.Result check(Map<String, String> env, String... args) throws Exception {
    String[] full = new String[args.length + 1];
    full[0] = "check";
    System.arraycopy(args, 0, full, 1, args.length);
    return Cli.run(env, full);
  }

  private static String line(Cli.Result r, String state, String name) {
    String prefix = String.format("%-7s %s: ", state, name);
    return r.stdout()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in\n" + r));
  }

  @Test
  @Order(1)
  void aCorrectlyConfiguredPrimaryPassesAndTheForcedSegmentIsInTheArchive() throws Exception {
    Cli.Result r = check(env(primary), "--max-age", "1h", "--timeout", "2m");
    System.out.println(r.stdout()); // the README's example
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).doesNotContain("FAILED").contains("check: ok");
    line(r, "OK", "archive_command");
    line(r, "OK", "archive_identity");
    line(r, "OK", "archiver");
    line(r, "OK", "last_archived");
    Matcher m =
        Pattern.compile("forced segment ([0-9A-F]{24}) ").matcher(line(r, "OK", "end_to_end"));
    assertThat(m.find()).isTrue();
    assertThat(archiveDir.resolve("wal").resolve(m.group(1))).isRegularFile();
    assertThat(line(r, "OK", "wal_level")).contains("postgresql.conf:");
    assertThat(line(r, "OK", "encryption")).contains("is encrypted").contains("key id 'check'");
  }

  @Test
  @Order(2)
  void statusWithPgAddsTheServerSideFigures() throws Exception {
    Cli.Result human = Cli.run(env(primary), "status", "--pg");
    assertThat(human.exitCode()).as("%s", human).isZero();
    assertThat(human.stdout())
        .contains("newest segment: ")
        .contains("server: primary on timeline 1 at ")
        .contains("archiver: ")
        .containsPattern("ready: \\d+ WAL file")
        .containsPattern("lag: \\d+ complete segment\\(s\\), \\d+ bytes not yet archived");
    Cli.Result prom =
        Cli.run(
            env(primary),
            "status",
            "--prometheus",
            "--pg",
            "postgresql://postgres@127.0.0.1:" + primary.port() + "/postgres");
    assertThat(prom.exitCode()).as("%s", prom).isZero();
    List<PrometheusText.Sample> samples = PrometheusText.parse(prom.stdout());
    assertThat(value(samples, "walarchive_archive_lag_segments")).isGreaterThanOrEqualTo(0);
    assertThat(value(samples, "walarchive_newest_segment_age_seconds")).isGreaterThanOrEqualTo(0);
    Cli.Result json = Cli.run(env(primary), "status", "--json", "--pg");
    assertThat(json.stdout()).contains(",\"server\":{\"standby\":false,\"timeline\":1,");
    Map<String, String> down = env(primary);
    down.put("PGPORT", "1");
    Cli.Result refused = Cli.run(down, "status", "--pg");
    assertThat(refused.exitCode()).isEqualTo(3);
    assertThat(refused.stderrLines()).hasSize(1);
  }

  @Test
  @Order(2)
  void jsonAndPrometheusOutputs() throws Exception {
    Cli.Result json = check(env(primary), "--json", "--no-switch");
    assertThat(json.exitCode()).as("%s", json).isZero();
    assertThat(json.stdout().trim())
        .startsWith("{\"ok\":true,")
        .contains("\"name\":\"restore\",\"state\":\"OK\"")
        .contains("\"lagSegments\":0");

    Cli.Result prom = check(env(primary), "--prometheus", "--timeout", "2m");
    assertThat(prom.exitCode()).as("%s", prom).isZero();
    List<PrometheusText.Sample> samples = PrometheusText.parse(prom.stdout());
    assertThat(value(samples, "walarchive_check_success")).isEqualTo(1.0);
    assertThat(value(samples, "walarchive_archive_lag_segments")).isEqualTo(0.0);
    assertThat(value(samples, "walarchive_archive_lag_bytes")).isGreaterThanOrEqualTo(0.0);
    assertThat(value(samples, "walarchive_ready_segments")).isGreaterThanOrEqualTo(0.0);
    assertThat(value(samples, "walarchive_last_archived_age_seconds")).isGreaterThanOrEqualTo(0);
    assertThat(value(samples, "walarchive_archiver_failed_total")).isEqualTo(0.0);
    assertThat(samples)
        .filteredOn(s -> s.name().equals("walarchive_check_state"))
        .extracting(s -> s.labels().get("check"))
        .contains("end_to_end", "archive_mode");
    assertThat(samples).allMatch(s -> url.equals(s.labels().get("archive")));

    // the parser is strict: it rejects what a sloppy writer would produce
    assertThatThrownBy(() -> PrometheusText.parse("a 1\nb 2\na 3\n"))
        .hasMessageContaining("not contiguous");
    assertThatThrownBy(() -> PrometheusText.parse("a{x=\"1} 1\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrometheusText.parse("a 1\n# TYPE a gauge\n"))
        .hasMessageContaining("after its samples");
    assertThatThrownBy(() -> PrometheusText.parse("a 1")).hasMessageContaining("newline");
  }

  private static double value(List<PrometheusText.Sample> samples, String name) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + samples))
        .value();
  }

  @Test
  @Order(3)
  void theHeartbeatIsTouchedOnlyOnSuccessAndSuccessIsSilent() throws Exception {
    Path heartbeat = base.resolve("heartbeat");
    Cli.Result ok = check(env(primary), "--heartbeat", heartbeat.toString(), "--no-switch");
    assertThat(ok.exitCode()).as("%s", ok).isZero();
    assertThat(ok.stdout()).isEmpty();
    assertThat(ok.stderr()).isEmpty();
    assertThat(heartbeat).exists();
    FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    Files.setLastModifiedTime(heartbeat, old);

    Cli.Result failed =
        check(env(primary), "--heartbeat", heartbeat.toString(), "--no-switch", "--rpo", "1m");
    assertThat(failed.exitCode()).as("%s", failed).isEqualTo(1);
    assertThat(line(failed, "FAILED", "archive_timeout")).contains("set archive_timeout");
    assertThat(Files.getLastModifiedTime(heartbeat)).isEqualTo(old);
  }

  @Test
  @Order(4)
  void aStandbyPassesWithoutASwitch() throws Exception {
    Path dir = base.resolve("standby");
    primary.pgBasebackup(dir, "-R");
    standby = PostgresServer.existing(dir);
    standby.setConfig(
        "restore_command", Cli.launcher() + " wal-fetch --config " + config + " %f %p");
    standby.start();
    // once the primary's archiver is idle, a switch would show as a new archived (or .ready) file
    String idle = "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'";
    primary.waitFor("SELECT (" + idle + ") = 0", Duration.ofMinutes(1));
    String archived = primary.queryOne("SELECT archived_count FROM pg_stat_archiver");
    Cli.Result r = check(env(standby), "--timeout", "10s");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(line(r, "OK", "restore")).contains("restored and verified");
    line(r, "OK", "restore_command");
    line(r, "WARNING", "archive_mode");
    assertThat(r.stdout()).doesNotContain("end_to_end");
    assertThat(primary.queryOne(idle)).isEqualTo("0");
    assertThat(primary.queryOne("SELECT archived_count FROM pg_stat_archiver")).isEqualTo(archived);
    standby.stop();
  }

  @Test
  @Order(5)
  void anArchiveCommandIntoAnotherArchiveFails() throws Exception {
    Path otherConfig = writeConfig("other.properties", "file:" + base.resolve("other-archive"));
    primary.execute(
        "ALTER SYSTEM SET archive_command = '"
            + Cli.launcher()
            + " wal-push --config "
            + otherConfig
            + " %p'");
    primary.execute("SELECT pg_reload_conf()");
    try {
      Cli.Result r = check(env(primary), "--timeout", "5s");
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(line(r, "FAILED", "archive_command"))
          .contains("into file:" + base.resolve("other-archive"))
          .contains("not into the checked archive " + url)
          .contains("fix: point archive_command and this check at the same archive");
      assertThat(line(r, "FAILED", "end_to_end")).contains("did not arrive");
    } finally {
      primary.execute(
          "ALTER SYSTEM SET archive_command = '"
              + Cli.launcher()
              + " wal-push --config "
              + config
              + " %p'");
      primary.execute("SELECT pg_reload_conf()");
    }
  }

  @Test
  @Order(6)
  void anArchiveOfAnotherClusterFails() throws Exception {
    Path otherArchive = base.resolve("foreign-archive");
    Path wal = Files.createDirectories(base.resolve("foreign-wal"));
    Path keyFile = base.resolve("walarchive.properties.key");
    try (WalArchive foreign =
        WalArchive.builder(ArchiveStorages.filesystem(otherArchive)).build()) {
      foreign.push(SyntheticWal.writeSegment(wal, 4242L, 1, 1, WalSegmentSize.ofMegabytes(16), 0));
    }
    Map<String, String> env = env(primary);
    env.remove("WALARCHIVE_CONFIG");
    Cli.Result r =
        check(
            env,
            "--url",
            "file:" + otherArchive,
            "--key-file",
            keyFile.toString(),
            "--key-id",
            "check",
            "--allow-unencrypted");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(line(r, "FAILED", "archive_identity"))
        .contains("belongs to cluster 4242")
        .contains("fix: give this cluster an archive URL of its own");
  }

  @Test
  @Order(7)
  void aSettingsFileTheServerDoesNotReadFails() throws Exception {
    // the automation wrote its settings into a file that postgresql.conf does not include
    PostgresServer.createDirectory(primary.dataDir().resolve("conf.d"));
    Path written = primary.writeDataFile("conf.d/archiving.conf", "archive_mode = on\n");
    Cli.Result r = check(env(primary), "--no-switch", "--expect-config", "conf.d/archiving.conf");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(line(r, "FAILED", "config_source"))
        .contains("the server does not read " + written)
        .contains("archive_mode = 'on' (from " + primary.dataDir().resolve("postgresql.auto.conf"))
        .contains("include '" + written + "'");
  }

  @Test
  @Order(8)
  void noPasswordOrKeyAppearsInAnyOutput() throws Exception {
    primary.execute("CREATE ROLE checker LOGIN SUPERUSER PASSWORD '" + DB_SECRET + "'");
    Path hba = primary.dataDir().resolve("pg_hba.conf");
    String original = Files.readString(hba);
    Files.writeString(hba, "host all checker 127.0.0.1/32 scram-sha-256\n" + original);
    primary.execute("SELECT pg_reload_conf()");
    try {
      Map<String, String> wrong = env(primary);
      wrong.put("PGUSER", "checker");
      wrong.put("PGPASSWORD", DB_SECRET + "-wrong");
      Cli.Result refused = check(wrong, "--json");
      assertThat(refused.exitCode()).as("%s", refused).isEqualTo(3);
      assertThat(refused.stderrLines()).hasSize(1);
      assertThat(refused.stderr()).contains("cannot connect").contains("checker@127.0.0.1");
      assertThat(refused.stdout()).startsWith("{\"ok\":false,").contains("\"error\":");
      assertNoSecret(refused);
      Cli.Result refusedProm = check(wrong, "--prometheus");
      assertThat(refusedProm.exitCode()).isEqualTo(3);
      List<PrometheusText.Sample> down = PrometheusText.parse(refusedProm.stdout());
      assertThat(value(down, "walarchive_check_success")).isEqualTo(0.0);
      assertThat(value(down, "walarchive_check_connected")).isEqualTo(0.0);
      assertNoSecret(refusedProm);

      Map<String, String> env = env(primary);
      env.remove("PGUSER");
      String pgUrl =
          "postgresql://checker:" + DB_SECRET + "@127.0.0.1:" + primary.port() + "/postgres";
      for (String format : List.of("--json", "--prometheus", "--max-age=1h")) {
        Cli.Result r = check(env, "--pg", pgUrl, format, "--timeout", "1m");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertNoSecret(r);
      }
      Cli.Result badUrl = check(env, "--pg", "mysql://checker:" + DB_SECRET + "@h/db");
      assertThat(badUrl.exitCode()).isEqualTo(2);
      assertNoSecret(badUrl);
    } finally {
      Files.writeString(hba, original);
      primary.execute("SELECT pg_reload_conf()");
    }
  }

  private void assertNoSecret(Cli.Result r) {
    assertThat(r.stdout() + r.stderr()).doesNotContain(DB_SECRET).doesNotContain(key);
  }

  @Test
  @Order(9)
  void aUnixSocketHostIsRefusedWithTheTcpAlternative() throws Exception {
    Map<String, String> env = env(primary);
    env.put("PGHOST", "/var/run/postgresql");
    Cli.Result r = check(env);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderrLines()).hasSize(1);
    assertThat(r.stderr()).contains("Unix socket").contains("PGHOST=127.0.0.1");
  }

  @Test
  @Order(10)
  void aFailingArchiveCommandIsCaught() throws Exception {
    Path wal = archiveDir.resolve("wal");
    Files.setPosixFilePermissions(wal, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      Cli.Result r = check(env(primary), "--timeout", "8s");
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(line(r, "FAILED", "end_to_end"))
          .contains("did not arrive in the archive within 8.0s")
          .contains("archive_command failed");
      assertThat(line(r, "FAILED", "archiver"))
          .contains("during this check")
          .contains("fix: read the archive_command error in the server log");

      // across runs: a state file remembers failed_count
      Path state = base.resolve("check.state");
      Cli.Result first = check(env(primary), "--no-switch", "--state", state.toString());
      assertThat(first.exitCode()).as("%s", first).isEqualTo(1);
      String failed = primary.queryOne("SELECT failed_count FROM pg_stat_archiver");
      assertThat(Files.readString(state)).contains("failed-count=" + failed);
      // a new segment wakes the archiver, which fails again
      primary.execute("SELECT pg_create_restore_point('again')");
      primary.execute("SELECT pg_switch_wal()");
      primary.waitFor(
          "SELECT failed_count > " + failed + " FROM pg_stat_archiver", Duration.ofMinutes(2));
      // the archiver retries a failed segment a few times in a row: let that burst end, so that
      // (usually) no failure falls inside the next check
      String before = primary.queryOne("SELECT failed_count FROM pg_stat_archiver");
      for (int i = 0; i < 30; i++) {
        Thread.sleep(1000);
        String now = primary.queryOne("SELECT failed_count FROM pg_stat_archiver");
        if (now.equals(before)) {
          break;
        }
        before = now;
      }
      Cli.Result second = check(env(primary), "--no-switch", "--state", state.toString());
      String after = primary.queryOne("SELECT failed_count FROM pg_stat_archiver");
      assertThat(second.exitCode()).as("%s", second).isEqualTo(1);
      if (after.equals(before)) {
        // no failure during the check: only the state file can tell about the earlier ones
        assertThat(line(second, "FAILED", "archiver")).contains("since the previous check");
      } else {
        // the archiver retried while the check ran (seen in CI): that failure is reported first
        // (or, retried just before the check started, the state file's "since" one)
        assertThat(line(second, "FAILED", "archiver"))
            .containsAnyOf("during this check", "since the previous check");
      }
    } finally {
      Files.setPosixFilePermissions(wal, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  @Order(11)
  void archiveModeOffAndWalLevelMinimalAreCaught() throws Exception {
    primary.stop();
    primary.setConfig("archive_mode", "off");
    primary.setConfig("wal_level", "minimal");
    primary.setConfig("max_wal_senders", "0");
    primary.start();
    primary.waitFor("SELECT true", Duration.ofSeconds(30));
    Cli.Result r = check(env(primary), "--timeout", "5s");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(line(r, "FAILED", "archive_mode"))
        .contains("archive_mode = 'off' (from " + primary.dataDir().resolve("postgresql.auto.conf"))
        .contains("fix: set archive_mode = on in");
    assertThat(line(r, "FAILED", "wal_level"))
        .contains("'minimal'")
        .contains("fix: set wal_level = replica");
    line(r, "WARNING", "end_to_end");
  }
}
