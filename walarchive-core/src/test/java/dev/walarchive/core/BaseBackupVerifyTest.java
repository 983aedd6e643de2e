package dev.walarchive.core;

import static dev.walarchive.core.testing.SyntheticDataDirectory.random;
import static dev.walarchive.core.testing.SyntheticDataDirectory.write;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.archive.VerifyOptions;
import dev.walarchive.core.archive.VerifyReport;
import dev.walarchive.core.archive.VerifyReport.Finding;
import dev.walarchive.core.archive.VerifyReport.Kind;
import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.SyntheticDataDirectory;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WalArchive#verify(VerifyOptions)} over walarchive base backups (synthetic data directory,
 * no server): objects, per-file checksums, the WAL from start to consistency, incomplete pushes.
 */
class BaseBackupVerifyTest {
  private static final long SYSID = 7714373470879505852L;
  private static final WalSegmentSize SIZE = WalSegmentSize.of(1 << 20);
  private static final Lsn START = Lsn.parse("0/200028");
  private static final Lsn STOP = Lsn.parse("0/400100");
  private static final BackupName NAME =
      BackupName.of(Instant.parse("2026-12-01T18:30:12Z"), START);
  private static final String LABEL =
      "START WAL LOCATION: 0/200028 (file 000000010000000000000002)\n"
          + "CHECKPOINT LOCATION: 0/200060\n"
          + "BACKUP METHOD: streamed\n"
          + "BACKUP FROM: primary\n"
          + "START TIME: 2026-12-01 18:30:12 UTC\n"
          + "LABEL: test\n"
          + "START TIMELINE: 1\n";
  private static final WalFileName HISTORY =
      WalFileName.parse("000000010000000000000002.00000028.backup");

  @TempDir Path tmp;
  private Path root;
  private ArchiveStorage storage;
  private WalArchive archive;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(tmp.resolve("archive"));
    storage = ArchiveStorages.open("file:" + root, Map.of());
    byte[] key = new byte[32];
    key[0] = 3;
    archive =
        WalArchive.builder(storage)
            .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
            .tempDirectory(tmp)
            .build();
    Path wal = Files.createDirectories(tmp.resolve("wal"));
    for (long s = 2; s <= 5; s++) {
      archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
    }
  }

  @org.junit.jupiter.api.AfterEach
  void tearDown() throws IOException {
    archive.close();
  }

  private Path dataDirectory() throws IOException {
    Path d = tmp.resolve("data");
    Random r = new Random(11);
    SyntheticDataDirectory.create(d, SYSID);
    write(d.resolve("base/5/16384"), random(r, 2 << 20)); // an object of its own
    write(d.resolve("base/5/16385"), random(r, 20000));
    write(d.resolve("postgresql.conf"), "# conf\n".getBytes(UTF_8));
    Files.createDirectories(d.resolve("pg_wal"));
    return d;
  }

  private void pushHistory() throws IOException {
    Path history = tmp.resolve("wal/" + HISTORY.name());
    Files.writeString(
        history,
        LABEL.replace(
                "CHECKPOINT",
                "STOP WAL LOCATION: 0/400100 (file 000000010000000000000004)\nCHECKPOINT")
            + "STOP TIME: 2026-12-01 18:30:15 UTC\n"
            + "STOP TIMELINE: 1\n",
        UTF_8);
    archive.push(history);
  }

  /** A complete backup of segments 2 to 4; returns its manifest. */
  private BackupManifest completeBackup() throws IOException {
    pushHistory();
    try (BackupUpload upload = archive.baseBackups().upload(NAME, dataDirectory(), options())) {
      upload.copyFiles();
      upload.complete(LABEL, "", STOP);
    }
    return archive.baseBackups().manifest(NAME);
  }

  private static BackupUpload.Options options() {
    return new BackupUpload.Options(
        2, "test", 150018, "PG_15_202209061", BackupUpload.Progress.NONE);
  }

  private static List<String> objects(BackupManifest m) {
    return m.files().stream().map(BackupFile::object).distinct().sorted().toList();
  }

  private static List<Finding> backupFindings(VerifyReport report) {
    return report.findings().stream()
        .filter(f -> f.kind() != Kind.DIVERGENCE && f.kind() != Kind.STALE)
        .toList();
  }

  @Test
  void aHealthyBackupVerifiesWithEveryDataObjectDecoded() throws Exception {
    BackupManifest m = completeBackup();
    int dataObjects = objects(m).size();
    assertThat(dataObjects).isGreaterThan(1);
    VerifyReport report = archive.verify();
    assertThat(report.findings()).isEmpty();
    assertThat(report.isOk()).isTrue();
    assertThat(report.baseBackups())
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.name()).isEqualTo(NAME);
              assertThat(b.ok()).isTrue();
              assertThat(b.files()).isEqualTo(m.files().size());
              assertThat(b.dataObjects()).isEqualTo(dataObjects);
              assertThat(b.decoded()).isEqualTo(dataObjects);
              assertThat(b.startSegment().get().name()).isEqualTo("000000010000000000000002");
              assertThat(b.stopSegment().get().name()).isEqualTo("000000010000000000000004");
            });
    // 4 segments and the .backup file, and the backup's data objects
    assertThat(report.integrity().get().checked()).isEqualTo(5 + dataObjects);
    assertThat(report.integrity().get().verified()).isEqualTo(5 + dataObjects);
    // a sample is drawn from WAL and backup objects together
    VerifyReport sampled = archive.verify(VerifyOptions.builder().sample(2).build());
    assertThat(sampled.integrity().get().checked()).isEqualTo(2);
    assertThat(sampled.isOk()).isTrue();
  }

  @Test
  void aFlippedByteInADataObjectIsOneProblemNamingTheBackupAndTheObject() throws Exception {
    BackupManifest m = completeBackup();
    String object =
        m.files().stream().filter(f -> f.path().equals("base/5/16385")).findFirst().get().object();
    Path file = root.resolve(object);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, bytes);

    VerifyReport report = archive.verify();
    assertThat(report.isOk()).isFalse();
    assertThat(report.problems())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Kind.BACKUP_CORRUPT);
              assertThat(f.message()).contains(NAME.toString()).contains(object);
              assertThat(f.backup()).contains(HISTORY);
            });
    assertThat(report.baseBackups()).singleElement().matches(b -> !b.ok());
    assertThat(report.integrity().get().checked() - report.integrity().get().verified())
        .isEqualTo(1);
    // without decoding, the object is there: no problem
    assertThat(archive.verify(VerifyOptions.builder().noIntegrity().build()).isOk()).isTrue();
  }

  @Test
  void aDeletedDataObjectIsAProblemEvenWithoutIntegrity() throws Exception {
    BackupManifest m = completeBackup();
    String object = objects(m).get(0);
    storage.delete(List.of(object));
    for (VerifyOptions options :
        List.of(VerifyOptions.defaults(), VerifyOptions.builder().noIntegrity().build())) {
      VerifyReport report = archive.verify(options);
      assertThat(report.problems())
          .as("%s", options)
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.kind()).isEqualTo(Kind.BACKUP_MISSING_OBJECT);
                assertThat(f.message()).contains(NAME.toString()).contains(object);
              });
      assertThat(report.baseBackups()).singleElement().matches(b -> !b.ok());
    }
  }

  @Test
  void aMissingManifestIsAProblem() throws Exception {
    completeBackup();
    storage.delete(List.of(ArchiveBaseBackups.prefixOf(NAME) + ArchiveBaseBackups.MANIFEST));
    VerifyReport report = archive.verify(VerifyOptions.builder().noIntegrity().build());
    assertThat(report.problems())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Kind.BACKUP_MISSING_OBJECT);
              assertThat(f.message()).contains(NAME.toString()).contains("manifest");
            });
  }

  @Test
  void aMissingSegmentBetweenStartAndStopIsAGapNamingTheBackup() throws Exception {
    completeBackup();
    storage.delete(List.of(WalArchive.keyOf(WalFileName.parse("000000010000000000000003"))));
    VerifyReport report = archive.verify();
    assertThat(report.problems())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Kind.GAP);
              assertThat(f.message())
                  .contains("base backup " + NAME)
                  .contains("missing 000000010000000000000003")
                  .contains("cannot become consistent");
              assertThat(f.file()).contains(WalFileName.parse("000000010000000000000003"));
            });
    assertThat(report.baseBackups()).singleElement().matches(b -> !b.ok());
  }

  @Test
  void withoutItsBackupHistoryFileTheBackupsWalIsStillCheckedOnce() throws Exception {
    completeBackup();
    storage.delete(List.of(WalArchive.keyOf(HISTORY)));
    storage.delete(List.of(WalArchive.keyOf(WalFileName.parse("000000010000000000000004"))));
    VerifyReport report = archive.verify();
    assertThat(report.problems())
        .extracting(Finding::kind)
        .containsExactly(Kind.NO_BACKUP, Kind.CONTINUITY, Kind.GAP);
    assertThat(report.problems().get(1).message())
        .contains("base backup " + NAME)
        .contains(HISTORY.name());
    assertThat(report.problems().get(2).message())
        .contains("base backup " + NAME)
        .contains("missing 000000010000000000000004")
        .contains("cannot become consistent");
  }

  @Test
  void anIncompleteBackupIsAWarningOnly() throws Exception {
    completeBackup();
    BackupName interrupted =
        BackupName.of(Instant.parse("2026-12-01T19:00:00Z"), Lsn.parse("0/500028"));
    try (BackupUpload upload =
        archive.baseBackups().upload(interrupted, tmp.resolve("data"), options())) {
      upload.copyFiles(); // never completed
    }
    // pg_backup_stop returned and archived its .backup file, but the WAL to its stop never was:
    // no backup to check continuity for (it would be a gap)
    Path history = tmp.resolve("wal/000000010000000000000005.00000028.backup");
    Files.writeString(
        history,
        "START WAL LOCATION: 0/500028 (file 000000010000000000000005)\n"
            + "STOP WAL LOCATION: 0/600100 (file 000000010000000000000006)\n"
            + "CHECKPOINT LOCATION: 0/500060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
            + "START TIME: 2026-12-01 19:00:00 UTC\nLABEL: test\nSTART TIMELINE: 1\n"
            + "STOP TIME: 2026-12-01 19:00:05 UTC\nSTOP TIMELINE: 1\n",
        UTF_8);
    archive.push(history);
    VerifyReport report = archive.verify();
    assertThat(report.isOk()).isTrue();
    assertThat(backupFindings(report))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Kind.BACKUP_INCOMPLETE);
              assertThat(f.isProblem()).isFalse();
              assertThat(f.message()).contains(interrupted.toString()).contains("not complete");
            });
    assertThat(report.baseBackups())
        .extracting(VerifyReport.BaseBackup::name, VerifyReport.BaseBackup::ok)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(NAME, true),
            org.assertj.core.groups.Tuple.tuple(interrupted, false));
  }
}
