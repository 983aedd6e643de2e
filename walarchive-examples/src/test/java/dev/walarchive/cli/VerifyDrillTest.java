package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code verify} on a real PostgreSQL 15 when a test restore archives into the production archive:
 * the primary archives on timeline 1 and keeps writing; a test restore of its base backup promotes
 * to timeline 2 and, keeping {@code archive_command}, archives into the same archive. Both
 * timelines grow side by side. {@code verify} warns about that, and when a timeline-1 segment
 * written after the branch goes missing, it names the segment and exits 1.
 */
class VerifyDrillTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  private final List<PostgresServer> servers = new ArrayList<>();
  private Path base;
  private Path config;
  private Path archiveDir;

  @AfterEach
  void cleanUp() throws Exception {
    for (PostgresServer s : servers) {
      try {
        s.close();
      } catch (Exception e) {
        // keep closing the others
      }
    }
    if (base != null) {
      PostgresServer.deleteTree(base);
    }
  }

  @Test
  void aSegmentLostOnTheTimelineThePrimaryStaysOnIsAGapWhileATestRestoreArchivesBeside()
      throws Exception {
    base = PostgresServer.createBaseDir("walarchive-verify-drill");
    archiveDir = base.resolve("archive");
    config = base.resolve("walarchive.properties");
    Files.writeString(config, "url=file:" + archiveDir + "\ncompression=zstd\n", UTF_8);
    Drills.chownToPostgres(base);

    PostgresServer primary =
        track(PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 1));
    archiveInto(primary);
    primary.start();
    primary.execute("CREATE TABLE marks (id serial PRIMARY KEY, phase int NOT NULL)");
    insert(primary, 1);
    Drills.switchAndWaitForArchive(primary);

    Path backup = base.resolve("backup");
    primary.pgBasebackup(backup, "-X", "none");
    insert(primary, 2);
    Drills.switchAndWaitForArchive(primary);
    WalFileName backupFile =
        archived().stream()
            .filter(n -> n.endsWith(".backup"))
            .map(WalFileName::parse)
            .findFirst()
            .orElseThrow();

    // the test restore: recovers to the end of the archive, promotes to timeline 2, and archives
    // into the production archive because archive_command was kept
    Path restoreDir = base.resolve("test-restore");
    Drills.copyAsPostgres(backup, restoreDir);
    PostgresServer restore = track(PostgresServer.existing(restoreDir));
    archiveInto(restore);
    restore.setConfig(
        "restore_command", Cli.launcher() + " wal-fetch --config " + config + " %f %p");
    Drills.writeAsPostgres(restoreDir.resolve("recovery.signal"), "");
    restore.start();
    restore.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
    assertThat(restore.queryOne("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"))
        .isEqualTo("00000002");
    insert(restore, 3);
    Drills.switchAndWaitForArchive(restore);
    insert(restore, 3);
    Drills.switchAndWaitForArchive(restore);

    // the primary goes on, on timeline 1
    for (int i = 0; i < 4; i++) {
      insert(primary, 4);
      Drills.switchAndWaitForArchive(primary);
    }
    assertThat(archived()).contains("00000002.history");

    Lsn branch = branchPoint();
    long branchSegment = branch.segmentNumber(SIZE);
    List<String> afterBranch =
        archived().stream()
            .filter(n -> n.matches("00000001[0-9A-F]{16}"))
            .filter(n -> WalFileName.parse(n).segmentNumber(SIZE) > branchSegment)
            .toList();
    assertThat(afterBranch).as("timeline 1 after the branch point").hasSizeGreaterThan(2);
    assertThat(archived().stream().filter(n -> n.matches("00000002[0-9A-F]{16}")))
        .as("timeline 2's own WAL")
        .isNotEmpty();

    Cli.Result sideBySide = cli("verify", "--no-integrity");
    assertThat(sideBySide.exitCode()).as(sideBySide.toString()).isZero();
    assertThat(sideBySide.stdout())
        .containsPattern("(?m)^ok backup " + backupFile + " to the end of timeline 1 ")
        .containsPattern("(?m)^ok backup " + backupFile + " to the end of timeline 2 ")
        .containsPattern(
            "(?m)^WARNING timelines 1 and 2 grow side by side: timeline 2 branched off timeline 1"
                + " at "
                + branch
                + " .*archive_mode=off.*recovery_target_timeline='current'")
        .contains("verify: ok, 1 warning(s)");

    // a timeline-1 segment written after the branch goes missing
    String victim = afterBranch.get(1);
    Files.delete(archiveDir.resolve("wal").resolve(victim));
    Cli.Result gap = cli("verify", "--no-integrity");
    assertThat(gap.exitCode()).as(gap.toString()).isEqualTo(1);
    assertThat(gap.stdout())
        .containsPattern(
            "(?m)^GAP backup " + backupFile + " to the end of timeline 1: missing " + victim + "$")
        .containsPattern("(?m)^ok backup " + backupFile + " to the end of timeline 2 ")
        .contains("verify: 1 problem(s), 1 warning(s)");
    restore.stop();
    primary.stop();
  }

  private PostgresServer track(PostgresServer server) {
    servers.add(server);
    return server;
  }

  private void archiveInto(PostgresServer server) throws Exception {
    server.setConfig("archive_mode", "on");
    server.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
  }

  private static void insert(PostgresServer server, int phase) throws Exception {
    server.execute(
        "INSERT INTO marks (phase) SELECT " + phase + " FROM generate_series(1, 1000) g");
  }

  private TreeSet<String> archived() throws Exception {
    Path wal = archiveDir.resolve("wal");
    if (!Files.isDirectory(wal)) {
      return new TreeSet<>();
    }
    try (Stream<Path> s = Files.list(wal)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private Lsn branchPoint() throws Exception {
    Path file = base.resolve("fetched.history");
    Cli.Result fetch = cli("wal-fetch", "00000002.history", file.toString());
    assertThat(fetch.exitCode()).as(fetch.toString()).isZero();
    return TimelineHistory.parse(2, Files.readString(file, UTF_8)).endOf(1).orElseThrow();
  }

  private Cli.Result cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--config");
    all.add(config.toString());
    return Cli.run(Map.of(), all.toArray(String[]::new));
  }
}
