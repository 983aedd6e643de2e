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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The retention drill on a real PostgreSQL 15 with a {@code file:} archive, all through the CLI.
 *
 * <p>Backup 1 is taken on timeline 1. A restore from it to a restore point, promoted, starts
 * timeline 2; timeline 1 goes on a little past the branch point (WAL no restore needs any more).
 * Backups 2 and 3 are taken on timeline 2, with writes between and after them. Then {@code retain
 * --policy keep=2} expires backup 1: it deletes backup 1's {@code .backup} file, all of timeline 1
 * and timeline 2's WAL before backup 2 started; {@code --apply} does that, a second run nothing.
 * Each retained backup is then restored to the newest point through {@code wal-fetch}, and the data
 * checked; then {@code verify} passes, reports a deleted segment as a gap and a damaged object as
 * an integrity failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionDrillTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  private Path base;
  private Path config;
  private Path archiveDir;
  private final List<PostgresServer> servers = new ArrayList<>();

  private Path backup1;
  private Path backup2;
  private Path backup3;
  private WalFileName backupFile1;
  private WalFileName backupFile2;
  private WalFileName backupFile3;

  /** Rows in {@code marks} on timeline 2 at the end, and rows written on timeline 1 only. */
  private long finalRows;

  private long abandonedRows;
  private TreeSet<String> archivedBeforeRetention;

  @BeforeAll
  void archiveThreeBackupsAcrossATimelineSwitch() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-retention-drill");
    archiveDir = base.resolve("archive");
    config = base.resolve("walarchive.properties");
    Path keyFile = base.resolve("archive.key");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n", UTF_8);
    Files.writeString(
        config, "url=file:" + archiveDir + "\ncompression=zstd\nkey-file=" + keyFile + "\n", UTF_8);
    Drills.chownToPostgres(base);
    Drills.restrictToOwner(keyFile);

    PostgresServer primary =
        track(PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 1));
    configureArchiving(primary);
    primary.start();
    primary.execute(
        "CREATE TABLE marks (id serial PRIMARY KEY, phase int NOT NULL, note text NOT NULL)");
    primary.pgbench("-i", "-q", "-s", "1");
    insert(primary, 1, 20);
    Drills.switchAndWaitForArchive(primary);

    backup1 = base.resolve("backup1");
    backupFile1 = takeBackup(primary, backup1);
    insert(primary, 2, 20);
    Drills.switchAndWaitForArchive(primary);
    insert(primary, 2, 20);
    primary.execute("SELECT pg_create_restore_point('branch')");
    long rowsAtBranch = Long.parseLong(primary.queryOne("SELECT count(*) FROM marks"));
    // timeline 1 goes on past the branch point: these rows are not on timeline 2
    insert(primary, 9, 30);
    Drills.switchAndWaitForArchive(primary);
    insert(primary, 9, 30);
    Drills.switchAndWaitForArchive(primary);
    abandonedRows = 60;
    primary.stop();

    PostgresServer tl2 =
        restore(
            backup1,
            "timeline2",
            Map.of("recovery_target_name", "branch", "recovery_target_action", "promote"));
    configureArchiving(tl2);
    tl2.start();
    tl2.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
    assertThat(tl2.queryOne("SELECT count(*) FROM marks")).isEqualTo(Long.toString(rowsAtBranch));
    assertThat(tl2.queryOne("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"))
        .isEqualTo("00000002");
    insert(tl2, 3, 20);
    Drills.switchAndWaitForArchive(tl2);

    backup2 = base.resolve("backup2");
    backupFile2 = takeBackup(tl2, backup2);
    insert(tl2, 4, 20);
    Drills.switchAndWaitForArchive(tl2);
    tl2.pgbench("-t", "200", "-c", "2", "-j", "1", "-n");
    Drills.switchAndWaitForArchive(tl2);

    backup3 = base.resolve("backup3");
    backupFile3 = takeBackup(tl2, backup3);
    insert(tl2, 5, 20);
    Drills.switchAndWaitForArchive(tl2);
    insert(tl2, 5, 20);
    finalRows = Long.parseLong(tl2.queryOne("SELECT count(*) FROM marks"));
    Drills.switchAndWaitForArchive(tl2);
    tl2.stop();

    assertThat(backupFile1.timeline()).isEqualTo(1);
    assertThat(backupFile2.timeline()).isEqualTo(2);
    assertThat(backupFile3.timeline()).isEqualTo(2);
    archivedBeforeRetention = archivedWal();
    assertThat(archivedBeforeRetention).contains("00000002.history");
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
    if (base != null) {
      PostgresServer.deleteTree(base);
    }
  }

  private PostgresServer track(PostgresServer server) {
    servers.add(server);
    return server;
  }

  private void configureArchiving(PostgresServer server) throws Exception {
    server.setConfig("archive_mode", "on");
    server.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
  }

  private static void insert(PostgresServer server, int phase, int rows) throws Exception {
    server.execute(
        "INSERT INTO marks (phase, note) SELECT "
            + phase
            + ", 'phase "
            + phase
            + " row ' || g FROM generate_series(1, "
            + rows
            + ") g");
  }

  /** Takes a base backup without WAL and returns its backup history file, once archived. */
  private WalFileName takeBackup(PostgresServer server, Path target) throws Exception {
    TreeSet<String> before = archivedWal();
    server.pgBasebackup(target, "-X", "none");
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      TreeSet<String> added = archivedWal();
      added.removeAll(before);
      List<String> backups = added.stream().filter(n -> n.endsWith(".backup")).toList();
      if (backups.size() == 1) {
        return WalFileName.parse(backups.get(0));
      }
      assertThat(System.nanoTime()).as("backup history file archived").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /**
   * A server recovering from {@code backup} through {@code wal-fetch}; it does not archive. The
   * recovery target settings a backup copied from its server's {@code postgresql.auto.conf} are
   * cleared first.
   */
  private PostgresServer restore(Path backup, String name, Map<String, String> recovery)
      throws Exception {
    Path dataDir = base.resolve(name);
    Drills.copyAsPostgres(backup, dataDir);
    PostgresServer server = track(PostgresServer.existing(dataDir));
    server.setConfig("archive_mode", "off");
    server.setConfig(
        "restore_command", Cli.launcher() + " wal-fetch --config " + config + " %f %p");
    server.setConfig("recovery_target_name", "");
    server.setConfig("recovery_target_action", "pause");
    for (Map.Entry<String, String> e : recovery.entrySet()) {
      server.setConfig(e.getKey(), e.getValue());
    }
    Drills.writeAsPostgres(dataDir.resolve("recovery.signal"), "");
    return server;
  }

  /** The names of the archived WAL files. */
  private TreeSet<String> archivedWal() throws Exception {
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

  private Cli.Result cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--config");
    all.add(config.toString());
    return Cli.run(Map.of(), all.toArray(String[]::new));
  }

  /** What keep=2 must delete: backup 1, all of timeline 1, timeline 2 before backup 2. */
  private TreeSet<String> expectedDeletions() {
    long backup2Start = backupFile2.segment().segmentNumber(SIZE);
    TreeSet<String> expected = new TreeSet<>();
    for (String name : archivedBeforeRetention) {
      WalFileName n = WalFileName.parse(name);
      boolean segment =
          n.kind() == WalFileName.Kind.SEGMENT || n.kind() == WalFileName.Kind.PARTIAL_SEGMENT;
      if (n.equals(backupFile1)
          || (segment && n.timeline() == 1)
          || (segment && n.timeline() == 2 && n.segmentNumber(SIZE) < backup2Start)) {
        expected.add(name);
      }
    }
    return expected;
  }

  /** {@code 1 file NAME} or {@code N files FIRST .. LAST}, as {@code retain} prints a range. */
  private static String range(List<String> names) {
    return names.size() == 1
        ? "1 file " + names.get(0)
        : names.size() + " files " + names.get(0) + " .. " + names.get(names.size() - 1);
  }

  /** Where timeline 2 branched off timeline 1, from the archived history file. */
  private Lsn branchPoint() throws Exception {
    Path file = base.resolve("fetched.history");
    Cli.Result fetch = cli("wal-fetch", "00000002.history", file.toString());
    assertThat(fetch.exitCode()).as(fetch.toString()).isZero();
    TimelineHistory history = TimelineHistory.parse(2, Files.readString(file, UTF_8));
    return history.endOf(1).orElseThrow();
  }

  @Test
  void keepTwoExpiresTheOldestBackupAndTheWalOnlyItNeeded() throws Exception {
    TreeSet<String> expected = expectedDeletions();
    Lsn branch = branchPoint();
    long branchSegment = branch.segmentNumber(SIZE);
    List<String> beforeBranch =
        expected.stream()
            .filter(n -> n.startsWith("00000001") && !n.endsWith(".backup"))
            .filter(n -> WalFileName.parse(n).segmentNumber(SIZE) <= branchSegment)
            .toList();
    List<String> abandoned =
        expected.stream()
            .filter(n -> n.startsWith("00000001") && !n.endsWith(".backup"))
            .filter(n -> WalFileName.parse(n).segmentNumber(SIZE) > branchSegment)
            .toList();
    List<String> beforeBackup2 = expected.stream().filter(n -> n.startsWith("00000002")).toList();
    assertThat(beforeBranch).as("timeline 1 up to the branch point").hasSizeGreaterThan(4);
    assertThat(abandoned).as("timeline 1 after the branch point").isNotEmpty();
    assertThat(beforeBackup2).as("timeline 2 before backup 2").isNotEmpty();

    Cli.Result plan = cli("retain", "--policy", "keep=2");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.stdout())
        .contains("EXPIRE " + backupFile1)
        .contains("retain " + backupFile2)
        .contains("retain " + backupFile3)
        .contains("DELETE backup history " + backupFile1)
        .contains("DELETE timeline 1: " + range(beforeBranch))
        .contains("the path to timeline 2 leaves timeline 1 at " + branch)
        .contains("DELETE timeline 1: " + range(abandoned))
        .contains("timeline 1 is not reachable from any retained backup")
        .contains("DELETE timeline 2: " + range(beforeBackup2))
        .contains("before " + backupFile2.segment() + ", the oldest WAL on timeline 2")
        .contains("delete: " + expected.size() + " files")
        .contains("dry run: nothing was deleted");
    assertThat(archivedWal()).as("a dry run deletes nothing").isEqualTo(archivedBeforeRetention);

    Cli.Result json = cli("retain", "--policy", "keep=2", "--json");
    assertThat(json.exitCode()).as(json.toString()).isZero();
    for (String name : expected) {
      assertThat(json.stdout()).contains("{\"name\":\"" + name + "\",\"key\":\"wal/" + name);
    }
    assertThat(json.stdout()).contains("\"deletionCount\":" + expected.size());

    Cli.Result applied = cli("retain", "--policy", "keep=2", "--apply");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    assertThat(applied.stdout()).contains("applied: deleted " + expected.size() + " files");
    TreeSet<String> left = new TreeSet<>(archivedBeforeRetention);
    left.removeAll(expected);
    assertThat(archivedWal()).isEqualTo(left);
    assertThat(left).contains("00000002.history", backupFile2.name(), backupFile3.name());

    Cli.Result again = cli("retain", "--policy", "keep=2", "--apply");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.stdout())
        .contains("expired backups: 0")
        .contains("delete: 0 files")
        .contains("applied: deleted 0 files");
    assertThat(archivedWal()).isEqualTo(left);

    for (Path backup : List.of(backup2, backup3)) {
      PostgresServer restored =
          restore(
              backup,
              "restore-" + backup.getFileName(),
              Map.of("recovery_target_timeline", "latest"));
      restored.start();
      restored.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
      assertThat(restored.queryOne("SELECT count(*) FROM marks"))
          .as("rows restored from %s", backup)
          .isEqualTo(Long.toString(finalRows));
      assertThat(restored.queryOne("SELECT count(*) FROM marks WHERE phase = 5")).isEqualTo("40");
      assertThat(restored.queryOne("SELECT count(*) FROM marks WHERE phase = 9"))
          .as("rows written on timeline 1 after the branch point (%d)", abandonedRows)
          .isEqualTo("0");
      assertThat(restored.queryOne("SELECT count(*) FROM pgbench_accounts")).isEqualTo("100000");
      restored.stop();
    }

    Cli.Result verify = cli("verify");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.stdout()).contains("verify: ok").doesNotContain(backupFile1.name());

    // a segment in the middle of what backup 2 needs goes missing
    List<String> timeline2 = left.stream().filter(n -> n.matches("00000002[0-9A-F]{16}")).toList();
    assertThat(timeline2).hasSizeGreaterThan(4);
    long backup3Start = backupFile3.segment().segmentNumber(SIZE);
    String victim =
        timeline2.stream()
            .filter(n -> WalFileName.parse(n).segmentNumber(SIZE) > backup3Start)
            .findFirst()
            .orElseThrow();
    assertThat(victim).isNotEqualTo(timeline2.get(timeline2.size() - 1));
    Path victimFile = archiveDir.resolve("wal").resolve(victim);
    byte[] original = Files.readAllBytes(victimFile);
    Files.delete(victimFile);
    try {
      Cli.Result gap = cli("verify", "--no-integrity");
      assertThat(gap.exitCode()).as(gap.toString()).isEqualTo(1);
      assertThat(gap.stdout())
          .containsPattern("(?m)^GAP backup " + backupFile2 + " .*: missing " + victim + "$")
          .containsPattern("(?m)^GAP backup " + backupFile3 + " .*: missing " + victim + "$");
    } finally {
      Files.write(victimFile, original);
    }
    Cli.Result repaired = cli("verify");
    assertThat(repaired.exitCode()).as(repaired.toString()).isZero();

    // another object is damaged: one flipped byte in its body
    String damagedName = timeline2.get(1);
    assertThat(damagedName).isNotEqualTo(victim);
    Path damagedFile = archiveDir.resolve("wal").resolve(damagedName);
    byte[] good = Files.readAllBytes(damagedFile);
    byte[] bad = good.clone();
    bad[bad.length - 20] ^= 0x01;
    Files.write(damagedFile, bad);
    try {
      Cli.Result corrupt = cli("verify");
      assertThat(corrupt.exitCode()).as(corrupt.toString()).isEqualTo(1);
      assertThat(corrupt.stdout())
          .containsPattern("(?m)^CORRUPT " + damagedName + ": ")
          .contains("verify: 1 problem(s)")
          .doesNotContain("GAP");
    } finally {
      Files.write(damagedFile, good);
    }
  }
}
