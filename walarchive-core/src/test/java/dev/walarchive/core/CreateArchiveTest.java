package dev.walarchive.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreateArchiveTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  @Test
  void createsTheManifestAsTheFirstPushWouldAndKeepsAnExistingOne(@TempDir Path dir)
      throws Exception {
    byte[] key = new byte[32];
    Keyring keyring = Keyring.builder().addKey("k1", key).activeKeyId("k1").build();
    try (WalArchive archive =
        WalArchive.builder(ArchiveStorages.memory()).keyring(keyring).build()) {
      ArchiveManifest created = archive.createArchive(42L, SIZE);
      assertThat(created.encryption()).isEqualTo(ArchiveManifest.Encryption.AES_256_GCM);
      assertThat(created.keys()).containsOnlyKeys("k1");
      assertThat(archive.createArchive(42L, SIZE)).isEqualTo(created);
      assertThatThrownBy(() -> archive.createArchive(43L, SIZE))
          .isInstanceOf(ArchiveMismatchException.class)
          .hasMessageContaining("cluster 42");
      assertThatThrownBy(() -> archive.createArchive(42L, WalSegmentSize.ofMegabytes(2)))
          .isInstanceOf(ArchiveMismatchException.class);
      archive.push(SyntheticWal.writeSegment(dir, 42L, 1, 1, SIZE, 7L));
      assertThat(archive.inventory().entries()).hasSize(1);
    }
  }
}
