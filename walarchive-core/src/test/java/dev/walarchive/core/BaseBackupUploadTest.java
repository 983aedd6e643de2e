package dev.walarchive.core;

import static dev.walarchive.core.testing.SyntheticDataDirectory.random;
import static dev.walarchive.core.testing.SyntheticDataDirectory.write;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupNotFoundException;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.testing.ForwardingStorage;
import dev.walarchive.core.testing.SyntheticDataDirectory;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base backups written and read through the library on a synthetic data directory (no server): the
 * exclusion rules, the completion rule, and storage failures midway.
 */
class BaseBackupUploadTest {
  private static final long SYSID = 7714373470879505852L;
  private static final WalSegmentSize SIZE = WalSegmentSize.of(1 << 20);
  private static final Lsn START = Lsn.parse("0/200028");
  private static final Lsn STOP = Lsn.parse("0/300100");
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

  @TempDir Path tmp;

  /** Fails every create of a data object after the first {@code allowed}. */
  static final class FailingStorage extends ForwardingStorage {
    final AtomicInteger dataCreates = new AtomicInteger();
    volatile int allowed = Integer.MAX_VALUE;

    /** Deleted (as by a concurrent retention run) just before the completion marker is created. */
    volatile String deleteBeforeMarker;

    FailingStorage() {
      super(ArchiveStorages.memory());
    }

    @Override
    public void create(String key, ObjectSource content, Map<String, String> metadata)
        throws IOException {
      if (key.contains("/data/") && dataCreates.incrementAndGet() > allowed) {
        throw new IOException("injected storage failure writing " + key);
      }
      if (key.endsWith("/complete") && deleteBeforeMarker != null) {
        delegate.delete(List.of(deleteBeforeMarker));
      }
      delegate.create(key, content, metadata);
    }
  }

  private Path dataDirectory() throws IOException {
    Path d = tmp.resolve("data");
    Random r = new Random(7);
    SyntheticDataDirectory.create(d, SYSID);
    write(d.resolve("global/1262"), random(r, 8192));
    write(d.resolve("base/5/16384"), random(r, 3 << 20)); // large: an object of its own
    write(d.resolve("base/5/16384_fsm"), random(r, 24576));
    write(d.resolve("base/5/16390"), random(r, 8192)); // unlogged: only its init fork
    write(d.resolve("base/5/16390_init"), new byte[0]);
    write(d.resolve("base/5/t3_16400"), random(r, 8192)); // temporary relation
    write(d.resolve("base/5/pg_internal.init"), random(r, 100));
    write(d.resolve("base/pgsql_tmp/pgsql_tmp123.0"), random(r, 100));
    write(d.resolve("postmaster.pid"), "1\n".getBytes(UTF_8));
    write(d.resolve("backup_label"), "old\n".getBytes(UTF_8));
    write(d.resolve("pg_wal/000000010000000000000002"), random(r, 1000));
    write(d.resolve("pg_replslot/slot/state"), random(r, 100));
    write(d.resolve("pg_stat_tmp/global.stat"), random(r, 100));
    write(d.resolve("postgresql.conf"), "# conf\n".getBytes(UTF_8));
    Path ts = tmp.resolve("ts");
    write(ts.resolve("PG_15_202209061/5/16500"), random(r, 50000));
    write(ts.resolve("PG_14_202107181/5/99"), random(r, 100)); // another version: not copied
    Files.createDirectories(d.resolve("pg_tblspc"));
    Files.createSymbolicLink(d.resolve("pg_tblspc/16499"), ts);
    return d;
  }

  private WalArchive archive(ArchiveStorage storage) throws IOException {
    byte[] key = new byte[32];
    key[0] = 1;
    WalArchive archive =
        WalArchive.builder(storage)
            .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
            .tempDirectory(tmp)
            .build();
    Path wal = Files.createDirectories(tmp.resolve("wal"));
    for (long s = 2; s <= 3; s++) {
      archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
    }
    return archive;
  }

  private void pushHistory(WalArchive archive) throws IOException {
    Path history = tmp.resolve("wal/000000010000000000000002.00000028.backup");
    Files.writeString(
        history,
        "START WAL LOCATION: 0/200028 (file 000000010000000000000002)\n"
            + "STOP WAL LOCATION: 0/300100 (file 000000010000000000000003)\n"
            + "CHECKPOINT LOCATION: 0/200060\n"
            + "BACKUP METHOD: streamed\n"
            + "BACKUP FROM: primary\n"
            + "START TIME: 2026-12-01 18:30:12 UTC\n"
            + "LABEL: test\n"
            + "START TIMELINE: 1\n"
            + "STOP TIME: 2026-12-01 18:30:15 UTC\n"
            + "STOP TIMELINE: 1\n",
        UTF_8);
    archive.push(history);
  }

  private static BackupUpload.Options options() {
    return new BackupUpload.Options(
        3, "test", 150018, "PG_15_202209061", BackupUpload.Progress.NONE);
  }

  @Test
  void aCompleteBackupHoldsExactlyWhatPostgresWouldCopyAndReadsBackVerified() throws Exception {
    Path data = dataDirectory();
    try (WalArchive archive = archive(ArchiveStorages.memory())) {
      pushHistory(archive);
      BaseBackupInfo info;
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        upload.copyFiles();
        assertThat(archive.baseBackups().list()).singleElement().matches(b -> !b.complete());
        info = upload.complete(LABEL, "", STOP);
      }
      assertThat(info.complete()).isTrue();
      assertThat(archive.baseBackups().list()).containsExactly(info);
      BaseBackupInfo.Completed c = info.completed().get();
      assertThat(c.stopTime()).isEqualTo(Instant.parse("2026-12-01T18:30:15Z"));
      assertThat(c.stopSegment().name()).isEqualTo("000000010000000000000003");
      BackupManifest m = archive.baseBackups().manifest(NAME);
      assertThat(m.files())
          .extracting(BackupFile::path)
          .containsExactly(
              "PG_VERSION",
              "base/5/16384",
              "base/5/16384_fsm",
              "base/5/16390_init",
              "global/1262",
              "global/pg_control",
              "pg_tblspc/16499/PG_15_202209061/5/16500",
              "postgresql.conf");
      assertThat(m.directories())
          .extracting(d -> d.path())
          .contains(
              "base", "base/5", "pg_wal", "pg_wal/archive_status", "pg_replslot", "pg_stat_tmp")
          .doesNotContain("base/pgsql_tmp", "pg_replslot/slot");
      assertThat(m.tablespaces()).containsEntry(16499L, tmp.resolve("ts").toString());
      // pg_control is copied last: the last data object holds it alone
      BackupFile control =
          m.files().stream().filter(f -> f.path().equals("global/pg_control")).findFirst().get();
      assertThat(m.files().stream().map(BackupFile::object).max(String::compareTo).get())
          .isEqualTo(control.object());
      for (BackupFile f : m.files()) {
        try (InputStream in = archive.baseBackups().openFile(NAME, f)) {
          assertThat(in.readAllBytes())
              .as(f.path())
              .isEqualTo(Files.readAllBytes(data.resolve(f.path())));
        }
      }
      Map<String, List<BackupFile>> byObject =
          m.files().stream().collect(Collectors.groupingBy(BackupFile::object));
      AtomicInteger seen = new AtomicInteger();
      for (var e : byObject.entrySet()) {
        archive
            .baseBackups()
            .readObject(
                NAME,
                e.getKey(),
                e.getValue(),
                (f, in) -> {
                  assertThat(in.readAllBytes())
                      .isEqualTo(Files.readAllBytes(data.resolve(f.path())));
                  seen.incrementAndGet();
                });
      }
      assertThat(seen.get()).isEqualTo(m.files().size());
    }
  }

  @Test
  void anObjectDeletedWhileTheBackupCompletesLeavesItIncomplete() throws Exception {
    Path data = dataDirectory();
    FailingStorage storage = new FailingStorage();
    try (WalArchive archive = archive(storage)) {
      pushHistory(archive);
      storage.deleteBeforeMarker = ArchiveBaseBackups.dataKey(NAME, 1);
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        upload.copyFiles();
        assertThatThrownBy(() -> upload.complete(LABEL, "", STOP))
            .isInstanceOf(IOException.class)
            .hasMessageContaining(ArchiveBaseBackups.dataKey(NAME, 1))
            .hasMessageContaining("stays incomplete");
      }
      assertThat(archive.baseBackups().list())
          .singleElement()
          .matches(b -> !b.complete() && b.name().equals(NAME));
    }
  }

  @Test
  void aStorageFailureMidwayLeavesAnIncompleteBackupThatCannotBeRead() throws Exception {
    Path data = dataDirectory();
    FailingStorage storage = new FailingStorage();
    try (WalArchive archive = archive(storage)) {
      pushHistory(archive);
      storage.allowed = 1;
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        assertThatThrownBy(upload::copyFiles).hasMessageContaining("injected storage failure");
        assertThatThrownBy(() -> upload.complete(LABEL, "", STOP))
            .isInstanceOf(IllegalStateException.class);
      }
      List<BaseBackupInfo> list = archive.baseBackups().list();
      assertThat(list).singleElement().matches(b -> !b.complete() && b.name().equals(NAME));
      assertThatThrownBy(() -> archive.baseBackups().manifest(NAME))
          .isInstanceOf(BackupNotFoundException.class)
          .hasMessageContaining("not complete");
      // the name is taken: a retry is a new backup (a new pg_backup_start, a new name)
      assertThatThrownBy(() -> archive.baseBackups().upload(NAME, data, options()))
          .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    }
  }

  @Test
  void withoutTheWalInTheArchiveTheBackupStaysIncomplete() throws Exception {
    Path data = dataDirectory();
    try (WalArchive archive = archive(ArchiveStorages.memory())) {
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        upload.copyFiles();
        assertThatThrownBy(() -> upload.complete(LABEL, "", STOP))
            .hasMessageContaining("did not archive the backup history file")
            .hasMessageContaining("stays incomplete");
      }
      assertThat(archive.baseBackups().list()).singleElement().matches(b -> !b.complete());
    }
  }

  @Test
  void aDataObjectMovedToAnotherKeyIsRefused() throws Exception {
    Path data = dataDirectory();
    ArchiveStorage storage = ArchiveStorages.memory();
    try (WalArchive archive = archive(storage)) {
      pushHistory(archive);
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        upload.copyFiles();
        upload.complete(LABEL, "", STOP);
      }
      BackupManifest m = archive.baseBackups().manifest(NAME);
      List<String> objects =
          m.files().stream().map(BackupFile::object).distinct().sorted().toList();
      // swap the content of two data objects
      byte[] first;
      try (InputStream in = storage.open(objects.get(0))) {
        first = in.readAllBytes();
      }
      Map<String, String> meta = storage.stat(objects.get(0)).metadata();
      storage.delete(List.of(objects.get(1)));
      storage.create(objects.get(1), ObjectSource.ofBytes(first), meta);
      BackupFile victim =
          m.files().stream().filter(f -> f.object().equals(objects.get(1))).findFirst().get();
      assertThatThrownBy(
              () -> {
                try (InputStream in = archive.baseBackups().openFile(NAME, victim)) {
                  in.readAllBytes();
                }
              })
          .isInstanceOf(IOException.class)
          .hasMessageContaining(objects.get(1));
    }
  }

  private static String label(long segment) {
    return String.format(
        "START WAL LOCATION: 0/%X00028 (file 0000000100000000000000%02X)%n"
            + "CHECKPOINT LOCATION: 0/%X00060%nSTART TIMELINE: 1%n",
        segment, segment, segment);
  }

  private void pushHistory(WalArchive archive, long segment) throws IOException {
    Path history =
        tmp.resolve(String.format("wal/0000000100000000000000%02X.00000028.backup", segment));
    Files.writeString(
        history,
        String.format(
            "START WAL LOCATION: 0/%X00028 (file 0000000100000000000000%02X)%n"
                + "STOP WAL LOCATION: 0/%X00100 (file 0000000100000000000000%02X)%n"
                + "CHECKPOINT LOCATION: 0/%X00060%n"
                + "BACKUP METHOD: streamed%nBACKUP FROM: primary%n"
                + "START TIME: 2026-12-01 18:%02d:00 UTC%nLABEL: test%nSTART TIMELINE: 1%n"
                + "STOP TIME: 2026-12-01 18:%02d:30 UTC%nSTOP TIMELINE: 1%n",
            segment, segment, segment + 1, segment + 1, segment, segment, segment),
        UTF_8);
    archive.push(history);
  }

  @Test
  void retentionDeletesExpiredBackupsMarkerFirstAndTheDebrisOfInterruptedPushes() throws Exception {
    Path data = dataDirectory();
    java.util.concurrent.atomic.AtomicReference<Instant> now =
        new java.util.concurrent.atomic.AtomicReference<>(Instant.now());
    java.time.Clock clock =
        new java.time.Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
          }

          @Override
          public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    CountingStorage storage = new CountingStorage(ArchiveStorages.memory());
    byte[] key = new byte[32];
    try (WalArchive archive =
        WalArchive.builder(storage)
            .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
            .clock(clock)
            .build()) {
      Path wal = Files.createDirectories(tmp.resolve("wal"));
      for (long s = 2; s <= 7; s++) {
        archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
      }
      List<BackupName> names = new java.util.ArrayList<>();
      for (long segment : new long[] {2, 4, 6}) {
        pushHistory(archive, segment);
        BackupName name =
            BackupName.of(
                Instant.parse("2026-12-01T18:00:00Z").plusSeconds(60 * segment),
                Lsn.parse(String.format("0/%X00028", segment)));
        names.add(name);
        try (BackupUpload upload = archive.baseBackups().upload(name, data, options())) {
          upload.copyFiles();
          if (segment != 6) { // the third push is interrupted after pg_backup_stop
            upload.complete(label(segment), "", Lsn.parse(String.format("0/%X00100", segment + 1)));
          }
        }
      }
      // keep=1 keeps the newest complete backup: the interrupted one does not count
      dev.walarchive.core.retention.RetentionPlan plan =
          archive.planRetention(dev.walarchive.core.retention.RetentionPolicy.parse("keep=1"));
      assertThat(plan.retainedBackups())
          .extracting(b -> b.name().name())
          .containsExactly("000000010000000000000004.00000028.backup");
      assertThat(plan.expiredBackups())
          .extracting(b -> b.name().name())
          .containsExactly("000000010000000000000002.00000028.backup");
      // the interrupted push is not stale yet: left alone
      archive.applyRetention(plan, dev.walarchive.core.retention.RetentionListener.NONE);
      assertThat(archive.baseBackups().list())
          .extracting(b -> b.name() + " " + b.complete())
          .containsExactly(names.get(1) + " true", names.get(2) + " false");
      assertThat(storage.list(ArchiveBaseBackups.prefixOf(names.get(0))).hasNext()).isFalse();
      assertThat(
              archive
                  .inventory()
                  .contains(dev.walarchive.core.wal.WalFileName.parse("000000010000000000000002")))
          .isFalse();
      // hours later it is debris: its objects and its .backup file go
      now.set(now.get().plus(java.time.Duration.ofHours(7)));
      plan = archive.planRetention(dev.walarchive.core.retention.RetentionPolicy.parse("keep=1"));
      archive.applyRetention(plan, dev.walarchive.core.retention.RetentionListener.NONE);
      assertThat(archive.baseBackups().list())
          .extracting(b -> b.name() + " " + b.complete())
          .containsExactly(names.get(1) + " true");
      assertThat(archive.inventory().backupHistoryFiles())
          .extracting(dev.walarchive.core.wal.WalFileName::name)
          .containsExactly("000000010000000000000004.00000028.backup");
      // the kept backup still reads back in full
      BackupManifest m = archive.baseBackups().manifest(names.get(1));
      for (BackupFile f : m.files()) {
        try (InputStream in = archive.baseBackups().openFile(names.get(1), f)) {
          in.transferTo(java.io.OutputStream.nullOutputStream());
        }
      }
      // deleting a backup removes its completion marker first
      storage.reset();
      archive.baseBackups().delete(names.get(1));
      assertThat(archive.baseBackups().list()).isEmpty();
    }
  }

  @Test
  void aFlippedByteAnywhereInAFilesOwnObjectFailsOpenFile() throws Exception {
    Path data = dataDirectory();
    Path root = Files.createDirectories(tmp.resolve("archive"));
    try (WalArchive archive = archive(ArchiveStorages.open("file:" + root, Map.of()))) {
      pushHistory(archive);
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        upload.copyFiles();
        upload.complete(LABEL, "", STOP);
      }
      BackupManifest m = archive.baseBackups().manifest(NAME);
      for (String path : List.of("base/5/16384", "global/pg_control")) {
        BackupFile f = m.files().stream().filter(x -> x.path().equals(path)).findFirst().get();
        Path object = root.resolve(f.object());
        byte[] original = Files.readAllBytes(object);
        for (int at :
            new int[] {original.length / 2, original.length - 1, original.length - 40, 30}) {
          byte[] tampered = original.clone();
          tampered[at] ^= 0x01;
          Files.write(object, tampered);
          assertThatThrownBy(
                  () -> {
                    try (InputStream in = archive.baseBackups().openFile(NAME, f)) {
                      in.readAllBytes();
                    }
                  })
              .as("%s byte %d of %d", path, at, original.length)
              .isInstanceOf(IOException.class);
        }
        Files.write(object, original);
      }
    }
  }

  @Test
  void copyVerifiesBackupObjectsInTransitAndRefusesATamperedOne() throws Exception {
    Path data = dataDirectory();
    ArchiveStorage storage = ArchiveStorages.memory();
    try (WalArchive archive = archive(storage)) {
      pushHistory(archive);
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        upload.copyFiles();
        upload.complete(LABEL, "", STOP);
      }
      BackupManifest m = archive.baseBackups().manifest(NAME);
      String object =
          m.files().stream()
              .filter(f -> f.path().equals("base/5/16384"))
              .findFirst()
              .get()
              .object();
      // one flipped byte, the storage metadata kept: only the content can tell
      ObjectStat stat = storage.stat(object);
      byte[] bytes;
      try (InputStream in = storage.open(object)) {
        bytes = in.readAllBytes();
      }
      bytes[bytes.length / 2] ^= 1;
      storage.delete(List.of(object));
      storage.create(object, ObjectSource.ofBytes(bytes), stat.metadata());

      ArchiveStorage target = ArchiveStorages.memory();
      byte[] key = new byte[32];
      key[0] = 1;
      WalArchive copy =
          WalArchive.builder(target)
              .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
              .tempDirectory(tmp)
              .build();
      ArchiveCopy.Result result =
          ArchiveCopy.copy(
              archive, copy, ArchiveCopy.plan(archive, copy), 2, ArchiveCopy.Listener.NONE);
      assertThat(result.refused()).extracting(ArchiveCopy.Refusal::key).containsExactly(object);
      assertThatThrownBy(() -> target.stat(object))
          .isInstanceOf(java.nio.file.NoSuchFileException.class);
      // the backup's other objects (its manifest and marker included) arrived verified
      String backupPrefix = "basebackups/" + NAME + "/";
      List<String> copied = new java.util.ArrayList<>();
      ObjectIterator it = target.list(backupPrefix);
      while (it.hasNext()) {
        copied.add(it.next().key());
      }
      assertThat(copied).isNotEmpty().doesNotContain(object);
    }
  }

  /** Restores {@link #NAME} into {@code dir} and returns the error, if any. */
  private static Throwable restore(WalArchive archive, Path dir) {
    try {
      dev.walarchive.core.restore.DataDirectoryRestore.builder(archive.baseBackups(), NAME, dir)
          .tablespace(16499, dir.resolveSibling(dir.getFileName() + "-ts"))
          .parallelism(2)
          .run();
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  @Test
  void aFileLargerThanAnExtentIsStoredInExtentsAndRestoresByteIdenticalOrNotAtAll()
      throws Exception {
    Path data = dataDirectory();
    Random r = new Random(11);
    long big = 2 * ArchiveBackupUpload.EXTENT_SIZE + 5_000_123;
    byte[] content = random(r, (int) big);
    write(data.resolve("base/5/16600"), content);
    Path root = Files.createDirectories(tmp.resolve("archive"));
    try (WalArchive archive = archive(ArchiveStorages.open("file:" + root, Map.of()))) {
      pushHistory(archive);
      try (BackupUpload upload = archive.baseBackups().upload(NAME, data, options())) {
        upload.copyFiles();
        upload.complete(LABEL, "", STOP);
      }
      BackupManifest m = archive.baseBackups().manifest(NAME);
      BackupFile f =
          m.files().stream().filter(x -> x.path().equals("base/5/16600")).findFirst().get();
      assertThat(f.size()).isEqualTo(big);
      assertThat(f.extents()).hasSize(3);
      assertThat(f.extents())
          .extracting(BackupFile.Extent::length)
          .containsExactly(
              ArchiveBackupUpload.EXTENT_SIZE, ArchiveBackupUpload.EXTENT_SIZE, 5_000_123L);
      assertThat(f.extents()).extracting(BackupFile.Extent::object).doesNotHaveDuplicates();
      try (InputStream in = archive.baseBackups().openFile(NAME, f)) {
        assertThat(in.readAllBytes()).isEqualTo(content);
      }
      Path dir = tmp.resolve("restored");
      assertThat(restore(archive, dir)).isNull();
      assertThat(Files.readAllBytes(dir.resolve("base/5/16600"))).isEqualTo(content);
      assertThat(Files.getPosixFilePermissions(dir.resolve("base/5/16600")))
          .isEqualTo(Files.getPosixFilePermissions(data.resolve("base/5/16600")));
      for (BackupFile other : m.files()) {
        if (!other.path().equals("global/pg_control")) {
          assertThat(Files.readAllBytes(dir.resolve(other.path())))
              .as(other.path())
              .isEqualTo(Files.readAllBytes(data.resolve(other.path())));
        }
      }
      assertThat(dir.resolve("global/pg_control")).exists();

      Path second = root.resolve(f.extents().get(1).object());
      Path third = root.resolve(f.extents().get(2).object());
      byte[] original = Files.readAllBytes(second);
      // a flipped byte in the middle extent
      byte[] tampered = original.clone();
      tampered[tampered.length / 2] ^= 1;
      Files.write(second, tampered);
      assertFailsLeavingNothing(archive, tmp.resolve("tampered"), f.extents().get(1).object());
      // the middle extent missing
      Files.delete(second);
      assertFailsLeavingNothing(archive, tmp.resolve("missing"), f.extents().get(1).object());
      // two extents swapped (each object is bound to its own name)
      byte[] last = Files.readAllBytes(third);
      Files.write(second, last);
      Files.write(third, original);
      assertFailsLeavingNothing(archive, tmp.resolve("swapped"), "");
      // the last extent cut short
      Files.write(second, original);
      Files.write(third, java.util.Arrays.copyOf(last, last.length - 100));
      assertFailsLeavingNothing(archive, tmp.resolve("truncated"), "");
      Files.write(third, last);
      assertThat(restore(archive, tmp.resolve("again"))).isNull();
      assertThat(Files.readAllBytes(tmp.resolve("again/base/5/16600"))).isEqualTo(content);
    }
  }

  private static void assertFailsLeavingNothing(WalArchive archive, Path dir, String naming) {
    Throwable e = restore(archive, dir);
    assertThat(e).isInstanceOf(IOException.class);
    assertThat(e.getMessage()).contains(naming);
    assertThat(dir).doesNotExist();
    assertThat(dir.resolveSibling(dir.getFileName() + "-ts")).doesNotExist();
  }

  /**
   * Backups from segments 2, 4 and 6 with the given stop snapshots ("" for none), and the backup
   * {@code restore --target-xid} chooses for each xid (or the error's text).
   */
  private List<String> chosenForXids(List<String> snapshots, long... xids) throws Exception {
    Path data = dataDirectory();
    List<String> result = new java.util.ArrayList<>();
    try (WalArchive archive = archive(ArchiveStorages.memory())) {
      Path wal = tmp.resolve("wal");
      for (long s = 4; s <= 7; s++) {
        archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
      }
      for (int i = 0; i < 3; i++) {
        long segment = 2 + 2 * i;
        pushHistory(archive, segment);
        BackupName name =
            BackupName.of(
                Instant.parse("2026-12-01T18:00:00Z").plusSeconds(60 * segment),
                Lsn.parse(String.format("0/%X00028", segment)));
        try (BackupUpload upload = archive.baseBackups().upload(name, data, options())) {
          upload.copyFiles();
          upload.complete(
              label(segment),
              "",
              Lsn.parse(String.format("0/%X00100", segment + 1)),
              snapshots.get(i));
        }
      }
      for (long xid : xids) {
        try {
          result.add(
              dev.walarchive.core.restore.BackupSelector.choose(
                      archive,
                      java.util.Optional.empty(),
                      dev.walarchive.core.restore.RecoveryTarget.xid(Long.toString(xid)),
                      dev.walarchive.core.restore.RecoveryTimeline.latest())
                  .backup()
                  .name()
                  .substring(22));
        } catch (dev.walarchive.core.restore.NoSuitableBackupException e) {
          result.add(e.getMessage());
        }
      }
    }
    return result;
  }

  private static final String B2 = "0000000000200028";
  private static final String B4 = "0000000000400028";
  private static final String B6 = "0000000000600028";

  @Test
  void aTransactionIdTargetChoosesTheNewestBackupAtWhoseStopItHadNotEnded() throws Exception {
    // at backup 2's stop 100 and 103 were running and 105 was next; at 4's 120 running, 125 next
    List<String> chosen =
        chosenForXids(
            List.of("100:105:100,103", "120:125:120", "300:300:"),
            103,
            110,
            120,
            122,
            299,
            300,
            104,
            99);
    assertThat(chosen.subList(0, 6)).containsExactly(B2, B2, B4, B2, B4, B6);
    for (String error : chosen.subList(6, 8)) {
      assertThat(error)
          .matches("transaction (104|99) had ended before every base backup stopped .*")
          .contains("(the oldest, base_20261201T180200Z_" + B2 + ", stopped at ");
    }
  }

  @Test
  void backupsWithoutASnapshotAreChosenFromOnlyIfNoneWithOneQualifies() throws Exception {
    // backup 4 has a snapshot; 2 and 6 were pushed without one
    assertThat(chosenForXids(List.of("", "120:125:120", ""), 99, 400))
        .containsExactly(
            B2, // ended before 4 stopped, so before 6 too: 2 is the only candidate left
            B4); // a backup known to qualify wins over a newer one that may or may not
  }

  @Test
  void withoutAnySnapshotTheNewestBackupIsChosenAsBefore() throws Exception {
    assertThat(chosenForXids(List.of("", "", ""), 5)).containsExactly(B6);
  }
}
