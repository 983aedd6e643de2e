package dev.walarchive.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ConfiguredExtensionTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  @RegisterExtension
  static final WalArchiveExtension ARCHIVES =
      WalArchiveExtension.builder()
          .encrypted()
          .segmentSize(SIZE)
          .clock(Clock.fixed(NOW, ZoneOffset.UTC))
          .build();

  @Test
  void theArchiveIsEncryptedWithTheExtensionsKeyring(
      WalArchive archive, ArchiveStorage storage, @TempDir Path dir) throws Exception {
    assertThat(ARCHIVES.keyring().encrypts()).isTrue();
    Path segment = TestWal.writeSegment(dir, 1, 2, SIZE);
    archive.push(segment);
    WalArchive withoutKey = WalArchive.builder(storage).build();
    assertThatThrownBy(() -> withoutKey.fetch(segment.getFileName().toString(), dir.resolve("x")))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining("encrypted");
    archive.fetch(segment.getFileName().toString(), dir.resolve("y"));
    assertThat(ARCHIVES.toString()).doesNotContain("key=");
  }

  @Test
  void theArchiveIsCreatedForTheSegmentSizeAndRefusesAnother(
      WalArchive archive, WalSegmentSize size, @TempDir Path dir) throws Exception {
    assertThat(size).isEqualTo(SIZE);
    ArchiveManifest manifest = archive.manifest().orElseThrow();
    assertThat(manifest.segmentSize()).isEqualTo(SIZE);
    assertThat(manifest.systemIdentifier()).isEqualTo(TestWal.SYSTEM_IDENTIFIER);
    assertThat(archive.inventory().segmentSize()).contains(SIZE);
    Path other = TestWal.writeSegment(dir, 1, 1, WalSegmentSize.ofMegabytes(2));
    assertThatThrownBy(() -> archive.push(other)).isInstanceOf(ArchiveMismatchException.class);
  }

  @Test
  void theClockDrivesArchiveTimesAndRetentionsNow(
      WalArchive archive, Clock clock, @TempDir Path dir) throws Exception {
    assertThat(clock.instant()).isEqualTo(NOW);
    archive.push(TestWal.writeSegment(dir, 1, 1, SIZE));
    assertThat(archive.inventory().entries().get(0).lastModified()).isEqualTo(NOW);
    assertThat(archive.planRetention(RetentionPolicy.parse("keep=1")).now()).isEqualTo(NOW);
  }

  @Test
  void backupHistoryFilesParseAsPostgresWritesThem(WalArchive archive, @TempDir Path dir)
      throws Exception {
    Lsn start = Lsn.parse("0/200028");
    Path file = TestWal.writeBackupHistory(dir, 1, start, NOW, SIZE);
    assertThat(file.getFileName().toString())
        .isEqualTo(WalFileName.backupHistory(1, start, SIZE).name());
    archive.push(file);
    BackupHistory parsed = archive.histories(archive.inventory()).backups().get(0);
    assertThat(parsed.startLsn()).isEqualTo(start);
    assertThat(parsed.stopTime()).contains(NOW);
    assertThat(parsed.startTime()).contains(NOW.minusSeconds(60));
    assertThat(parsed.stopLsn()).isEqualTo(start.plus(0x200));
    assertThatThrownBy(
            () ->
                TestWal.writeBackupHistory(
                    dir, 1, start, Lsn.parse("0/100000"), NOW, NOW, "x", SIZE))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
