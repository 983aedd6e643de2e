package com.example.walops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.azure.AzuriteServer;
import dev.walarchive.azure.testkit.AzureTestStorages;
import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectHeader;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import dev.walarchive.testkit.TestWal;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The team's tool against Azurite (walarchive-azure-testkit), opened by URL. Azurite is found as
 * {@link AzuriteServer} documents: {@code -Dwalarchive.azurite}, {@code WALARCHIVE_AZURITE},
 * {@code azurite-blob} on {@code PATH}, then walarchive's own install (which the walarchive-azure
 * build makes); without it the test fails, it is never skipped.
 */
class AzureEmbeddingTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final String SEGMENT = "000000010000000000000002";

  @Test
  void encryptedPushAndFetchOnAzureFailClosedOnAWrongKey(@TempDir Path pgWal) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    try (AzuriteServer azurite = AzuriteServer.start()) {
      try (WalArchive archive = WalOps.open(azurite.url("team-a"), azurite.options(), key)) {
        for (long s = 1; s <= 3; s++) {
          assertThat(archive.push(TestWal.writeSegment(pgWal, 1, s, SIZE)).outcome())
              .isEqualTo(PushResult.Outcome.ARCHIVED);
        }
        assertThat(archive.push(pgWal.resolve(SEGMENT)).outcome())
            .isEqualTo(PushResult.Outcome.ALREADY_ARCHIVED);
        Path restored = pgWal.resolve("RECOVERYXLOG");
        archive.fetch(SEGMENT, restored);
        assertThat(Files.mismatch(restored, pgWal.resolve(SEGMENT))).isEqualTo(-1);
        assertThat(archive.inventory().contains(WalFileName.segment(1, 3, SIZE))).isTrue();
      }

      // what lies in the container is encrypted with the team's key, for that segment
      Keyring keyring = Keyring.builder().addKey("team-key-1", key).build();
      try (ArchiveStorage storage = AzureTestStorages.open(azurite, "team-a");
          InputStream object = storage.open("wal/" + SEGMENT)) {
        ObjectHeader header = new ObjectCodec(Compression.none(), keyring).readHeader(object);
        assertThat(header.encrypted()).isTrue();
        assertThat(header.keyId()).isEqualTo("team-key-1");
        assertThat(header.fileName()).isEqualTo(SEGMENT);
        assertThat(header.plaintextLength()).isEqualTo(SIZE.bytes());
      }

      // another key under the team's key id: refused before anything is written
      byte[] otherKey = new byte[32];
      new SecureRandom().nextBytes(otherKey);
      Path target = pgWal.resolve("RECOVERYXLOG.wrong");
      try (WalArchive wrong = WalOps.open(azurite.url("team-a"), azurite.options(), otherKey)) {
        assertThatThrownBy(() -> wrong.fetch(SEGMENT, target))
            .isInstanceOf(ArchiveConfigurationException.class)
            .hasMessageContaining("team-key-1");
      }
      assertThat(target).doesNotExist();
    }
  }
}
