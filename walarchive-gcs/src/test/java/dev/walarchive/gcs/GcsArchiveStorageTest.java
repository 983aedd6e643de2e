package dev.walarchive.gcs;

import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The storage contract through the real client against {@link FakeGcsServer}. */
class GcsArchiveStorageTest extends AbstractArchiveStorageTest {
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
  protected boolean translatesStoreErrors() {
    return true;
  }

  @Override
  protected int deleteBatchSize() {
    return GcsArchiveStorage.DELETE_BATCH_SIZE;
  }

  @Override
  protected boolean refuseNextDeleteRequest() {
    server.failNext("POST", "/batch", 403, 1);
    return true;
  }

  @Override
  protected ArchiveStorage createStorage() throws Exception {
    return ArchiveStorages.open(
        server.url("contract-" + PREFIXES.incrementAndGet()), server.options());
  }

  @Test
  public void aRefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted() throws Exception {
    checkARefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted();
  }
}
