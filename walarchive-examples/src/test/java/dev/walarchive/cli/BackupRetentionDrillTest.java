package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The retention drill against a real PostgreSQL 15: four {@code backup-push} runs with
 * writes in between into an encrypted {@code file:} archive, then {@code retain --policy keep=2}:
 * the dry run lists the two oldest walarchive backups, {@code --apply} deletes their objects and
 * the WAL only they needed, {@code verify} is ok, and a restore from each kept backup starts and
 * holds every row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupRetentionDrillTest {
  private Path base;
  private Path archiveDir;
  private Path config;
  private PostgresServer primary;
  private final List<PostgresServer> servers = new ArrayList<>();

  @BeforeAll
  void startPrimary() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-backup-retention");
    archiveDir = base.resolve("archive");
    config = Drills.encryptedFileArchiveConfig(base, archiveDir);
    primary =
        track(PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 16));
    primary.setConfig("archive_mode", "on");
    primary.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
    primary.start();
    primary.execute("CREATE TABLE marks (id serial PRIMARY KEY, phase int NOT NULL)");
    Drills.switchAndWaitForArchive(primary); // the first wal-push creates the archive
  }

  @AfterAll
  void cleanUp() throws Exception {
    Drills.closeAllAndDelete(servers, base);
  }

  private PostgresServer track(PostgresServer server) {
    servers.add(server);
    return server;
  }

  private Cli.Result walarchive(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--config", config.toString()));
    return Cli.run(Map.of(), all.toArray(String[]::new));
  }

  /** The complete walarchive backups in backup-list order: {name, first WAL segment}. */
  private List<String[]> listed() throws Exception {
    Cli.Result list = walarchive("backup-list");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    List<String[]> result = new ArrayList<>();
    for (String line : list.stdout().lines().toList()) {
      String[] f = line.trim().split("\\s+");
      if (f[0].startsWith("base_") && f[1].equals("complete")) {
        result.add(new String[] {f[0], f[9].substring(0, 24)});
      }
    }
    return result;
  }

  private static List<String> walFiles(Path archiveDir) throws Exception {
    try (Stream<Path> s = Files.list(archiveDir.resolve("wal"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void keepTwoOverFourBackupsDeletesTheOldestTwoAndBothKeptOnesStillRestore() throws Exception {
    for (int phase = 1; phase <= 4; phase++) {
      primary.execute(
          "INSERT INTO marks (phase) SELECT " + phase + " FROM generate_series(1, 100)");
      Cli.Result push =
          Cli.run(Drills.pgEnv(primary), "backup-push", "--config", config.toString());
      assertThat(push.exitCode()).as(push.toString()).isZero();
    }
    primary.execute("INSERT INTO marks (phase) SELECT 5 FROM generate_series(1, 100)");
    Drills.switchAndWaitForArchive(primary);
    List<String[]> before = listed();
    assertThat(before).hasSize(4);

    Cli.Result dry = walarchive("retain", "--policy", "keep=2");
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(dry.stdout())
        .contains("delete base backups: 2\n")
        .containsPattern("(?m)^  DELETE base backup " + before.get(0)[0] + ": \\d+ objects, ")
        .containsPattern("(?m)^  DELETE base backup " + before.get(1)[0] + ": \\d+ objects, ")
        .doesNotContain("DELETE base backup " + before.get(2)[0])
        .doesNotContain("DELETE base backup " + before.get(3)[0]);
    assertThat(archiveDir.resolve("basebackups").resolve(before.get(0)[0])).exists();

    Cli.Result applied = walarchive("retain", "--policy", "keep=2", "--apply");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    for (int i = 0; i < 2; i++) {
      Path gone = archiveDir.resolve("basebackups").resolve(before.get(i)[0]);
      if (Files.exists(gone)) {
        try (Stream<Path> s = Files.walk(gone)) {
          assertThat(s.filter(Files::isRegularFile).toList()).as("objects of %s", gone).isEmpty();
        }
      }
    }
    assertThat(listed()).extracting(b -> b[0]).containsExactly(before.get(2)[0], before.get(3)[0]);
    // the WAL only the two oldest needed is gone: nothing before the third backup's start
    String keptFrom = before.get(2)[1];
    List<String> wal = walFiles(archiveDir);
    assertThat(wal).noneMatch(n -> n.length() >= 24 && n.substring(0, 24).compareTo(keptFrom) < 0);
    assertThat(wal).anyMatch(n -> n.startsWith(keptFrom));
    assertThat(wal).noneMatch(n -> n.startsWith(before.get(0)[1]));

    Cli.Result verify = walarchive("verify");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.stdout())
        .contains("ok base backup " + before.get(2)[0] + ": ")
        .contains("ok base backup " + before.get(3)[0] + ": ")
        .endsWith("verify: ok\n");

    for (int i = 2; i < 4; i++) {
      Path dir = base.resolve("restored-" + i);
      Cli.Result r =
          Drills.restoreAsPostgres(
              "--config",
              config.toString(),
              dir.toString(),
              "--backup",
              before.get(i)[0],
              "--no-archive");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      PostgresServer restored = track(PostgresServer.existing(dir));
      restored.start();
      restored.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
      assertThat(restored.queryOne("SELECT count(*) FROM marks")).isEqualTo("500");
      restored.stop();
    }
  }
}
