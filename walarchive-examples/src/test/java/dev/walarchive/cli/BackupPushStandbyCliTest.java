package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code walarchive backup-push} pointed at a streaming standby (real PostgreSQL 15: a primary
 * archiving through the packaged CLI into an encrypted file archive, a standby made with {@code
 * pg_basebackup -R}) fails closed: exit 2 with one line saying to run it against the primary,
 * before {@code pg_backup_start} and before anything is written to the archive; the same command
 * against the primary then succeeds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupPushStandbyCliTest {
  private Path base;
  private Path archiveDir;
  private Path config;
  private PostgresServer primary;
  private PostgresServer standby;

  @BeforeAll
  void start() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-backup-standby");
    archiveDir = base.resolve("archive");
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    Path keyFile = base.resolve("archive.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(k) + "\n", UTF_8);
    config = base.resolve("walarchive.properties");
    Files.writeString(
        config, "url=file:" + archiveDir + "\nkey-file=" + keyFile + "\nkey-id=k1\n", UTF_8);
    for (Path p : List.of(keyFile, config)) {
      Drills.chownToPostgres(p);
      Drills.restrictToOwner(p);
    }
    primary = PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 16);
    primary.setConfig("archive_mode", "on");
    primary.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
    primary.start();
    primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
    Drills.switchAndWaitForArchive(primary);
    Path dir = base.resolve("standby");
    primary.pgBasebackup(dir, "-R");
    standby = PostgresServer.existing(dir);
    standby.setConfig(
        "restore_command", Cli.launcher() + " wal-fetch --config " + config + " %f %p");
    standby.start();
    standby.waitFor(
        "SELECT pg_is_in_recovery() AND (SELECT count(*) FROM t) = 1000", Duration.ofMinutes(1));
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

  private long backupObjects() throws Exception {
    Path backups = archiveDir.resolve("basebackups");
    if (!Files.exists(backups)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(backups)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void backupPushAgainstAStandbyFailsClosedAndAgainstThePrimarySucceeds() throws Exception {
    String url = "postgresql://postgres@127.0.0.1:" + standby.port() + "/postgres";
    Map<String, String> env = env(primary); // the environment names the primary, --pg the standby
    for (List<String> args :
        List.of(
            List.of("backup-push", "--pg", url, "-D", standby.dataDir().toString()),
            List.of("backup-push"))) {
      Map<String, String> e = args.size() == 1 ? env(standby) : env;
      Cli.Result r = Cli.run(e, args.toArray(String[]::new));
      assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
      assertThat(r.stdout()).as("%s", r).isEmpty();
      assertThat(r.stderrLines())
          .as("%s", r)
          .singleElement()
          .asString()
          .contains("the server is a standby")
          .contains("run it on the primary's host against the primary");
    }
    // refused before pg_backup_start and before any object, lease or marker
    assertThat(backupObjects()).isZero();
    Cli.Result list = Cli.run(env(primary), "backup-list");
    assertThat(list.exitCode()).as("%s", list).isZero();
    assertThat(list.stdout()).doesNotContain("base_");
    assertThat(standby.queryOne("SELECT pg_is_in_recovery()")).isEqualTo("t");

    Cli.Result ok = Cli.run(env(primary), "backup-push");
    assertThat(ok.exitCode()).as("%s", ok).isZero();
    assertThat(ok.stdout()).containsPattern("base_\\S+ complete");
    list = Cli.run(env(primary), "backup-list");
    assertThat(list.stdout()).containsPattern("base_\\S+ +complete ");
  }
}
