package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code walarchive retain} as a process over a synthetic archive: timeline 1, segments 1 to 12,
 * backups starting in segments 2, 5 and 9 (in that order in time).
 */
class RetainCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private Path base;
  private Path archiveDir;
  private Map<String, String> env;

  @BeforeEach
  void createArchive() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-retain");
    archiveDir = base.resolve("archive");
    env = Map.of("WALARCHIVE_URL", "file:" + archiveDir, "WALARCHIVE_TMPDIR", base.toString());
    Path spool = Files.createDirectories(base.resolve("spool"));
    try (WalArchive archive =
        WalArchive.builder(ArchiveStorages.filesystem(archiveDir)).tempDirectory(base).build()) {
      Instant t = Instant.parse("2026-01-01T00:00:00Z");
      for (long s = 1; s <= 12; s++) {
        Path seg = SyntheticWal.writeSegment(spool, SYSID, 1, s, SIZE, 0);
        archive.push(seg);
        Files.delete(seg);
        if (s == 2 || s == 5 || s == 9) {
          Path backup = backupHistory(spool, s, t.plusSeconds(3600 * s));
          archive.push(backup);
          Files.delete(backup);
        }
      }
      // keys no retention run may touch
      archive
          .storage()
          .create("wal/not-a-wal-file.txt", ObjectSource.ofBytes("x".getBytes(UTF_8)), Map.of());
      archive
          .storage()
          .create("other/notes.txt", ObjectSource.ofBytes("x".getBytes(UTF_8)), Map.of());
    }
  }

  @AfterEach
  void deleteArchive() throws Exception {
    PostgresServer.deleteTree(base);
  }

  private static String backupName(long segment) {
    return WalFileName.backupHistory(1, Lsn.ofSegment(segment, 0x28, SIZE), SIZE).name();
  }

  private static String segment(long segment) {
    return WalFileName.segment(1, segment, SIZE).name();
  }

  /** The backup history file PostgreSQL 15 writes for a backup starting in {@code segment}. */
  private static Path backupHistory(Path dir, long segment, Instant stop) throws Exception {
    Lsn start = Lsn.ofSegment(segment, 0x28, SIZE);
    Lsn end = Lsn.ofSegment(segment, 0x100, SIZE);
    String content =
        "START WAL LOCATION: "
            + start
            + " (file "
            + segment(segment)
            + ")\n"
            + "STOP WAL LOCATION: "
            + end
            + " (file "
            + segment(segment)
            + ")\n"
            + "CHECKPOINT LOCATION: "
            + Lsn.ofSegment(segment, 0x60, SIZE)
            + "\n"
            + "BACKUP METHOD: streamed\n"
            + "BACKUP FROM: primary\n"
            + "START TIME: "
            + PG_TIME.format(stop.minusSeconds(60))
            + "\n"
            + "LABEL: backup in "
            + segment
            + "\n"
            + "START TIMELINE: 1\n"
            + "STOP TIME: "
            + PG_TIME.format(stop)
            + "\n"
            + "STOP TIMELINE: 1\n";
    Path file = dir.resolve(backupName(segment));
    Files.writeString(file, content, UTF_8);
    return file;
  }

  /** Every file under the archive directory, relative to it. */
  private TreeSet<String> archiveFiles() throws Exception {
    try (Stream<Path> files = Files.walk(archiveDir)) {
      return files
          .filter(Files::isRegularFile)
          .map(p -> archiveDir.relativize(p).toString())
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }

  private Cli.Result retain(Map<String, String> environment, String... args) throws Exception {
    String[] full = new String[args.length + 1];
    full[0] = "retain";
    System.arraycopy(args, 0, full, 1, args.length);
    return Cli.run(environment, full);
  }

  @Test
  void dryRunPrintsThePlanWithReasonsAndDeletesNothing() throws Exception {
    TreeSet<String> before = archiveFiles();
    Cli.Result r = retain(env, "--policy", "keep=2");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout())
        .contains("policy: keep=2")
        .contains("retain " + backupName(9))
        .contains("retain " + backupName(5))
        .contains("EXPIRE " + backupName(2))
        .contains("not among the newest 2 backups")
        .contains("timeline 1: 8 files " + segment(5) + " .. " + segment(12) + "\n")
        .contains("needed by backup " + backupName(5))
        .contains("delete: 5 files")
        .contains("DELETE backup history " + backupName(2))
        .contains("DELETE timeline 1: 4 files " + segment(1) + " .. " + segment(4))
        .contains("before " + segment(5) + ", the oldest WAL on timeline 1")
        .contains("dry run: nothing was deleted; run again with --apply to delete 5 files");
    assertThat(r.stderr()).isEmpty();
    assertThat(archiveFiles()).isEqualTo(before);
  }

  @Test
  void applyDeletesThePlanInBatchesAndASecondRunDeletesNothing() throws Exception {
    Cli.Result pin = Cli.run(env, "pin", backupName(9));
    assertThat(pin.exitCode()).as(pin.toString()).isZero();
    TreeSet<String> before = archiveFiles();
    Cli.Result r = retain(env, "--policy", "keep=2", "--apply", "--batch-size", "2");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout()).contains("applied: deleted 5 files");
    TreeSet<String> expected = new TreeSet<>(before);
    expected.remove("wal/" + backupName(2));
    for (long s = 1; s <= 4; s++) {
      expected.remove("wal/" + segment(s));
    }
    assertThat(archiveFiles()).isEqualTo(expected);
    assertThat(expected)
        .contains(
            "walarchive.manifest",
            "pins/" + backupName(9),
            "wal/not-a-wal-file.txt",
            "other/notes.txt");

    Cli.Result again = retain(env, "--policy", "keep=2", "--apply");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.stdout()).contains("delete: 0 files").contains("applied: deleted 0 files");
    assertThat(archiveFiles()).isEqualTo(expected);
  }

  @Test
  void anInterruptedApplyIsFinishedByTheNextRun() throws Exception {
    TreeSet<String> expected = archiveFiles();
    expected.remove("wal/" + backupName(2));
    for (long s = 1; s <= 4; s++) {
      expected.remove("wal/" + segment(s));
    }
    // what a run interrupted after its first two deletions leaves: the plan's order is the
    // expired backup's history file, then segments in name order
    Files.delete(archiveDir.resolve("wal").resolve(backupName(2)));
    Files.delete(archiveDir.resolve("wal").resolve(segment(1)));

    Cli.Result r = retain(env, "--policy", "keep=2", "--apply");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout())
        .contains("expired backups: 0")
        .contains("DELETE timeline 1: 3 files " + segment(2) + " .. " + segment(4))
        .contains("applied: deleted 3 files");
    assertThat(archiveFiles()).isEqualTo(expected);
  }

  @Test
  void pinsInTheArchiveAndInThePolicyBothKeepBackups() throws Exception {
    Cli.Result pin = Cli.run(env, "pin", backupName(2));
    assertThat(pin.exitCode()).as(pin.toString()).isZero();

    Cli.Result r = retain(env, "--policy", "keep=1,pin=" + backupName(5), "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    String json = r.stdout().strip();
    assertThat(json).startsWith("{").endsWith("}");
    assertThat(json)
        .contains("\"policy\":\"keep=1,pin=" + backupName(5) + "\"")
        .contains("\"pinnedInArchive\":[\"" + backupName(2) + "\"]")
        .contains("\"expired\":[]")
        .contains("\"deletionCount\":1")
        .contains("\"applied\":false");
    assertThat(json.split("\"reason\":\"pinned\"", -1)).hasSize(3);
    assertThat(json).contains("\"reason\":\"the newest backup\"");

    Cli.Result unpinned = Cli.run(env, "pin", "--remove", backupName(2));
    assertThat(unpinned.exitCode()).as(unpinned.toString()).isZero();
    Cli.Result after = retain(env, "--policy", "keep=1,pin=" + backupName(5), "--json");
    assertThat(after.stdout())
        .contains("\"pinnedInArchive\":[]")
        .contains("\"expired\":[{\"name\":\"" + backupName(2) + "\"")
        .contains("\"deletionCount\":5")
        .contains("{\"name\":\"" + segment(4) + "\",\"key\":\"wal/" + segment(4) + "\"");
  }

  @Test
  void policyComesFromTheFlagElseTheEnvironmentElseTheConfigFile() throws Exception {
    Path config = base.resolve("walarchive.properties");
    Files.writeString(config, "url=file:" + archiveDir + "\nretention=keep=3\n", UTF_8);

    Cli.Result fromFile = Cli.run(Map.of(), "retain", "--config", config.toString());
    assertThat(fromFile.exitCode()).as(fromFile.toString()).isZero();
    assertThat(fromFile.stdout()).contains("policy: keep=3").contains("delete: 1 file,");

    Map<String, String> withEnv = new HashMap<>();
    withEnv.put("WALARCHIVE_RETENTION", "keep=1");
    Cli.Result fromEnv = Cli.run(withEnv, "retain", "--config", config.toString());
    assertThat(fromEnv.stdout()).contains("policy: keep=1").contains("delete: 10 files");

    Cli.Result fromFlag =
        Cli.run(withEnv, "retain", "--config", config.toString(), "--policy", "keep=2");
    assertThat(fromFlag.stdout()).contains("policy: keep=2").contains("delete: 5 files");
  }

  @Test
  void usageErrorsExitTwoWithOneLine() throws Exception {
    TreeSet<String> before = archiveFiles();
    assertOneLineError(retain(env, "--apply"), "WALARCHIVE_RETENTION");
    assertOneLineError(retain(env, "--policy", "keep=0", "--apply"), "keep");
    assertOneLineError(retain(env, "--policy", "pin=" + backupName(2), "--apply"), "keep=N");
    assertOneLineError(retain(env, "--policy", "window=soon", "--apply"), "'soon'");
    assertOneLineError(
        retain(env, "--policy", "keep=1", "--apply", "--batch-size", "0"), "--batch-size");
    assertOneLineError(retain(env, "--polcy", "keep=1"), "--polcy");
    assertThat(archiveFiles()).isEqualTo(before);
  }

  @Test
  void aHistoryFileUnderAKeyTheCliLacksIsAConfigurationErrorNotAGuess() throws Exception {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    Keyring keyring = Keyring.builder().addKey("k1", key).build();
    // wal-push refuses to encrypt into this unencrypted archive, so the object is made in an
    // encrypted archive of its own and copied in, as a mixed-up archive would hold it
    var elsewhere = ArchiveStorages.memory();
    try (WalArchive encrypting =
        WalArchive.builder(elsewhere).keyring(keyring).tempDirectory(base).build()) {
      Path segment = SyntheticWal.writeSegment(base, SYSID, 1, 11, SIZE, 0);
      encrypting.push(segment);
      Path backup = backupHistory(base, 11, Instant.parse("2026-01-01T11:00:00Z"));
      encrypting.push(backup);
      String objectKey =
          WalArchive.keyOf(
              dev.walarchive.core.wal.WalFileName.parse(backup.getFileName().toString()));
      try (var in = elsewhere.open(objectKey);
          var target = ArchiveStorages.filesystem(archiveDir)) {
        target.create(
            objectKey,
            dev.walarchive.core.storage.ObjectSource.ofBytes(in.readAllBytes()),
            elsewhere.stat(objectKey).metadata());
      }
    }
    TreeSet<String> before = archiveFiles();
    assertOneLineError(retain(env, "--policy", "keep=1", "--apply"), "key id 'k1'");
    assertThat(archiveFiles()).isEqualTo(before);
  }

  @Test
  void helpSaysItIsADryRunUnlessApplied() throws Exception {
    Cli.Result r = retain(env, "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout())
        .contains("DRY RUN")
        .contains("--apply")
        .contains("WALARCHIVE_RETENTION")
        .containsPattern("(?m)^\\s+0\\s+plan printed")
        .containsPattern("(?m)^\\s+2\\s+usage")
        .containsPattern("(?m)^\\s+3\\s+storage");
  }

  private static void assertOneLineError(Cli.Result r, String mentions) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    List<String> lines = r.stderrLines();
    assertThat(lines).as(r.toString()).hasSize(1);
    assertThat(lines.get(0)).startsWith("walarchive retain: ").contains(mentions);
    assertThat(r.stdout()).isEmpty();
  }
}
