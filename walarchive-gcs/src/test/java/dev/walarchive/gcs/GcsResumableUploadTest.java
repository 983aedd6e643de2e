package dev.walarchive.gcs;

import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The storage contract with the smallest upload chunk size (256 KiB), so that the large object and
 * every object above 256 KiB go through resumable uploads in many chunks.
 */
class GcsResumableUploadTest extends AbstractArchiveStorageTest {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  static FakeGcsServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeGcsServer.start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected ArchiveStorage createStorage() {
    GcsStorageConfig config =
        GcsStorageConfig.fromUrl(
                java.net.URI.create(server.url("resumable-" + PREFIXES.incrementAndGet())),
                server.options())
            .toBuilder()
            .setUploadChunkSize(GcsStorageConfig.CHUNK_GRANULARITY)
            .build();
    return GcsStorages.create(config);
  }

  /** Twelve full chunks and a partial one. */
  @Override
  protected int largeObjectSize() {
    return 12 * GcsStorageConfig.CHUNK_GRANULARITY + 4097;
  }

  /** Paging is covered by {@link GcsArchiveStorageTest}; this variant is about uploads. */
  @Override
  protected int manyObjectsCount() {
    return 150;
  }
}
