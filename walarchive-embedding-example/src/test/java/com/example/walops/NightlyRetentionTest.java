package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import dev.walarchive.testkit.TestWal;
import dev.walarchive.testkit.WalArchiveExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A team's test of its own tool, on the test kit's fake archive. */
class NightlyRetentionTest {
  private static final Instant NOW = Instant.parse("2026-06-01T03:00:00Z");

  @RegisterExtension
  static final WalArchiveExtension ARCHIVES =
      WalArchiveExtension.builder()
          .encrypted()
          .segmentSize(WalSegmentSize.ofMegabytes(1))
          .clock(Clock.fixed(NOW, ZoneOffset.UTC))
          .build();

  @Test
  void keepsTheNewestAndPinnedBackupsAndDeletesTheRest(
      WalArchive archive, WalSegmentSize size, @TempDir Path dir) throws Exception {
    for (long s = 1; s <= 12; s++) {
      archive.push(TestWal.writeSegment(dir, 1, s, size));
    }
    WalFileName monthly = backup(archive, dir, size, 2, NOW.minus(Duration.ofDays(30)));
    WalFileName old = backup(archive, dir, size, 5, NOW.minus(Duration.ofDays(10)));
    WalFileName recent = backup(archive, dir, size, 9, NOW.minus(Duration.ofDays(1)));
    archive.pin(monthly);

    WalOps.Report report =
        WalOps.nightlyRetention(archive, RetentionPolicy.parse("keep=1"));

    assertThat(report.retained()).containsExactlyInAnyOrder(recent.name(), monthly.name());
    assertThat(archive.inventory().contains(old)).isFalse();
    assertThat(archive.inventory().contains(WalFileName.segment(1, 2, size))).isTrue();
    assertThat(archive.inventory().contains(WalFileName.segment(1, 1, size))).isFalse();
    assertThat(report.deleted()).isEqualTo(2); // old's .backup and segment 1
    assertThat(WalOps.nightlyRetention(archive, RetentionPolicy.parse("keep=1")).deleted())
        .isZero();
  }

  private static WalFileName backup(
      WalArchive archive, Path dir, WalSegmentSize size, long segment, Instant stopped)
      throws Exception {
    Path file = TestWal.writeBackupHistory(dir, 1, Lsn.ofSegment(segment, 0x28, size), stopped, size);
    archive.push(file);
    return WalFileName.parse(file.getFileName().toString());
  }
}
