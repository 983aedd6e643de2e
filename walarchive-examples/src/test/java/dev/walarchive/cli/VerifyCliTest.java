package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticDataDirectory;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code walarchive verify} as a process over a synthetic archive (timeline 1, segments 1 to 4, a
 * backup in segment 2): the options reach {@code WalArchive.verify}, and a damaged history file is
 * a problem line, not the end of the run.
 */
class VerifyCliTest {
  private static final long SYSID = 7_333_333_333_333_333_333L;
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  private Path base;
  private Path archiveDir;
  private Map<String, String> env;
  private final WalFileName backup =
      WalFileName.backupHistory(1, Lsn.ofSegment(2, 0x28, SIZE), SIZE);

  @BeforeEach
  void createArchive() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-verify");
    archiveDir = base.resolve("archive");
    env = Map.of("WALARCHIVE_URL", "file:" + archiveDir, "WALARCHIVE_TMPDIR", base.toString());
    Path spool = Files.createDirectories(base.resolve("spool"));
    try (WalArchive archive =
        WalArchive.builder(ArchiveStorages.filesystem(archiveDir)).tempDirectory(base).build()) {
      for (long s = 1; s <= 4; s++) {
        archive.push(SyntheticWal.writeSegment(spool, SYSID, 1, s, SIZE, 0));
      }
      Lsn start = Lsn.ofSegment(2, 0x28, SIZE);
      Path file = spool.resolve(backup.name());
      Files.writeString(
          file,
          "START WAL LOCATION: "
              + start
              + " (file 000000010000000000000002)\n"
              + "STOP WAL LOCATION: "
              + Lsn.ofSegment(2, 0x100, SIZE)
              + " (file 000000010000000000000002)\n"
              + "CHECKPOINT LOCATION: "
              + Lsn.ofSegment(2, 0x60, SIZE)
              + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
              + "START TIME: 2026-01-01 00:00:00 UTC\nLABEL: b\nSTART TIMELINE: 1\n"
              + "STOP TIME: 2026-01-01 00:01:00 UTC\nSTOP TIMELINE: 1\n",
          UTF_8);
      archive.push(file);
    }
  }

  @AfterEach
  void deleteArchive() throws Exception {
    PostgresServer.deleteTree(base);
  }

  @Test
  void aSampleAndParallelismReachTheLibraryAndBadValuesAreUsageErrors() throws Exception {
    Cli.Result sampled = Cli.run(env, "verify", "--sample", "2", "--parallel", "2");
    assertThat(sampled.exitCode()).as(sampled.toString()).isZero();
    assertThat(sampled.stdout())
        .contains(
            "ok backup " + backup + " to the end of timeline 1 (0/500000): 3 segments present")
        .contains("integrity: 2 of 2 objects verified")
        .endsWith("verify: ok\n");
    Cli.Result tooMany = Cli.run(env, "verify", "--parallel", "65");
    assertThat(tooMany.exitCode()).as(tooMany.toString()).isEqualTo(2);
    assertThat(tooMany.stderr()).contains("--parallel must be from 1 to 64, not 65");
    try (var files = Files.list(archiveDir.resolve("wal"))) {
      for (Path f : files.toList()) {
        Files.setLastModifiedTime(
            f, FileTime.from(Instant.now().minus(Duration.ofHours(2)).minusSeconds(60)));
      }
    }
    Cli.Result stale = Cli.run(env, "verify", "--no-integrity", "--max-age", "15m");
    assertThat(stale.exitCode()).as(stale.toString()).isEqualTo(1);
    assertThat(stale.stdout())
        .contains("STALE newest segment 000000010000000000000004 is 2h old (limit 15m)\n")
        .doesNotContain("integrity:");
  }

  @Test
  void aDamagedBackupHistoryFileIsAProblemLine() throws Exception {
    Path object = archiveDir.resolve("wal").resolve(backup.name());
    byte[] bytes = Files.readAllBytes(object);
    bytes[bytes.length - 5] ^= 0x01; // one flipped bit in the object's body
    Files.write(object, bytes);
    Cli.Result r = Cli.run(env, "verify", "--no-integrity");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stdout())
        .containsPattern("(?m)^PROBLEM cannot read backup history file " + backup + ": ")
        .contains(
            "PROBLEM no readable base backup in the archive (1 .backup file(s) cannot be read)")
        .endsWith("verify: 2 problem(s)\n");
  }

  /** Pushes a base backup of a tiny synthetic data directory; completes it if asked. */
  private dev.walarchive.core.backup.BackupName pushBaseBackup(long second, boolean complete)
      throws Exception {
    Path data = base.resolve("data");
    SyntheticDataDirectory.create(data, SYSID);
    SyntheticDataDirectory.write(data.resolve("base/5/16384"), new byte[(1 << 20) + 7]);
    Lsn start = Lsn.ofSegment(2, 0x28, SIZE);
    dev.walarchive.core.backup.BackupName name =
        dev.walarchive.core.backup.BackupName.of(
            Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second), start);
    try (WalArchive archive =
            WalArchive.builder(ArchiveStorages.filesystem(archiveDir)).tempDirectory(base).build();
        dev.walarchive.core.backup.BackupUpload upload =
            archive
                .baseBackups()
                .upload(
                    name,
                    data,
                    new dev.walarchive.core.backup.BackupUpload.Options(
                        2,
                        "b",
                        150018,
                        "PG_15_202209061",
                        dev.walarchive.core.backup.BackupUpload.Progress.NONE))) {
      upload.copyFiles();
      if (complete) {
        upload.complete(
            "START WAL LOCATION: "
                + start
                + " (file 000000010000000000000002)\nCHECKPOINT LOCATION: "
                + Lsn.ofSegment(2, 0x60, SIZE)
                + "\nSTART TIMELINE: 1\n",
            "",
            Lsn.ofSegment(2, 0x100, SIZE));
      }
    }
    return name;
  }

  @Test
  void walarchiveBaseBackupsGetOneLineEachAndIncompleteOnesAWarning() throws Exception {
    dev.walarchive.core.backup.BackupName name = pushBaseBackup(0, true);
    Cli.Result ok = Cli.run(env, "verify");
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(ok.stdout())
        .contains(
            "ok backup "
                + backup
                + " (base backup "
                + name
                + ") to the end of timeline 1 (0/500000): 3 segments present\n")
        .containsPattern(
            "(?m)^ok base backup "
                + name
                + ": 3 files in 3 data objects all decoded and verified; WAL"
                + " 000000010000000000000002..000000010000000000000002 present$")
        .endsWith("verify: ok\n");

    // a flipped byte in a data object: one CORRUPT line naming the backup and the object
    String object = "basebackups/" + name + "/data/000001";
    Path file = archiveDir.resolve(object);
    byte[] original = Files.readAllBytes(file);
    byte[] bytes = original.clone();
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(file, bytes);
    Cli.Result corrupt = Cli.run(env, "verify");
    assertThat(corrupt.exitCode()).as(corrupt.toString()).isEqualTo(1);
    assertThat(corrupt.stdout())
        .containsPattern("(?m)^CORRUPT base backup " + name + ": data object " + object + " ")
        .doesNotContain("ok base backup")
        .endsWith("verify: 1 problem(s)\n");
    Files.write(file, original);

    // an interrupted push: a warning, exit 0; retain lists it once it is debris
    dev.walarchive.core.backup.BackupName interrupted = pushBaseBackup(60, false);
    Cli.Result warned = Cli.run(env, "verify", "--no-integrity");
    assertThat(warned.exitCode()).as(warned.toString()).isZero();
    assertThat(warned.stdout())
        .containsPattern("(?m)^WARNING base backup " + interrupted + " is not complete ")
        .contains("ok base backup " + name)
        .endsWith("verify: ok, 1 warning(s)\n");
    try (var files = Files.list(archiveDir.resolve("basebackups/" + interrupted + "/data"))) {
      for (Path f : files.toList()) {
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(Duration.ofHours(7))));
      }
    }
    long debris;
    try (var files = Files.walk(archiveDir.resolve("basebackups/" + interrupted))) {
      debris = files.filter(Files::isRegularFile).count();
    }
    Cli.Result plan = Cli.run(env, "retain", "--policy", "keep=1");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.stdout())
        .contains("delete base backups: 1\n")
        .containsPattern(
            "(?m)^  DELETE base backup "
                + interrupted
                + ": "
                + debris
                + " objects, .* \\(incomplete: debris of an interrupted push\\)$")
        .contains("and 1 base backup(s) (" + debris + " objects)")
        .doesNotContain("DELETE base backup " + name);

    // a deleted data object: MISSING, even without decoding
    Files.delete(file);
    Cli.Result missing = Cli.run(env, "verify", "--no-integrity");
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
    assertThat(missing.stdout())
        .containsPattern(
            "(?m)^MISSING base backup " + name + ": data object " + object + " is missing ");
  }
}
