package dev.walarchive.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionTables;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The README's option table and the documented defaults come from the option descriptions. */
class S3OptionsDocumentationTest {
  @Test
  void theReadmeTableIsMadeFromTheOptionDescriptions() {
    OptionTables.assertReadmeMatches(S3Options.SPECS);
  }

  @Test
  void theDocumentedDefaultsAreTheRealDefaults() {
    OptionTables.assertDocumentedDefaultsAreTheDefaults(
        S3Options.SPECS,
        options -> S3StorageConfig.fromUrl(URI.create("s3://bucket/prefix"), options));
  }

  @Test
  void theProviderDescribesEveryOptionItAcceptsAndEachHasAnEnvironmentVariable() {
    var provider = new S3StorageProvider();
    assertThat(provider.options()).isEqualTo(S3Options.SPECS);
    assertThat(provider.optionNames())
        .containsExactlyElementsOf(S3Options.SPECS.stream().map(OptionSpec::name).toList());
    assertThat(S3Options.SPECS)
        .allSatisfy(
            s ->
                assertThat(s.environmentVariable())
                    .startsWith("WALARCHIVE_" + "s3".toUpperCase(java.util.Locale.ROOT) + "_"));
  }
}
