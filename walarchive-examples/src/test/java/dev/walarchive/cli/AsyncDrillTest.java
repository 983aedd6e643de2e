package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Async mode with a real PostgreSQL 15: a standby that follows through prefetch, and kill -9. */
class AsyncDrillTest {
  private Path base;
  private Path config;
  private Path spool;
  private final List<PostgresServer> servers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-async-drill");
    spool = base.resolve("spool");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path keyFile = base.resolve("archive.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n", UTF_8);
    Drills.restrictToOwner(keyFile);
    config = base.resolve("walarchive.properties");
    Files.writeString(
        config,
        "url=file:"
            + base.resolve("archive")
            + "\ncompression=zstd\nkey-file="
            + keyFile
            + "\nspool-dir="
            + spool
            + "\n",
        UTF_8);
    Drills.chownToPostgres(base);
    Drills.restrictToOwner(keyFile);
    Drills.restrictToOwner(config);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (PostgresServer s : servers) {
      try {
        s.close();
      } catch (Exception e) {
        // keep closing the others
      }
    }
    Spools.killWorkers(spool);
    PostgresServer.deleteTree(base);
  }

  private PostgresServer primary(String name, int segmentMb) throws Exception {
    PostgresServer s =
        PostgresServer.initdb(PostgresServer.createDirectory(base.resolve(name)), segmentMb);
    servers.add(s);
    s.setConfig("wal_level", "replica");
    s.setConfig("archive_mode", "on");
    s.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
    return s;
  }

  @Test
  void aStandbyWithPrefetchFollowsAWritingPrimaryAndPromotesWithEveryRow() throws Exception {
    PostgresServer primary = primary("primary", 1);
    primary.start();
    primary.execute("CREATE TABLE marks (id serial PRIMARY KEY, note text NOT NULL)");
    Path backup = base.resolve("backup");
    primary.pgBasebackup(backup, "-X", "none", "-c", "fast");

    Path standbyDir = base.resolve("standby");
    Drills.copyAsPostgres(backup, standbyDir);
    PostgresServer standby = PostgresServer.existing(standbyDir);
    servers.add(standby);
    standby.setConfig(
        "restore_command", Cli.launcher() + " wal-fetch --config " + config + " %f %p");
    standby.setConfig("wal_retrieve_retry_interval", "200ms");
    Drills.writeAsPostgres(standbyDir.resolve("standby.signal"), "");
    standby.start();

    for (int i = 0; i < 60; i++) {
      primary.execute(
          "INSERT INTO marks (note) SELECT repeat('x', 1000) FROM generate_series(1, 200)");
      if (i % 5 == 4) {
        primary.queryOne("SELECT pg_switch_wal()");
      }
      Thread.sleep(50);
    }
    Drills.switchAndWaitForArchive(primary);
    String rows = primary.queryOne("SELECT count(*) FROM marks");
    assertThat(rows).isEqualTo("12000");
    standby.waitFor("SELECT count(*) = " + rows + " FROM marks", Duration.ofMinutes(3));
    primary.stop();

    standby.promote();
    standby.waitUntilRecoveryEnds(Duration.ofMinutes(2));
    assertThat(standby.queryOne("SELECT count(*) FROM marks")).isEqualTo(rows);
    standby.execute("INSERT INTO marks (note) VALUES ('after promotion')");
    assertThat(standby.queryOne("SELECT count(*) FROM marks")).isEqualTo("12001");
    assertThat(standby.queryOne("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"))
        .isEqualTo("00000002");
  }

  @Test
  void killingTheWorkerRepeatedlyUnderLoadLosesNoSegment() throws Exception {
    PostgresServer server = primary("killed", 1);
    server.setConfig("wal_keep_size", "2GB");
    server.setConfig("max_wal_size", "2GB");
    server.setConfig("checkpoint_timeout", "1h");
    server.start();
    AtomicBoolean stop = new AtomicBoolean();
    int[] kills = {0};
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> killer =
          pool.submit(
              () -> {
                while (!stop.get()) {
                  Thread.sleep(700);
                  kills[0] += Spools.killWorkers(spool) > 0 ? 1 : 0;
                }
                return null;
              });
      server.pgbench("-i", "-q", "-s", "2");
      server.pgbench("-T", "6", "-c", "2", "-j", "1", "-n");
      stop.set(true);
      killer.get(1, TimeUnit.MINUTES);
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
    assertThat(kills[0]).as("worker kills").isGreaterThan(2);
    Drills.switchAndWaitForArchive(server);

    Path walDir = server.dataDir().resolve("pg_wal");
    List<String> done;
    try (Stream<Path> s = Files.list(walDir.resolve("archive_status"))) {
      done =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".done"))
              .map(n -> n.substring(0, n.length() - ".done".length()))
              .sorted()
              .toList();
    }
    assertThat(done).hasSizeGreaterThan(20);
    Path check = base.resolve("check");
    try (WalArchive archive =
        new CliConfig(Map.of("WALARCHIVE_CONFIG", config.toString())).openArchive()) {
      for (String name : done) {
        Path local = walDir.resolve(name);
        if (!Files.exists(local)) {
          continue;
        }
        archive.fetch(name, check);
        assertThat(Files.mismatch(check, local)).as(name + " in the archive").isEqualTo(-1L);
      }
    }
    assertThat(server.queryOne("SELECT archived_count FROM pg_stat_archiver"))
        .isEqualTo(Integer.toString(done.size()));
  }
}
