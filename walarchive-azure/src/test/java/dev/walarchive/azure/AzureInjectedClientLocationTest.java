package dev.walarchive.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import dev.walarchive.core.storage.ArchiveStorage;
import org.junit.jupiter.api.Test;

/** create(client, prefix, config): the client and prefix are the location; config may agree. */
class AzureInjectedClientLocationTest {
  private static BlobContainerClient client() {
    return new BlobContainerClientBuilder()
        .endpoint("https://acct.blob.core.windows.net")
        .containerName("wal")
        .buildClient();
  }

  @Test
  void aConfigWithoutOrWithTheSameLocationIsAccepted() throws Exception {
    try (ArchiveStorage s =
        AzureStorages.create(client(), "db1", AzureStorageConfig.builder().build())) {
      assertThat(s.toString()).contains("acct").contains("wal").contains("db1");
    }
    AzureStorageConfig same =
        AzureStorageConfig.builder().account("acct").container("wal").prefix("db1/").build();
    try (ArchiveStorage s = AzureStorages.create(client(), "/db1", same)) {
      assertThat(s.toString()).contains("db1");
    }
  }

  @Test
  void aConfigNamingAnotherAccountContainerOrPrefixIsRefused() {
    for (AzureStorageConfig other :
        new AzureStorageConfig[] {
          AzureStorageConfig.builder().account("other").container("wal").prefix("db1").build(),
          AzureStorageConfig.builder().account("acct").container("logs").prefix("db1").build(),
          AzureStorageConfig.builder().account("acct").container("wal").prefix("db2").build(),
          AzureStorageConfig.builder().container("wal").build()
        }) {
      assertThatThrownBy(() -> AzureStorages.create(client(), "db1", other))
          .as(other.toString())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("pass one location");
    }
  }
}
