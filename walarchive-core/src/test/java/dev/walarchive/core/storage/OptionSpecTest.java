package dev.walarchive.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.OptionSpec.Type;
import dev.walarchive.core.storage.spi.StorageOptions;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Options described as data, and what is derived from the description. */
class OptionSpecTest {
  private static final List<OptionSpec> ACME =
      List.of(
          OptionSpec.of("acme.bucket-name", Type.STRING, "none", "the bucket"),
          OptionSpec.of("acme.timeout", Type.DURATION, "`20s`", "per request"),
          OptionSpec.secret("acme.api-key", Type.STRING, "none", "the key"));

  @Test
  void theEnvironmentVariableUrlParameterAndPrefixComeFromTheName() {
    OptionSpec spec = ACME.get(0);
    assertThat(spec.environmentVariable()).isEqualTo("WALARCHIVE_ACME_BUCKET_NAME");
    assertThat(spec.urlParameter()).isEqualTo("bucket-name");
    assertThat(spec.prefix()).isEqualTo("acme.");
    assertThat(OptionSpec.of("s3.path-style", Type.BOOLEAN, "", "").environmentVariable())
        .isEqualTo("WALARCHIVE_S3_PATH_STYLE");
    assertThat(ACME.get(2).toString()).isEqualTo("acme.api-key (string, secret)");
  }

  @Test
  void namesMustBeAPrefixADotAndALowercaseName() {
    for (String bad :
        List.of("region", "S3.region", "s3.Region", "s3.", ".region", "s3.path_style", "s3.a--b")) {
      assertThatThrownBy(() -> OptionSpec.of(bad, Type.STRING, "", ""))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void environmentVariablesAreReadForEveryDescribedOption() {
    Map<String, String> env =
        Map.of(
            "WALARCHIVE_ACME_BUCKET_NAME", "b1",
            "WALARCHIVE_ACME_API_KEY", "secret-value",
            "WALARCHIVE_URL", "acme://x",
            "PATH", "/bin");
    assertThat(ArchiveStorages.fromEnvironment(env, ACME))
        .containsExactly(
            Map.entry("acme.api-key", "secret-value"), Map.entry("acme.bucket-name", "b1"));
  }

  @Test
  void aMisspeltVariableOfABackendIsAnErrorNamingTheClosestOneAndNoValue() {
    assertThatThrownBy(
            () ->
                ArchiveStorages.fromEnvironment(
                    Map.of("WALARCHIVE_ACME_BUCKT_NAME", "secret-value"), ACME))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "environment variable WALARCHIVE_ACME_BUCKT_NAME is not a storage option; did you mean"
                + " WALARCHIVE_ACME_BUCKET_NAME? (unset it, or see the backend's options)")
        .hasMessageNotContaining("secret-value");
  }

  @Test
  void collectTakesPrefixNamesAndSecretsFromTheSpecs() {
    assertThat(
            StorageOptions.collect(
                URI.create("acme://b/p?timeout=5s"), Map.of("acme.bucket-name", "b"), ACME))
        .containsExactly(Map.entry("acme.bucket-name", "b"), Map.entry("acme.timeout", "5s"));
    assertThatThrownBy(
            () -> StorageOptions.collect(URI.create("acme://b/p?api-key=k"), Map.of(), ACME))
        .hasMessageContaining("secret parameter 'api-key'")
        .hasMessageContaining("set it as option acme.api-key instead")
        .hasMessageNotContaining("WALARCHIVE_");
    assertThatThrownBy(
            () ->
                StorageOptions.collect(
                    URI.create("acme://b/p"),
                    Map.of(),
                    List.of(ACME.get(0), OptionSpec.of("other.x", Type.STRING, "", ""))))
        .hasMessageContaining("other.x does not start with acme.");
  }

  @Test
  void collectChecksTypedValuesAgainstTheOneGrammar() {
    assertThatThrownBy(
            () -> StorageOptions.collect(URI.create("acme://b/p?timeout=5min"), Map.of(), ACME))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid acme.timeout '5min': expected a whole number with ms");
    assertThat(StorageOptions.collect(URI.create("acme://b/p?timeout=1w"), Map.of(), ACME))
        .containsEntry("acme.timeout", "1w");
  }

  @Test
  void aProviderThatDescribesItsOptionsNamesThemAndOneThatOnlyNamesThemStillWorks() {
    ArchiveStorageProvider described =
        new ArchiveStorageProvider() {
          @Override
          public String scheme() {
            return "acme";
          }

          @Override
          public ArchiveStorage open(URI url, Map<String, String> options) {
            throw new UnsupportedOperationException();
          }

          @Override
          public List<OptionSpec> options() {
            return ACME;
          }
        };
    assertThat(described.optionNames())
        .containsExactly("acme.bucket-name", "acme.timeout", "acme.api-key");
    ArchiveStorageProvider named =
        new ArchiveStorageProvider() {
          @Override
          public String scheme() {
            return "old";
          }

          @Override
          public ArchiveStorage open(URI url, Map<String, String> options) {
            throw new UnsupportedOperationException();
          }

          @Override
          public Set<String> optionNames() {
            return Set.of("old.region");
          }
        };
    assertThat(named.options()).isEmpty();
    assertThat(named.optionNames()).containsExactly("old.region");
  }

  @Test
  void coreAloneDescribesNoOptionsAndReadsNoneFromTheEnvironment() {
    assertThat(ArchiveStorages.options()).isEmpty();
    assertThat(ArchiveStorages.optionsFromEnvironment(Map.of("WALARCHIVE_S3_REGION", "x")))
        .isEmpty();
  }
}
