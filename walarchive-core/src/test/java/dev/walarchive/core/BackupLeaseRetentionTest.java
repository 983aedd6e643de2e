package dev.walarchive.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.testing.SyntheticDataDirectory;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease of a running backup-push against retention, on a filesystem archive: a push that runs
 * on a timeline no retained backup reaches (after a restore to an earlier point, the case where
 * retention deletes that timeline's WAL) keeps its objects and its WAL while its lease holds, and
 * loses both once the lease expired; an unreadable lease keeps them; a backup that completed after
 * the plan was made is not deleted by it.
 *
 * <p>Timeline 1: segments 1 to 10 and a backup (taken elsewhere, known from its {@code .backup}
 * file) from segment 8. Timeline 2 branched off at segment 5, before that backup, and has segments
 * 5 to 7; the push runs on timeline 2 from segment 6. Storage times are real; the archive clocks
 * are shifted: the push's by 7 hours, so that its objects are idle for 6 hours (the debris rule)
 * when retention runs 7 hours and a minute ahead, while its lease (5 minutes) still holds.
 */
class BackupLeaseRetentionTest {
  private static final long SYSID = 7714373470879505852L;
  private static final WalSegmentSize SIZE = WalSegmentSize.of(1 << 20);
  private static final Lsn START = Lsn.parse("0/600028");
  private static final Duration AHEAD = Duration.ofHours(7);
  private static final RetentionPolicy KEEP_1 = RetentionPolicy.builder().keepBackups(1).build();

  @TempDir Path tmp;
  private ArchiveStorage storage;
  private BackupName name;

  @org.junit.jupiter.api.AfterEach
  void close() throws IOException {
    storage.close();
  }

  @BeforeEach
  void archive() throws IOException {
    storage = ArchiveStorages.filesystem(Files.createDirectories(tmp.resolve("archive")));
    try (WalArchive archive = archive(Clock.systemUTC())) {
      Path wal = Files.createDirectories(tmp.resolve("wal"));
      for (long s = 1; s <= 10; s++) {
        archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
      }
      for (long s = 5; s <= 7; s++) {
        archive.push(SyntheticWal.writeSegment(wal, SYSID, 2, s, SIZE, 100 + s));
      }
      Path history = wal.resolve("00000002.history");
      Files.writeString(history, "1\t0/500000\tno recovery target specified\n", UTF_8);
      archive.push(history);
      Path backup = wal.resolve("000000010000000000000008.00000028.backup");
      Files.writeString(
          backup,
          "START WAL LOCATION: 0/800028 (file 000000010000000000000008)\n"
              + "STOP WAL LOCATION: 0/900100 (file 000000010000000000000009)\n"
              + "CHECKPOINT LOCATION: 0/800060\n"
              + "BACKUP METHOD: streamed\n"
              + "BACKUP FROM: primary\n"
              + "START TIME: 2026-12-01 18:30:12 UTC\n"
              + "LABEL: elsewhere\n"
              + "START TIMELINE: 1\n"
              + "STOP TIME: 2026-12-01 18:30:15 UTC\n"
              + "STOP TIMELINE: 1\n",
          UTF_8);
      archive.push(backup);
    }
    name = BackupName.of(Instant.now().plus(AHEAD), START);
  }

  private WalArchive archive(Clock clock) throws IOException {
    byte[] key = new byte[32];
    key[0] = 1;
    // each archive closes its storage: one of its own over the same directory
    return WalArchive.builder(ArchiveStorages.filesystem(tmp.resolve("archive")))
        .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
        .tempDirectory(tmp)
        .clock(clock)
        .build();
  }

  private static Clock ahead(Duration d) {
    return Clock.offset(Clock.systemUTC(), d);
  }

  private BackupUpload startPush(WalArchive pusher) throws IOException {
    Path data = tmp.resolve("data");
    SyntheticDataDirectory.create(data, SYSID);
    SyntheticDataDirectory.write(data.resolve("base/5/16384"), new byte[3 << 20]);
    BackupUpload upload =
        pusher
            .baseBackups()
            .upload(
                name,
                data,
                new BackupUpload.Options(
                    2, "test", 150018, "PG_15_202209061", BackupUpload.Progress.NONE, 2));
    upload.copyFiles();
    return upload;
  }

  private List<String> keys(String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list(prefix);
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  /** The WAL segments archived on timeline 2. */
  private List<String> timeline2() throws IOException {
    List<String> names = new ArrayList<>();
    for (String k : keys(WalArchive.WAL_PREFIX + "00000002")) {
      if (!k.endsWith(".history")) {
        names.add(k.substring(WalArchive.WAL_PREFIX.length()));
      }
    }
    return names;
  }

  private static String seg(long timeline, long segment) {
    return WalFileName.segment(timeline, segment, SIZE).name();
  }

  private static long apply(WalArchive archive, RetentionPlan plan) throws IOException {
    return archive.applyRetention(plan, RetentionListener.NONE);
  }

  @Test
  void aLiveLeaseKeepsTheObjectsAndTheWalOfTheRunningPushAndAnExpiredOneNot() throws Exception {
    try (WalArchive pusher = archive(ahead(AHEAD));
        BackupUpload upload = startPush(pusher)) {
      List<String> objects = keys(ArchiveBaseBackups.prefixOf(name));
      assertThat(objects).anyMatch(k -> k.contains("/lease-")).anyMatch(k -> k.contains("/data/"));

      try (WalArchive retention = archive(ahead(AHEAD.plusMinutes(1)))) {
        RetentionPlan plan = retention.planRetention(KEEP_1);
        assertThat(plan.deletions())
            .extracting(d -> d.name().name())
            .contains(seg(1, 7), seg(2, 5))
            .doesNotContain(seg(2, 6), seg(2, 7));
        assertThat(plan.kept())
            .anyMatch(
                k ->
                    k.timeline() == 2
                        && k.first().name().equals(seg(2, 6))
                        && k.last().name().equals(seg(2, 7))
                        && k.reason().contains("running backup-push " + name));
        assertThat(retention.baseBackupDeletions(plan)).isEmpty();
        apply(retention, plan);
      }
      assertThat(timeline2()).contains(seg(2, 6), seg(2, 7)).doesNotContain(seg(2, 5));
      assertThat(keys(ArchiveBaseBackups.prefixOf(name))).containsAll(objects);

      // the push died (its lease is no longer renewed): once the lease expired, it is debris
      try (WalArchive retention = archive(ahead(AHEAD.plusMinutes(10)))) {
        RetentionPlan plan = retention.planRetention(KEEP_1);
        assertThat(plan.deletions())
            .extracting(d -> d.name().name())
            .contains(seg(2, 6), seg(2, 7));
        assertThat(retention.baseBackupDeletions(plan)).containsKey(name);
        apply(retention, plan);
      }
      assertThat(timeline2()).isEmpty();
      assertThat(keys(ArchiveBaseBackups.prefixOf(name))).isEmpty();
    }
  }

  @Test
  void aRenewedLeaseReplacesTheOldOne() throws Exception {
    try (WalArchive pusher = archive(ahead(AHEAD));
        ArchiveBackupUpload upload = (ArchiveBackupUpload) startPush(pusher)) {
      upload.writeLease();
      assertThat(keys(ArchiveBaseBackups.prefixOf(name)))
          .filteredOn(k -> k.contains("/lease-"))
          .containsExactly(BackupLease.keyOf(name, 2));
      ArchiveBaseBackups.LeaseState state = pusher.baseBackupObjects().lease(name);
      assertThat(state.lease().sequence()).isEqualTo(2);
      assertThat(state.lease().startTimeline()).isEqualTo(2);
      upload.close();
      assertThat(keys(ArchiveBaseBackups.prefixOf(name))).noneMatch(k -> k.contains("/lease-"));
    }
  }

  @Test
  void anUnreadableLeaseKeepsTheBackupAndItsWalWithAWarning() throws Exception {
    try (WalArchive pusher = archive(ahead(AHEAD));
        BackupUpload upload = startPush(pusher)) {
      upload.close(); // deletes its lease
    }
    byte[] garbage = "not a lease".getBytes(UTF_8);
    storage.create(BackupLease.keyOf(name, 7), ObjectSource.ofBytes(garbage), Map.of());
    List<String> objects = keys(ArchiveBaseBackups.prefixOf(name));
    try (WalArchive retention = archive(ahead(AHEAD.plusHours(1)))) {
      RetentionPlan plan = retention.planRetention(KEEP_1);
      assertThat(plan.warnings())
          .anyMatch(w -> w.contains("the lease of backup " + name + " cannot be read"));
      assertThat(plan.deletions())
          .extracting(d -> d.name().name())
          .contains(seg(2, 5), seg(1, 5))
          .doesNotContain(seg(2, 6), seg(2, 7), seg(1, 6), seg(1, 7));
      assertThat(retention.baseBackupDeletions(plan)).isEmpty();
      apply(retention, plan);
    }
    assertThat(timeline2()).containsExactly(seg(2, 6), seg(2, 7));
    assertThat(keys(ArchiveBaseBackups.prefixOf(name))).containsExactlyElementsOf(objects);
  }

  @Test
  void withoutALeaseTheIdleDebrisAndTheWalGoAsBefore() throws Exception {
    try (WalArchive pusher = archive(ahead(AHEAD));
        BackupUpload upload = startPush(pusher)) {
      upload.close();
    }
    try (WalArchive retention = archive(ahead(AHEAD.plusMinutes(1)))) {
      RetentionPlan plan = retention.planRetention(KEEP_1);
      assertThat(retention.baseBackupDeletions(plan)).containsKey(name);
      apply(retention, plan);
    }
    assertThat(timeline2()).isEmpty();
    assertThat(keys(ArchiveBaseBackups.prefixOf(name))).isEmpty();
  }

  @Test
  void aBackupThatCompletedAfterThePlanWasMadeIsNotDeletedByIt() throws Exception {
    try (WalArchive pusher = archive(ahead(AHEAD));
        BackupUpload upload = startPush(pusher)) {
      try (WalArchive retention = archive(ahead(AHEAD.plusMinutes(10)))) {
        RetentionPlan plan = retention.planRetention(KEEP_1);
        assertThat(retention.baseBackupDeletions(plan)).containsKey(name);
        // the push completes after all
        Path history = tmp.resolve("wal/000000020000000000000006.00000028.backup");
        Files.writeString(
            history,
            "START WAL LOCATION: 0/600028 (file 000000020000000000000006)\n"
                + "STOP WAL LOCATION: 0/700100 (file 000000020000000000000007)\n"
                + "CHECKPOINT LOCATION: 0/600060\n"
                + "BACKUP METHOD: streamed\n"
                + "BACKUP FROM: primary\n"
                + "START TIME: 2026-12-02 01:30:12 UTC\n"
                + "LABEL: test\n"
                + "START TIMELINE: 2\n"
                + "STOP TIME: 2026-12-02 01:30:15 UTC\n"
                + "STOP TIMELINE: 2\n",
            UTF_8);
        pusher.push(history);
        upload.complete(
            "START WAL LOCATION: 0/600028 (file 000000020000000000000006)\n"
                + "CHECKPOINT LOCATION: 0/600060\n"
                + "BACKUP METHOD: streamed\n"
                + "BACKUP FROM: primary\n"
                + "START TIME: 2026-12-02 01:30:12 UTC\n"
                + "LABEL: test\n"
                + "START TIMELINE: 2\n",
            "",
            Lsn.parse("0/700100"));
        apply(retention, plan);
      }
      assertThat(pusher.baseBackups().list()).singleElement().matches(b -> b.complete());
      assertThat(timeline2()).contains(seg(2, 6), seg(2, 7));
      assertThat(pusher.baseBackups().manifest(name).files()).isNotEmpty();
    }
  }
}
