package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import dev.walarchive.s3.S3TestServer;
import dev.walarchive.testkit.TestWal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The team's tool against a local S3 server (walarchive-s3-testkit), opened by URL. */
class S3EmbeddingTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  @Test
  void encryptedPushFetchAndRetentionOnS3(@TempDir Path pgWal) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    try (S3TestServer s3 = S3TestServer.start();
        WalArchive archive = WalOps.open(s3.url("team-a"), s3.options(), key)) {
      for (long s = 1; s <= 5; s++) {
        assertThat(archive.push(TestWal.writeSegment(pgWal, 1, s, SIZE)).outcome())
            .isEqualTo(PushResult.Outcome.ARCHIVED);
      }
      Path older =
          TestWal.writeBackupHistory(
              pgWal, 1, Lsn.ofSegment(2, 0x28, SIZE), Instant.now().minusSeconds(600), SIZE);
      Path newer =
          TestWal.writeBackupHistory(
              pgWal, 1, Lsn.ofSegment(4, 0x28, SIZE), Instant.now().minusSeconds(60), SIZE);
      archive.push(older);
      archive.push(newer);
      WalFileName pinned = WalFileName.parse(older.getFileName().toString());
      archive.pin(pinned);

      Path restored = pgWal.resolve("RECOVERYXLOG");
      archive.fetch("000000010000000000000003", restored);
      assertThat(Files.mismatch(restored, pgWal.resolve("000000010000000000000003")))
          .isEqualTo(-1);

      WalOps.Report report = WalOps.nightlyRetention(archive, RetentionPolicy.parse("keep=1"));
      assertThat(report.retained()).contains(pinned.name());
      assertThat(report.deleted()).isEqualTo(1); // segment 1 only: the pinned backup needs 2..
      assertThat(archive.inventory().contains(WalFileName.segment(1, 2, SIZE))).isTrue();
      assertThat(archive.inventory().contains(WalFileName.segment(1, 1, SIZE))).isFalse();
    }
  }
}
