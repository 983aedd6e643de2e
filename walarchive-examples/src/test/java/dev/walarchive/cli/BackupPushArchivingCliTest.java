package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code walarchive backup-push} against a real PostgreSQL 15 whose own archiving does not bring
 * the WAL into backup-push's archive: an {@code archive_command} that pushes into another archive
 * is refused before the backup starts (exit 2, one line, nothing written); one that fails ({@code
 * /bin/false}, a command walarchive cannot judge) fails the backup after {@code --wal-timeout}
 * (exit 1, one line), leaving it incomplete. With the command restored the backup completes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupPushArchivingCliTest {
  private Path base;
  private Path archiveDir;
  private Path config;
  private String command;
  private PostgresServer primary;

  @BeforeAll
  void start() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-backup-archiving");
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
    command = Cli.launcher() + " wal-push --config " + config + " %p";
    primary.setConfig("archive_command", command);
    primary.start();
    primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
    Drills.switchAndWaitForArchive(primary);
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

  private Map<String, String> env() {
    Map<String, String> env = Drills.pgEnv(primary);
    env.put("WALARCHIVE_CONFIG", config.toString());
    return env;
  }

  private void archiveCommand(String value) throws Exception {
    primary.execute("ALTER SYSTEM SET archive_command = '" + value.replace("'", "''") + "'");
    primary.execute("SELECT pg_reload_conf()");
    primary.waitFor(
        "SELECT setting = '"
            + value.replace("'", "''")
            + "' FROM pg_settings"
            + " WHERE name = 'archive_command'",
        java.time.Duration.ofSeconds(30));
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
  void walArchivedElsewhereOrNotAtAllGivesNoCompleteBackup() throws Exception {
    Path other = base.resolve("other");
    archiveCommand(Cli.launcher() + " wal-push --url file:" + other + " %p");
    Cli.Result r = Cli.run(env(), "backup-push");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.stderrLines())
        .as("%s", r)
        .singleElement()
        .asString()
        .contains("runs walarchive wal-push into file:" + other)
        .contains("the WAL this backup needs would not arrive in this archive");
    assertThat(backupObjects()).isZero();

    archiveCommand("/bin/false");
    r = Cli.run(env(), "backup-push", "--wal-timeout", "5s");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines())
        .as("%s", r)
        .singleElement()
        .asString()
        .contains("did not archive")
        .contains("walarchive check")
        .contains("the backup stays incomplete");
    Cli.Result list = Cli.run(env(), "backup-list");
    assertThat(list.stdout())
        .as("%s", list)
        .doesNotContainPattern("\\scomplete\\s")
        .contains("incomplete");

    archiveCommand(command);
    r = Cli.run(env(), "backup-push");
    assertThat(r.exitCode()).as("%s", r).isZero();
    list = Cli.run(env(), "backup-list");
    assertThat(list.stdout()).containsPattern("base_\\S+ +complete ");
  }
}
