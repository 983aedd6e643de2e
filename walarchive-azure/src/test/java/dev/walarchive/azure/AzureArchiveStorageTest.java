package dev.walarchive.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The storage contract against Azurite, objects up to 32 MiB in one request. */
class AzureArchiveStorageTest extends AbstractArchiveStorageTest {
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

  private final RefusingPolicy refusing = new RefusingPolicy();

  @Override
  protected boolean translatesStoreErrors() {
    return true;
  }

  @Override
  protected int deleteBatchSize() {
    return AzureArchiveStorage.BATCH_SIZE;
  }

  @Override
  protected boolean refuseNextDeleteRequest() {
    refusing.refuseBatches(1);
    return true;
  }

  /**
   * Each storage gets a fresh prefix; small listing pages so that listings span several. The client
   * is the one {@link AzureStorages} builds, plus a policy that can refuse batch requests.
   */
  @Override
  protected ArchiveStorage createStorage() {
    AzureStorageConfig config = azurite.config("t/" + UUID.randomUUID());
    return new AzureArchiveStorage(
        () ->
            new com.azure.storage.blob.BlobContainerClientBuilder()
                .endpoint(azurite.endpoint())
                .credential(
                    new com.azure.storage.common.StorageSharedKeyCredential(
                        AzuriteServer.ACCOUNT, AzuriteServer.ACCOUNT_KEY))
                .httpClient(new com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder().build())
                .addPolicy(refusing)
                .containerName(AzuriteServer.CONTAINER)
                .buildClient(),
        config.prefix(),
        config,
        250,
        new AzureExceptions(config.location(), AzureExceptions.secretsOf(config)));
  }

  @Test
  void aRefusedBatchKeepsTheServicesStatusAndRequestId() throws Exception {
    storage.create("r/1", bytes("1"), Map.of());
    refusing.refuseBatches(1);
    assertThatThrownBy(() -> storage.delete(java.util.List.of("r/1")))
        .isInstanceOfSatisfying(
            dev.walarchive.core.storage.BatchDeleteException.class,
            e -> {
              assertThat(e.statusCode()).hasValue(403);
              assertThat(e.requestId()).hasValue(RefusingPolicy.REQUEST_ID);
              assertThat(e.getCause()).hasMessageContaining(RefusingPolicy.REQUEST_ID);
            });
    storage.delete(java.util.List.of("r/1"));
    assertThat(listKeys("r/")).isEmpty();
  }

  @Test
  void smallObjectsTakeOneRequest() throws Exception {
    storage.create("one", bytes("x"), Map.of());
    assertThat(
            azurite
                .containerClient()
                .getBlobClient(((AzureArchiveStorage) storage).blobName("one"))
                .getBlockBlobClient()
                .listBlocks(com.azure.storage.blob.models.BlockListType.ALL)
                .getCommittedBlocks())
        .isEmpty();
  }

  @Test
  public void aRefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted() throws Exception {
    checkARefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted();
  }
}
