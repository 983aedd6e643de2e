package dev.walarchive.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionTables;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The README's option table and the documented defaults come from the option descriptions. */
class GcsOptionsDocumentationTest {
  @Test
  void theReadmeTableIsMadeFromTheOptionDescriptions() {
    OptionTables.assertReadmeMatches(GcsStorageConfig.OPTIONS);
  }

  @Test
  void theDocumentedDefaultsAreTheRealDefaults() {
    OptionTables.assertDocumentedDefaultsAreTheDefaults(
        GcsStorageConfig.OPTIONS,
        options -> GcsStorageConfig.fromUrl(URI.create("gs://bkt/prefix"), options));
  }

  @Test
  void theProviderDescribesEveryOptionItAcceptsAndEachHasAnEnvironmentVariable() {
    var provider = new GcsStorageProvider();
    assertThat(provider.options()).isEqualTo(GcsStorageConfig.OPTIONS);
    assertThat(provider.optionNames())
        .containsExactlyElementsOf(
            GcsStorageConfig.OPTIONS.stream().map(OptionSpec::name).toList());
    assertThat(GcsStorageConfig.OPTIONS)
        .allSatisfy(
            s ->
                assertThat(s.environmentVariable())
                    .startsWith("WALARCHIVE_" + "gcs".toUpperCase(java.util.Locale.ROOT) + "_"));
  }
}
