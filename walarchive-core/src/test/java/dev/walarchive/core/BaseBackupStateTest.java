package dev.walarchive.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.backup.BaseBackupInfo.State;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.SyntheticDataDirectory;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BaseBackupInfo#state()} from the lease a push writes ({@link ArchiveBackupUpload}, the
 * code {@code backup-push} runs), on a filesystem archive: running while the lease holds,
 * incomplete once it expired (seen through an archive whose clock is 6 minutes ahead) or was
 * deleted by a push that failed, complete once the marker is written, and running (fail closed)
 * when the lease cannot be read.
 */
class BaseBackupStateTest {
  private static final long SYSID = 7714373470879505852L;
  private static final WalSegmentSize SIZE = WalSegmentSize.of(1 << 20);
  private static final Lsn START = Lsn.parse("0/200028");
  private static final Lsn STOP = Lsn.parse("0/300100");
  private static final String LABEL =
      "START WAL LOCATION: 0/200028 (file 000000010000000000000002)\n"
          + "CHECKPOINT LOCATION: 0/200060\n"
          + "BACKUP METHOD: streamed\n"
          + "BACKUP FROM: primary\n"
          + "START TIME: 2026-12-01 18:30:12 UTC\n"
          + "LABEL: test\n"
          + "START TIMELINE: 1\n";

  @TempDir Path tmp;

  private WalArchive archive(Clock clock) throws IOException {
    byte[] key = new byte[32];
    key[0] = 1;
    return WalArchive.builder(ArchiveStorages.filesystem(tmp.resolve("archive")))
        .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
        .tempDirectory(tmp)
        .clock(clock)
        .build();
  }

  private void archiveWal() throws IOException {
    Files.createDirectories(tmp.resolve("archive"));
    try (WalArchive archive = archive(Clock.systemUTC())) {
      Path wal = Files.createDirectories(tmp.resolve("wal"));
      for (long s = 2; s <= 3; s++) {
        archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
      }
      Path history = wal.resolve("000000010000000000000002.00000028.backup");
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
  }

  private BackupUpload upload(WalArchive archive, BackupName name) throws IOException {
    Path data = tmp.resolve("data-" + name);
    SyntheticDataDirectory.create(data, SYSID);
    SyntheticDataDirectory.write(data.resolve("base/5/16384"), new byte[100_000]);
    BackupUpload upload =
        archive
            .baseBackups()
            .upload(
                name,
                data,
                new BackupUpload.Options(
                    2, "test", 150018, "PG_15_202209061", BackupUpload.Progress.NONE));
    upload.copyFiles();
    return upload;
  }

  private static BaseBackupInfo only(WalArchive archive, BackupName name) throws IOException {
    List<BaseBackupInfo> list = archive.baseBackups().list();
    return list.stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
  }

  private static String holder() throws IOException {
    return java.net.InetAddress.getLocalHost().getHostName()
        + " pid "
        + ProcessHandle.current().pid();
  }

  @Test
  void runningWhileTheLeaseHoldsIncompleteOnceItExpiredCompleteWithTheMarker() throws Exception {
    archiveWal();
    BackupName name = BackupName.of(Instant.parse("2026-12-01T18:30:12Z"), START);
    try (WalArchive archive = archive(Clock.systemUTC());
        WalArchive later = archive(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(6)))) {
      Instant before = Instant.now();
      try (BackupUpload upload = upload(archive, name)) {
        BaseBackupInfo running = only(archive, name);
        assertThat(running.state()).isEqualTo(State.RUNNING);
        assertThat(running.complete()).isFalse();
        BaseBackupInfo.Lease lease = running.lease().orElseThrow();
        assertThat(lease.holder()).isEqualTo(holder());
        assertThat(lease.expires())
            .isAfterOrEqualTo(before.plus(Duration.ofMinutes(5)))
            .isBefore(Instant.now().plus(Duration.ofMinutes(5)).plusSeconds(1));

        // the same lease, 6 minutes later: expired, so the push counts as interrupted
        BaseBackupInfo expired = only(later, name);
        assertThat(expired.state()).isEqualTo(State.INCOMPLETE);
        assertThat(expired.lease()).contains(lease);

        BaseBackupInfo done = upload.complete(LABEL, "", STOP);
        assertThat(done.state()).isEqualTo(State.COMPLETE);
      }
      BaseBackupInfo complete = only(archive, name);
      assertThat(complete.state()).isEqualTo(State.COMPLETE);
      assertThat(complete.complete()).isTrue();
      assertThat(complete.lease()).isEmpty();
      assertThat(only(later, name).state()).isEqualTo(State.COMPLETE);
    }
  }

  @Test
  void aPushThatFailedLeavesNoLeaseAndIsIncomplete() throws Exception {
    archiveWal();
    BackupName name = BackupName.of(Instant.parse("2026-12-01T18:30:12Z"), START);
    try (WalArchive archive = archive(Clock.systemUTC())) {
      try (BackupUpload upload = upload(archive, name)) {
        assertThat(only(archive, name).state()).isEqualTo(State.RUNNING);
      } // closed without complete(): the push failed, its lease is deleted
      BaseBackupInfo failed = only(archive, name);
      assertThat(failed.state()).isEqualTo(State.INCOMPLETE);
      assertThat(failed.lease()).isEmpty();
      assertThat(failed.storedSize()).isPositive();
    }
  }

  @Test
  void anUnreadableLeaseIsListedAsRunningWithoutALease() throws Exception {
    archiveWal();
    BackupName name = BackupName.of(Instant.parse("2026-12-01T18:30:12Z"), START);
    try (WalArchive archive = archive(Clock.systemUTC());
        WalArchive later = archive(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)))) {
      try (BackupUpload upload = upload(archive, name)) {
        Path lease = tmp.resolve("archive").resolve(BackupLease.keyOf(name, 1));
        byte[] bytes = Files.readAllBytes(lease);
        bytes[bytes.length / 2] ^= 1;
        Files.write(lease, bytes);
        // even an hour later: retention keeps it, so the listing does not call it interrupted
        BaseBackupInfo unreadable = only(later, name);
        assertThat(unreadable.state()).isEqualTo(State.RUNNING);
        assertThat(unreadable.lease()).isEmpty();
      }
    }
  }
}
