package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import dev.walarchive.gcs.FakeGcsServer;
import dev.walarchive.gcs.testkit.GcsTestStorages;
import dev.walarchive.testkit.TestWal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The team's tool against the local GCS fake (walarchive-gcs-testkit), opened by URL. */
class GcsEmbeddingTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  @Test
  void encryptedPushAndFetchOnGcs(@TempDir Path pgWal) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    try (FakeGcsServer gcs = FakeGcsServer.start()) {
      try (WalArchive archive = WalOps.open(gcs.url("team-a"), gcs.options(), key)) {
        for (long s = 1; s <= 3; s++) {
          assertThat(archive.push(TestWal.writeSegment(pgWal, 1, s, SIZE)).outcome())
              .isEqualTo(PushResult.Outcome.ARCHIVED);
        }
        Path restored = pgWal.resolve("RECOVERYXLOG");
        archive.fetch("000000010000000000000002", restored);
        assertThat(Files.mismatch(restored, pgWal.resolve("000000010000000000000002")))
            .isEqualTo(-1);
        assertThat(archive.inventory().contains(WalFileName.segment(1, 3, SIZE))).isTrue();
      }
      // the kit's entry opens the same objects as production code does, by URL
      try (ArchiveStorage storage = GcsTestStorages.open(gcs, "team-a")) {
        assertThat(storage.list("").hasNext()).isTrue();
      }
    }
  }
}
