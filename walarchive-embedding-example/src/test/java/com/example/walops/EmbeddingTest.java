package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import dev.walarchive.testkit.TestWal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Open by URL, push and fetch with encryption, plan and apply retention: public API only. */
class EmbeddingTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  @TempDir Path pgWal;
  @TempDir Path archiveDir;

  @Test
  void pushFetchAndRetentionOnAnEncryptedArchiveOpenedByUrl() throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String url = "file:" + archiveDir.toAbsolutePath();
    Instant now = Instant.now();
    WalFileName oldBackup;
    WalFileName pinnedBackup;
    try (WalArchive archive = WalOps.open(url, key)) {
      for (long segment = 1; segment <= 9; segment++) {
        PushResult pushed = archive.push(TestWal.writeSegment(pgWal, 1, segment, SIZE));
        assertThat(pushed.outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
      }
      oldBackup = push(archive, 2, now.minusSeconds(7200));
      pinnedBackup = push(archive, 4, now.minusSeconds(3600));
      push(archive, 7, now.minusSeconds(60));
      archive.pin(pinnedBackup);

      Path restored = pgWal.resolve("RECOVERYXLOG");
      archive.fetch("000000010000000000000008", restored);
      assertThat(Files.mismatch(restored, pgWal.resolve("000000010000000000000008"))).isEqualTo(-1);

      RetentionPlan plan = archive.planRetention(RetentionPolicy.parse("keep=1"));
      assertThat(plan.archivePins()).containsExactly(pinnedBackup);
      assertThat(plan.expiredBackups()).extracting(RetentionPlan.Backup::name).containsExactly(oldBackup);
      WalOps.Report report = WalOps.nightlyRetention(archive, RetentionPolicy.parse("keep=1"));
      assertThat(report.deleted()).isEqualTo(plan.deletions().size()).isPositive();
      assertThat(report.retained()).contains(pinnedBackup.name());
    }

    try (WalArchive reopened = WalOps.open(url, key)) {
      // the pinned backup and every segment from its start survive; older WAL is gone
      assertThat(reopened.inventory().contains(pinnedBackup)).isTrue();
      for (long segment = 4; segment <= 9; segment++) {
        reopened.verifyObject(WalFileName.segment(1, segment, SIZE));
      }
      assertThatThrownBy(() -> reopened.verifyObject(WalFileName.segment(1, 3, SIZE)))
          .isInstanceOf(WalFileNotFoundException.class);
      assertThat(reopened.planRetention(RetentionPolicy.parse("keep=1")).isEmpty()).isTrue();
    }

    try (WalArchive withoutKey = WalArchive.builder(ArchiveStorages.open(url, Map.of())).build()) {
      assertThatThrownBy(() -> withoutKey.fetch("000000010000000000000009", pgWal.resolve("x")))
          .isInstanceOf(ArchiveConfigurationException.class)
          .hasMessageContaining("encrypted");
    }
  }

  private WalFileName push(WalArchive archive, long segment, Instant stopped) throws Exception {
    Path file =
        TestWal.writeBackupHistory(pgWal, 1, Lsn.ofSegment(segment, 0x28, SIZE), stopped, SIZE);
    archive.push(file);
    return WalFileName.parse(file.getFileName().toString());
  }
}
