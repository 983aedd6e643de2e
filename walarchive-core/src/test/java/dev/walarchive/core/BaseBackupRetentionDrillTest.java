package dev.walarchive.core;

import static dev.walarchive.core.testing.SyntheticDataDirectory.write;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.VerifyReport;
import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.testing.SyntheticDataDirectory;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retention drill on synthetic backups (no server): keep=2 over four walarchive base
 * backups deletes the two oldest backups' objects and the WAL only they needed, and both kept
 * backups still read back completely, with their WAL present.
 */
class BaseBackupRetentionDrillTest {
  private static final long SYSID = 7714373470879505852L;
  private static final WalSegmentSize SIZE = WalSegmentSize.of(1 << 20);
  private static final long[] STARTS = {2, 4, 6, 8};

  @TempDir Path tmp;

  private static String history(long segment) {
    return String.format(
        "START WAL LOCATION: 0/%X00028 (file 0000000100000000000000%02X)%n"
            + "STOP WAL LOCATION: 0/%X00100 (file 0000000100000000000000%02X)%n"
            + "CHECKPOINT LOCATION: 0/%X00060%n"
            + "BACKUP METHOD: streamed%nBACKUP FROM: primary%n"
            + "START TIME: 2026-12-01 18:%02d:00 UTC%nLABEL: test%nSTART TIMELINE: 1%n"
            + "STOP TIME: 2026-12-01 18:%02d:30 UTC%nSTOP TIMELINE: 1%n",
        segment, segment, segment + 1, segment + 1, segment, segment, segment);
  }

  private static String label(long segment) {
    return String.format(
        "START WAL LOCATION: 0/%X00028 (file 0000000100000000000000%02X)%n"
            + "CHECKPOINT LOCATION: 0/%X00060%nSTART TIMELINE: 1%n",
        segment, segment, segment);
  }

  private static WalFileName segment(long n) {
    return WalFileName.segment(1, n, SIZE);
  }

  private static List<String> keys(ArchiveStorage storage, String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list(prefix);
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  @Test
  void keepTwoOverFourBackupsDeletesTheOldestTwoAndTheWalOnlyTheyNeeded() throws Exception {
    ArchiveStorage storage = ArchiveStorages.memory();
    byte[] key = new byte[32];
    key[0] = 9;
    try (WalArchive archive =
        WalArchive.builder(storage)
            .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
            .tempDirectory(tmp)
            .build()) {
      Path wal = Files.createDirectories(tmp.resolve("wal"));
      for (long s = 2; s <= 9; s++) {
        archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
      }
      Path data = tmp.resolve("data");
      Random r = new Random(5);
      SyntheticDataDirectory.create(data, SYSID);
      Files.createDirectories(data.resolve("pg_wal"));
      List<BackupName> names = new ArrayList<>();
      // what each backup's files held when it was taken
      List<Map<String, byte[]>> contents = new ArrayList<>();
      for (long s : STARTS) {
        byte[] big = new byte[(1 << 20) + 100]; // an object of its own
        r.nextBytes(big);
        write(data.resolve("base/5/16384"), big);
        write(data.resolve("base/5/16385"), ("backup at segment " + s).getBytes(UTF_8));
        Map<String, byte[]> files = new HashMap<>();
        try (var paths = Files.walk(data)) {
          for (Path p : paths.filter(Files::isRegularFile).toList()) {
            files.put(data.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
          }
        }
        contents.add(files);
        Path h = tmp.resolve(String.format("wal/0000000100000000000000%02X.00000028.backup", s));
        Files.writeString(h, history(s), UTF_8);
        archive.push(h);
        BackupName name =
            BackupName.of(
                Instant.parse("2026-12-01T18:00:00Z").plusSeconds(60 * s),
                Lsn.parse(String.format("0/%X00028", s)));
        names.add(name);
        try (BackupUpload upload =
            archive
                .baseBackups()
                .upload(
                    name,
                    data,
                    new BackupUpload.Options(
                        2, "test", 150018, "PG_15_202209061", BackupUpload.Progress.NONE))) {
          upload.copyFiles();
          upload.complete(label(s), "", Lsn.parse(String.format("0/%X00100", s + 1)));
        }
      }
      assertThat(archive.baseBackups().list()).hasSize(4).allMatch(BaseBackupInfo::complete);
      assertThat(archive.verify().isOk()).isTrue();

      RetentionPlan plan = archive.planRetention(RetentionPolicy.parse("keep=2"));
      assertThat(plan.expiredBackups())
          .extracting(b -> b.name().name())
          .containsExactlyInAnyOrder(
              "000000010000000000000002.00000028.backup",
              "000000010000000000000004.00000028.backup");
      archive.applyRetention(plan, RetentionListener.NONE);

      // the two oldest backups: every object gone
      for (BackupName gone : names.subList(0, 2)) {
        assertThat(keys(storage, ArchiveBaseBackups.prefixOf(gone))).as("%s", gone).isEmpty();
      }
      assertThat(archive.baseBackups().list())
          .extracting(BaseBackupInfo::name)
          .containsExactly(names.get(2), names.get(3));
      // the WAL only they needed, and their .backup files, gone; the rest kept
      ArchiveInventory inventory = archive.inventory();
      for (long s = 2; s <= 5; s++) {
        assertThat(inventory.contains(segment(s))).as("segment %d", s).isFalse();
      }
      for (long s = 6; s <= 9; s++) {
        assertThat(inventory.contains(segment(s))).as("segment %d", s).isTrue();
      }
      assertThat(inventory.backupHistoryFiles())
          .extracting(WalFileName::name)
          .containsExactly(
              "000000010000000000000006.00000028.backup",
              "000000010000000000000008.00000028.backup");

      // both kept backups read back completely, every file against the manifest's SHA-256
      for (int i = 2; i < 4; i++) {
        BackupName name = names.get(i);
        BackupManifest m = archive.baseBackups().manifest(name);
        Map<String, byte[]> expected = contents.get(i);
        assertThat(m.files()).extracting(BackupFile::path).hasSize(expected.size());
        Map<String, List<BackupFile>> byObject =
            m.files().stream().collect(Collectors.groupingBy(BackupFile::object));
        Map<String, byte[]> read = new HashMap<>();
        for (var e : byObject.entrySet()) {
          archive
              .baseBackups()
              .readObject(
                  name, e.getKey(), e.getValue(), (f, in) -> read.put(f.path(), in.readAllBytes()));
        }
        assertThat(read.keySet()).isEqualTo(expected.keySet());
        for (String path : expected.keySet()) {
          assertThat(read.get(path)).as("%s %s", name, path).isEqualTo(expected.get(path));
        }
        BaseBackupInfo.Completed c =
            archive.baseBackups().list().get(i - 2).completed().orElseThrow();
        assertThat(inventory.contains(c.startSegment())).isTrue();
        assertThat(inventory.contains(c.stopSegment())).isTrue();
      }
      // and verify agrees: both kept backups ok, nothing missing
      VerifyReport report = archive.verify();
      assertThat(report.findings()).isEmpty();
      assertThat(report.baseBackups())
          .extracting(VerifyReport.BaseBackup::name)
          .containsExactly(names.get(2), names.get(3));
      assertThat(report.baseBackups()).allMatch(VerifyReport.BaseBackup::ok);
      // a second run deletes nothing
      assertThat(
              archive.applyRetention(
                  archive.planRetention(RetentionPolicy.parse("keep=2")), RetentionListener.NONE))
          .isZero();
    }
  }
}
