package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code walarchive restore --target-xid} against a real PostgreSQL 15 chooses its backup by the
 * transaction snapshot {@code backup-push} records at the backup's stop: with transaction X
 * committed between two backups, the restore starts from the older one (the newer one stopped after
 * X ended, so recovery from it could never stop at X) and recovers exactly the rows up to X; a
 * transaction that ended before every backup is a one-line error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreTargetXidDrillTest {
  private Path base;
  private Path config;
  private PostgresServer primary;
  private final List<PostgresServer> servers = new ArrayList<>();
  private final List<String> backups = new ArrayList<>();
  private String beforeFirst;
  private String between;

  @BeforeAll
  void twoBackupsWithATransactionBetween() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-xid-drill");
    config = Drills.encryptedFileArchiveConfig(base, base.resolve("archive"));
    primary =
        track(PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 16));
    primary.setConfig("archive_mode", "on");
    primary.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
    primary.start();
    primary.execute("CREATE TABLE marks (id int PRIMARY KEY)");
    beforeFirst = primary.queryOne("INSERT INTO marks VALUES (1) RETURNING xmin::text");
    Drills.switchAndWaitForArchive(primary); // the first segment creates the archive
    push();
    for (int i = 2; i <= 5; i++) {
      primary.execute("INSERT INTO marks VALUES (" + i + ")");
    }
    between = primary.queryOne("INSERT INTO marks VALUES (6) RETURNING xmin::text");
    for (int i = 7; i <= 9; i++) {
      primary.execute("INSERT INTO marks VALUES (" + i + ")");
    }
    push();
    primary.execute("INSERT INTO marks VALUES (10)");
    Drills.switchAndWaitForArchive(primary);
  }

  private void push() throws Exception {
    Cli.Result push = Cli.run(Drills.pgEnv(primary), "backup-push", "--config", config.toString());
    assertThat(push.exitCode()).as(push.toString()).isZero();
    Cli.Result list = Cli.run(Map.of(), "backup-list", "--config", config.toString());
    assertThat(list.exitCode()).as(list.toString()).isZero();
    List<String> names =
        list.stdout()
            .lines()
            .map(l -> l.split("\\s+")[0])
            .filter(n -> n.startsWith("base_"))
            .toList();
    assertThat(names).hasSize(backups.size() + 1);
    backups.add(names.get(names.size() - 1));
  }

  @AfterAll
  void cleanUp() throws Exception {
    Drills.closeAllAndDelete(servers, base);
  }

  private PostgresServer track(PostgresServer server) {
    servers.add(server);
    return server;
  }

  @Test
  void restoresFromTheBackupThatStoppedBeforeTheTransactionAndStopsAtIt() throws Exception {
    Path dir = base.resolve("xid");
    Cli.Result r =
        Drills.restoreAsPostgres(
            "--config",
            config.toString(),
            dir.toString(),
            "--target-xid",
            between,
            "--target-action",
            "promote",
            "--no-archive");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout()).contains("restored " + backups.get(0)).doesNotContain(backups.get(1));

    PostgresServer restored = track(PostgresServer.existing(dir));
    restored.start();
    restored.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
    assertThat(restored.queryOne("SELECT string_agg(id::text, ',' ORDER BY id) FROM marks"))
        .as("the rows up to and including transaction %s", between)
        .isEqualTo("1,2,3,4,5,6");
    restored.stop();
  }

  @Test
  void aTransactionThatEndedBeforeEveryBackupIsAOneLineError() throws Exception {
    Cli.Result r =
        Drills.restoreAsPostgres(
            "--config",
            config.toString(),
            base.resolve("too-early").toString(),
            "--target-xid",
            beforeFirst,
            "--no-archive");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stderr().strip().lines())
        .singleElement()
        .asString()
        .contains("transaction " + beforeFirst + " had ended before every base backup stopped")
        .contains(backups.get(0));
  }
}
