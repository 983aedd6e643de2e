package dev.walarchive.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The storage contract against Azurite with every non-empty object uploaded in blocks of 64 KiB
 * (single upload threshold 0), so that Put Block / Put Block List carry the whole suite.
 */
class AzureArchiveStorageBlocksTest extends AbstractArchiveStorageTest {
  static final int BLOCK = 64 * 1024;
  static AzuriteServer azurite;

  @BeforeAll
  static void startAzurite() throws Exception {
    azurite = AzuriteServer.start();
  }

  @AfterAll
  static void stopAzurite() {
    if (azurite != null) {
      azurite.close();
    }
  }

  @Override
  protected ArchiveStorage createStorage() {
    AzureStorageConfig config =
        azurite.config("b/" + UUID.randomUUID()).toBuilder()
            .blockSize(BLOCK)
            .singleUploadThreshold(0)
            .build();
    return new AzureArchiveStorage(
        () -> AzureStorages.buildClient(config),
        config.prefix(),
        config,
        250,
        new AzureExceptions(config.location(), AzureExceptions.secretsOf(config)));
  }

  /**
   * Fewer objects than the default: each takes two requests here, and listing and deleting do not
   * depend on how objects were uploaded. Still more than one listing page (250).
   */
  @Override
  protected int manyObjectsCount() {
    return 300;
  }

  private BlockList blocks(String key) {
    return azurite
        .containerClient()
        .getBlobClient(((AzureArchiveStorage) storage).blobName(key))
        .getBlockBlobClient()
        .listBlocks(BlockListType.ALL);
  }

  @Test
  void largeObjectIsCommittedInBlocksOfTheConfiguredSize() throws Exception {
    byte[] data = new byte[5 * BLOCK + 123];
    new Random(7).nextBytes(data);
    storage.create("blocks", ObjectSource.ofBytes(data), Map.of("digest", "d"));
    BlockList list = blocks("blocks");
    assertThat(list.getCommittedBlocks())
        .extracting(Block::getSizeLong)
        .containsExactly(
            (long) BLOCK, (long) BLOCK, (long) BLOCK, (long) BLOCK, (long) BLOCK, 123L);
    assertThat(list.getUncommittedBlocks()).isEmpty();
    try (InputStream in = storage.open("blocks")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(storage.stat("blocks").metadata()).containsEntry("digest", "d");
  }

  @Test
  void contentLongerThanDeclaredIsNotStored() {
    ObjectSource lying =
        new ObjectSource() {
          @Override
          public long length() {
            return 2 * BLOCK;
          }

          @Override
          public InputStream openStream() {
            return new ByteArrayInputStream(new byte[2 * BLOCK + 1]);
          }
        };
    assertThatThrownBy(() -> storage.create("longer", lying, Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer");
    assertThatThrownBy(() -> storage.open("longer")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void contentEndingEarlyInALaterBlockIsNotStored() {
    ObjectSource lying =
        new ObjectSource() {
          @Override
          public long length() {
            return 3 * BLOCK;
          }

          @Override
          public InputStream openStream() {
            return new SequenceInputStream(
                new ByteArrayInputStream(new byte[BLOCK]),
                new ByteArrayInputStream(new byte[BLOCK / 2]));
          }
        };
    assertThatThrownBy(() -> storage.create("short", lying, Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("short");
    assertThatThrownBy(() -> storage.stat("short")).isInstanceOf(NoSuchFileException.class);
  }

  /**
   * Writers of one key stage their blocks at the same time; block ids are unique per upload, so the
   * winner's blob holds exactly its own bytes, never a mix.
   */
  @Test
  void concurrentBlockUploadsOfOneKeyNeverMixContent() throws Exception {
    int threads = 4;
    List<byte[]> contents = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      byte[] data = new byte[4 * BLOCK + 1];
      new Random(t).nextBytes(data);
      contents.add(data);
    }
    CyclicBarrier barrier = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int writer = t;
        results.add(
            pool.submit(
                () -> {
                  barrier.await(30, TimeUnit.SECONDS);
                  try {
                    storage.create("mixed", ObjectSource.ofBytes(contents.get(writer)), Map.of());
                    return writer;
                  } catch (FileAlreadyExistsException e) {
                    return -1;
                  }
                }));
      }
      List<Integer> winners = new ArrayList<>();
      for (Future<Integer> f : results) {
        int w = f.get(120, TimeUnit.SECONDS);
        if (w >= 0) {
          winners.add(w);
        }
      }
      assertThat(winners).hasSize(1);
      byte[] stored;
      try (InputStream in = storage.open("mixed")) {
        stored = in.readAllBytes();
      }
      int writerOfStored = -1;
      for (int t = 0; t < threads; t++) {
        if (java.util.Arrays.equals(stored, contents.get(t))) {
          writerOfStored = t;
        }
      }
      assertThat(writerOfStored)
          .as("writer whose bytes are stored (-1: a mix)")
          .isEqualTo(winners.get(0));
    } finally {
      pool.shutdownNow();
    }
  }
}
