package dev.walarchive.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionTables;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The README's option table and the documented defaults come from the option descriptions. */
class AzureOptionsDocumentationTest {
  @Test
  void theReadmeTableIsMadeFromTheOptionDescriptions() {
    OptionTables.assertReadmeMatches(AzureStorageConfig.SPECS);
  }

  @Test
  void theDocumentedDefaultsAreTheRealDefaults() {
    OptionTables.assertDocumentedDefaultsAreTheDefaults(
        AzureStorageConfig.SPECS,
        options -> AzureStorageConfig.fromUrl(URI.create("az://acct/wal/prefix"), options));
  }

  @Test
  void theProviderDescribesEveryOptionItAcceptsAndEachHasAnEnvironmentVariable() {
    var provider = new AzureStorageProvider();
    assertThat(provider.options()).isEqualTo(AzureStorageConfig.SPECS);
    assertThat(provider.optionNames())
        .containsExactlyElementsOf(
            AzureStorageConfig.SPECS.stream().map(OptionSpec::name).toList());
    assertThat(AzureStorageConfig.SPECS)
        .allSatisfy(
            s ->
                assertThat(s.environmentVariable())
                    .startsWith("WALARCHIVE_" + "azure".toUpperCase(java.util.Locale.ROOT) + "_"));
  }
}
