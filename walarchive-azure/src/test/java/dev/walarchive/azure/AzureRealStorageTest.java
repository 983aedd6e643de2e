package dev.walarchive.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.models.AccessTier;
import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectIterator;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The storage contract against a real Azure storage account. Opt-in: runs only with {@code mvn
 * verify -pl walarchive-azure -am -Pazure-it} and these environment variables:
 *
 * <ul>
 *   <li>{@code WALARCHIVE_IT_AZURE_ACCOUNT}, {@code WALARCHIVE_IT_AZURE_CONTAINER}: an existing
 *       container the tests may write to; each test works below {@code walarchive-it/<uuid>/} and
 *       removes what it wrote
 *   <li>one credential, named as for the CLI: {@code WALARCHIVE_AZURE_ACCOUNT_KEY}, {@code
 *       WALARCHIVE_AZURE_SAS_TOKEN} (permissions racwdl) or {@code
 *       WALARCHIVE_AZURE_CONNECTION_STRING}; any other {@code WALARCHIVE_AZURE_*} variable is
 *       passed as its option too (e.g. {@code WALARCHIVE_AZURE_ENDPOINT})
 * </ul>
 */
@Tag("azure-it")
class AzureRealStorageTest extends AbstractArchiveStorageTest {
  private AzureStorageConfig config;

  static Map<String, String> optionsFromEnvironment() {
    Map<String, String> options = new TreeMap<>();
    System.getenv()
        .forEach(
            (name, value) -> {
              if (name.startsWith("WALARCHIVE_AZURE_")) {
                String rest = name.substring("WALARCHIVE_".length()).toLowerCase(Locale.ROOT);
                int underscore = rest.indexOf('_');
                options.put(
                    rest.substring(0, underscore)
                        + "."
                        + rest.substring(underscore + 1).replace('_', '-'),
                    value);
              }
            });
    return options;
  }

  private static String required(String name) {
    String value = System.getenv(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          name
              + " is not set; the azure-it profile needs WALARCHIVE_IT_AZURE_ACCOUNT,"
              + " WALARCHIVE_IT_AZURE_CONTAINER and a credential (WALARCHIVE_AZURE_ACCOUNT_KEY,"
              + " _SAS_TOKEN or _CONNECTION_STRING); see AzureRealStorageTest");
    }
    return value;
  }

  @Override
  protected ArchiveStorage createStorage() {
    URI url =
        URI.create(
            "az://"
                + required("WALARCHIVE_IT_AZURE_ACCOUNT")
                + "/"
                + required("WALARCHIVE_IT_AZURE_CONTAINER")
                + "/walarchive-it/"
                + UUID.randomUUID());
    config = AzureStorageConfig.fromUrl(url, optionsFromEnvironment());
    return AzureStorages.create(config);
  }

  /** Fewer objects than on Azurite: each create is a round trip to the cloud. */
  @Override
  protected int manyObjectsCount() {
    return 300;
  }

  @AfterEach
  void removeWhatTheTestWrote() throws Exception {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list("");
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    storage.delete(keys);
  }

  @Test
  void theAccessTierIsApplied() throws Exception {
    storage.close();
    storage = AzureStorages.create(config.toBuilder().accessTier("Cool").build());
    storage.create("tiered", bytes("x"), Map.of());
    try (ArchiveStorage probe = AzureStorages.create(config)) {
      assertThat(probe.stat("tiered").size()).isEqualTo(1);
    }
    assertThat(
            AzureStorages.buildClient(config)
                .getBlobClient(config.prefix() + "tiered")
                .getProperties()
                .getAccessTier())
        .isEqualTo(AccessTier.COOL);
  }

  @Test
  void theConditionalCreateProbePasses() throws Exception {
    assertThat(storage.initializeArchive()).isEmpty();
  }
}
