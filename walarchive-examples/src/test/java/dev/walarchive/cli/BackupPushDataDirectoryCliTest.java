package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
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
 * {@code walarchive backup-push -D DIR} with a stale {@code cp -a} copy of a running PostgreSQL
 * 15's data directory (same cluster, taken before a checkpoint): exit 2 with one line naming DIR,
 * before anything is written to the archive. As a superuser the server's {@code data_directory}
 * shows it is another directory; as a role that may run the backup functions but not read {@code
 * data_directory}, the copy's {@code global/pg_control} does not show the backup's checkpoint. A
 * copy without {@code postmaster.pid} is refused as such. The real directory then backs up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupPushDataDirectoryCliTest {
  private Path base;
  private Path archiveDir;
  private Path config;
  private Path copy;
  private PostgresServer primary;

  @BeforeAll
  void start() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-backup-pgdata");
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
    primary.execute(
        "CREATE ROLE bk LOGIN;"
            + " GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean) TO bk;"
            + " GRANT EXECUTE ON FUNCTION pg_backup_stop(boolean) TO bk;"
            + " CREATE TABLE early AS SELECT g FROM generate_series(1, 1000) g; CHECKPOINT");
    Drills.switchAndWaitForArchive(primary);
    copy = base.resolve("copy");
    Drills.copyAsPostgres(primary.dataDir(), copy);
    primary.execute("CREATE TABLE late AS SELECT g FROM generate_series(1, 1000) g");
  }

  @AfterAll
  void stop() throws Exception {
    if (primary != null) {
      try {
        primary.close();
      } catch (Exception e) {
        // keep going
      }
    }
    if (base != null) {
      Drills.exec(List.of("chmod", "-R", "u+rwX", base.toString()));
      PostgresServer.deleteTree(base);
    }
  }

  private Map<String, String> env(String user) {
    Map<String, String> env = new HashMap<>();
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(primary.port()));
    env.put("PGUSER", user);
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

  private static void refused(Cli.Result r, String... parts) {
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.stdout()).as("%s", r).isEmpty();
    assertThat(r.stderrLines()).as("%s", r).singleElement().asString().contains(parts);
  }

  @Test
  void aStaleCopyOfTheDataDirectoryIsRefusedAndTheRealOneBacksUp() throws Exception {
    String dir = copy.toString();
    refused(
        Cli.run(env("postgres"), "backup-push", "-D", dir),
        dir + " is not the data directory of the server connected to",
        "its data_directory is " + primary.dataDir(),
        "name this server's data directory with -D");
    refused(
        Cli.run(env("bk"), "backup-push", "-D", dir),
        dir + " is not the data directory of the server connected to",
        "its global/pg_control shows checkpoint",
        "name this server's data directory with -D");
    Files.delete(copy.resolve("postmaster.pid"));
    refused(
        Cli.run(env("bk"), "backup-push", "-D", dir),
        dir + " has no postmaster.pid",
        "name this server's data directory with -D");
    // refused before any object, lease or marker; the server's backup was aborted
    assertThat(backupObjects()).isZero();
    Cli.Result list = Cli.run(env("postgres"), "backup-list");
    assertThat(list.exitCode()).as("%s", list).isZero();
    assertThat(list.stdout()).doesNotContain("base_");

    Cli.Result ok =
        Cli.run(
            env("bk"), "backup-push", "-D", primary.dataDir().toString(), "--wal-timeout", "2m");
    assertThat(ok.exitCode()).as("%s", ok).isZero();
    assertThat(ok.stdout()).containsPattern("base_\\S+ complete");
    ok = Cli.run(env("postgres"), "backup-push");
    assertThat(ok.exitCode()).as("%s", ok).isZero();
    list = Cli.run(env("postgres"), "backup-list");
    assertThat(list.stdout()).containsPattern("(?s)base_\\S+ +complete .*base_\\S+ +complete ");
  }
}
