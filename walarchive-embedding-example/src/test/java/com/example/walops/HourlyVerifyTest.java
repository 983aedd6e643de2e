package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import dev.walarchive.testkit.TestWal;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A team's own verify job and metrics, on a file: archive opened by URL: public API only. */
class HourlyVerifyTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  @TempDir Path pgWal;
  @TempDir Path archiveDir;

  @Test
  void aHealthyArchiveIsOkAndALostSegmentPagesTheTeam() throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String url = "file:" + archiveDir.toAbsolutePath();
    WalOps.Metrics metrics = new WalOps.Metrics();
    try (WalArchive archive = WalOps.open(url, Map.of(), key, metrics)) {
      for (long segment = 1; segment <= 6; segment++) {
        archive.push(TestWal.writeSegment(pgWal, 1, segment, SIZE));
      }
      archive.push(
          TestWal.writeBackupHistory(
              pgWal, 1, Lsn.ofSegment(2, 0x28, SIZE), Instant.now().minusSeconds(60), SIZE));
      archive.fetch("000000010000000000000003", pgWal.resolve("RECOVERYXLOG"));

      WalOps.Health healthy = WalOps.hourlyVerify(archive, 3, Duration.ofMinutes(15));
      assertThat(healthy.ok()).as("%s", healthy).isTrue();
      assertThat(healthy.alerts()).isEmpty();
      assertThat(healthy.objectsVerified()).isEqualTo(3);

      String labels = "{archive=" + url + "}";
      assertThat(metrics.get("push.files" + labels)).isEqualTo(7);
      assertThat(metrics.get("fetch.files" + labels)).isEqualTo(1);
      assertThat(metrics.get("fetch.bytes" + labels)).isEqualTo(SIZE.bytes());
      assertThat(metrics.get("verify.files" + labels)).isEqualTo(3);

      // a segment is lost from the archive (an operator's mistake, a bucket rule)
      WalFileName lost = WalFileName.segment(1, 4, SIZE);
      archive.storage().delete(List.of("wal/" + lost.name()));
      WalOps.Health broken = WalOps.hourlyVerify(archive, 3, Duration.ofMinutes(15));
      assertThat(broken.ok()).isFalse();
      assertThat(broken.alerts())
          .singleElement()
          .asString()
          .startsWith("GAP: backup 000000010000000000000002.00000028.backup")
          .endsWith("missing " + lost.name());
    }
  }
}
