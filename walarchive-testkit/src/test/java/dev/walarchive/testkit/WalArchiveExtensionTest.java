package dev.walarchive.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(WalArchiveExtension.class)
class WalArchiveExtensionTest {
  private static WalArchive previous;

  @Test
  void eachTestGetsAFreshArchiveSharedWithItsStorage(WalArchive archive, ArchiveStorage storage)
      throws Exception {
    assertThat(archive.storage()).isSameAs(storage);
    // nothing pushed yet: no archive manifest, so no archive to list
    assertThat(archive.manifest()).isEmpty();
    assertThat(storage.list("").hasNext()).isFalse();
    assertThat(archive).isNotSameAs(previous);
    previous = archive;
  }

  @Test
  void syntheticWalPassesValidationAndRoundTrips(WalArchive archive, @TempDir Path dir)
      throws Exception {
    assertThat(archive).isNotSameAs(previous);
    previous = archive;
    WalSegmentSize size = WalSegmentSize.ofMegabytes(1);
    Path segment = TestWal.writeSegment(dir, 42L, 1, 3, size);
    assertThat(archive.push(segment).outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
    Path history =
        TestWal.writeTimelineHistory(
            dir, TimelineHistory.ofFirstTimeline().branch(2, Lsn.parse("0/380000"), "promoted"));
    assertThat(archive.push(history).outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
    Path restored = dir.resolve("restored");
    archive.fetch(segment.getFileName().toString(), restored);
    assertThat(Files.mismatch(segment, restored)).isEqualTo(-1);
    assertThat(archive.inventory().entries()).hasSize(2);
  }
}
