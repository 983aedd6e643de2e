package dev.walarchive.azure;

import static dev.walarchive.core.testing.Properties.anyString;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.Properties;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class AzureStorageConfigTest {
  private static final String KEY =
      Base64.getEncoder().encodeToString("not-a-real-account-key-0123456789".getBytes());

  private static final String LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

  static Gen<String> accounts() {
    return stringsOf(LOWER_ALNUM, 3, 24);
  }

  static Gen<String> containers() {
    return listsOf(stringsOf(LOWER_ALNUM, 1, 8), 1, 4)
        .map(parts -> String.join("-", parts))
        .assuming(s -> s.length() >= 3 && s.length() <= 63);
  }

  static Gen<String> prefixes() {
    Gen<String> segment =
        stringsOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", 1, 10)
            .assuming(s -> !s.equals(".") && !s.equals(".."));
    return listsOf(segment, 0, 4).map(parts -> String.join("/", parts));
  }

  static Gen<String> secrets() {
    return stringsOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 16, 64);
  }

  /** Any string, or a near miss of a valid name: too short or long, a bad character inserted. */
  private static Gen<String> nearMissNames(Gen<String> valid) {
    Gen<String> inserted =
        valid.zip(
            Properties.oneOf("A", "-", "_", ".", " ", "/", "\u00e9", "--", "Z"),
            integers().between(0, 100),
            (name, bad, at) -> {
              int i = at % (name.length() + 1);
              return name.substring(0, i) + bad + name.substring(i);
            });
    Gen<String> lengths = Properties.oneOf(2, 25, 64, 65, 1, 0).map(n -> "a".repeat(n));
    return Generate.oneOf(anyString(64), inserted, lengths);
  }

  static Gen<String> notAccountNames() {
    return nearMissNames(accounts()).assuming(name -> !name.matches("[a-z0-9]{3,24}"));
  }

  static Gen<String> notContainerNames() {
    return nearMissNames(containers())
        .assuming(
            name ->
                !(name.length() >= 3
                    && name.length() <= 63
                    && name.matches("[a-z0-9]+(-[a-z0-9]+)*")));
  }

  @Test
  void bothUrlFormsParseToTheSameConfiguration() {
    qt().withExamples(1000)
        .forAll(accounts(), containers(), prefixes(), Generate.booleans())
        .checkAssert(
            (account, container, prefix, trailingSlash) -> {
              String path =
                  "/"
                      + container
                      + (prefix.isEmpty() ? "" : "/" + prefix)
                      + (trailingSlash ? "/" : "");
              Map<String, String> options = Map.of("azure.account-key", KEY);
              AzureStorageConfig az =
                  AzureStorageConfig.fromUrl(URI.create("az://" + account + path), options);
              AzureStorageConfig https =
                  AzureStorageConfig.fromUrl(
                      URI.create("https://" + account + ".blob.core.windows.net" + path), options);
              assertThat(https).isEqualTo(az);
              assertThat(az.account()).contains(account);
              assertThat(az.container()).contains(container);
              assertThat(az.prefix()).isEqualTo(prefix.isEmpty() ? "" : prefix + "/");
              assertThat(az.effectiveEndpoint())
                  .isEqualTo("https://" + account + ".blob.core.windows.net");
              assertThat(az.location())
                  .isEqualTo(
                      "az://" + account + "/" + container + (prefix.isEmpty() ? "" : "/" + prefix));
            });
  }

  @Test
  void accountNamesOutsideTheRuleAreRejectedByName() {
    qt().withExamples(1000)
        .forAll(notAccountNames())
        .checkAssert(
            name -> {
              assertThatThrownBy(() -> AzureStorageConfig.builder().account(name))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("'" + name + "'");
            });
  }

  @Test
  void containerNamesOutsideTheRuleAreRejectedByName() {
    qt().withExamples(1000)
        .forAll(notContainerNames())
        .checkAssert(
            name -> {
              assertThatThrownBy(() -> AzureStorageConfig.builder().container(name))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("'" + name + "'");
            });
  }

  @Test
  void sizesAndTimeoutsFollowTheSharedSyntax() {
    qt().withExamples(1000)
        .forAll(intsBetween(64, 256 * 1024), intsBetween(1, 3600))
        .checkAssert(
            (blockKiB, seconds) -> {
              for (String size :
                  List.of(blockKiB + "k", blockKiB + "KiB", Long.toString(blockKiB * 1024L))) {
                for (String timeout :
                    List.of(seconds + "s", seconds * 1000L + "ms", "PT" + seconds + "S")) {
                  AzureStorageConfig config =
                      AzureStorageConfig.fromUrl(
                          URI.create("az://acct/wal"),
                          Map.of("azure.block-size", size, "azure.timeout", timeout));
                  assertThat(config.blockSize()).isEqualTo(blockKiB * 1024L);
                  assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(seconds));
                }
              }
            });
  }

  @Test
  void nearMissesOfTheSharedSyntaxAreRejectedNamingTheOption() {
    Map<String, String> bad =
        Map.of(
            "azure.block-size", "8 MiB",
            "azure.single-upload-threshold", "16MB",
            "azure.timeout", "10 s");
    bad.forEach(
        (option, value) ->
            assertThatThrownBy(
                    () ->
                        AzureStorageConfig.fromUrl(
                            URI.create("az://acct/wal"), Map.of(option, value)))
                .as(option)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option)
                .hasMessageContaining("'" + value + "'"));
  }

  @Test
  void aSettingGivenInTheUrlAndAsAnOptionMustAgree() {
    URI url = URI.create("az://acct/wal/db?max-attempts=7");
    assertThat(AzureStorageConfig.fromUrl(url, Map.of("azure.max-attempts", "7")).maxAttempts())
        .isEqualTo(7);
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(url, Map.of("azure.max-attempts", "3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("azure.max-attempts")
        .hasMessageContaining("one place");
  }

  @Test
  void optionsAndUrlParametersTakeTheirValues() {
    Gen<int[]> sizes =
        intsBetween(64, 1024)
            .zip(intsBetween(0, 256), (block, threshold) -> new int[] {block, threshold});
    qt().withExamples(1000)
        .forAll(intsBetween(1, 20), intsBetween(1, 3600), sizes, tiers())
        .checkAssert(
            (attempts, seconds, blockAndThreshold, tier) ->
                optionsAndUrlParametersTakeTheirValues(
                    attempts, seconds, blockAndThreshold[0], blockAndThreshold[1], tier));
  }

  private static void optionsAndUrlParametersTakeTheirValues(
      int attempts, int seconds, int blockKiB, int thresholdMiB, String tier) {
    AzureStorageConfig config =
        AzureStorageConfig.fromUrl(
            URI.create("az://acct/wal/db?encryption-scope=s1"),
            Map.of(
                "azure.max-attempts",
                Integer.toString(attempts),
                "azure.timeout",
                seconds + "s",
                "azure.block-size",
                blockKiB + "KiB",
                "azure.single-upload-threshold",
                thresholdMiB + "MiB",
                "azure.access-tier",
                tier,
                "azure.sas-token",
                "?sv=2024-01-01&sig=abc%2Bdef",
                "s3.region",
                "ignored-by-azure"));
    assertThat(config.maxAttempts()).isEqualTo(attempts);
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(seconds));
    assertThat(config.blockSize()).isEqualTo(blockKiB * 1024L);
    assertThat(config.singleUploadThreshold()).isEqualTo(thresholdMiB * 1024L * 1024L);
    assertThat(config.accessTier().orElseThrow()).isEqualToIgnoringCase(tier.strip());
    assertThat(config.encryptionScope()).contains("s1");
    assertThat(config.credentialKind()).isEqualTo("sas-token");
    assertThat(config.sasToken()).isEqualTo("sv=2024-01-01&sig=abc%2Bdef");
  }

  static Gen<String> tiers() {
    return Properties.oneOf("Hot", "cool", "COLD", " Cool ");
  }

  @Test
  void secretsNeverAppearInToStringOrMessages() {
    qt().withExamples(1000)
        .forAll(secrets(), accounts())
        .checkAssert(
            (secret, account) -> {
              String key = Base64.getEncoder().encodeToString(secret.getBytes());
              AzureStorageConfig withKey =
                  AzureStorageConfig.fromUrl(
                      URI.create("az://" + account + "/wal/p"), Map.of("azure.account-key", key));
              assertThat(withKey.toString()).doesNotContain(key).contains("credential=account-key");

              String sas = "sv=2024-01-01&sp=racwdl&sig=" + secret;
              AzureStorageConfig withSas =
                  AzureStorageConfig.fromUrl(
                      URI.create("az://" + account + "/wal/p"), Map.of("azure.sas-token", sas));
              assertThat(withSas.toString())
                  .doesNotContain(secret)
                  .contains("credential=sas-token");

              String connection =
                  "DefaultEndpointsProtocol=https;AccountName=other1;AccountKey=" + key;
              AzureStorageConfig withConnection =
                  AzureStorageConfig.fromUrl(
                      URI.create("az://other1/wal/p"),
                      Map.of("azure.connection-string", connection));
              assertThat(withConnection.toString()).doesNotContain(key).doesNotContain(connection);

              Map<String, Map<String, String>> failing = new HashMap<>();
              failing.put("not base64 key", Map.of("azure.account-key", secret + "!"));
              failing.put("sas without sig", Map.of("azure.sas-token", "sv=1&se=" + secret));
              failing.put("malformed connection string", Map.of("azure.connection-string", secret));
              failing.put(
                  "two credentials", Map.of("azure.account-key", key, "azure.sas-token", sas));
              failing.put(
                  "connection string for another account",
                  Map.of(
                      "azure.connection-string",
                      "AccountName=zz" + account + ";AccountKey=" + key));
              for (Map.Entry<String, Map<String, String>> f : failing.entrySet()) {
                assertThatThrownBy(
                        () ->
                            AzureStorageConfig.fromUrl(
                                URI.create("az://" + account + "/wal"), f.getValue()))
                    .as(f.getKey())
                    .isInstanceOf(IllegalArgumentException.class)
                    .message()
                    .doesNotContain(secret)
                    .doesNotContain(key);
              }
              assertThatThrownBy(
                      () ->
                          AzureStorageConfig.fromUrl(
                              URI.create(
                                  "https://" + account + ".blob.core.windows.net/wal?" + sas),
                              Map.of()))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("azure.sas-token")
                  .message()
                  .doesNotContain(secret);
            });
  }

  @Test
  void secretOptionsAreRefusedInTheUrl() {
    for (String name : new String[] {"account-key", "sas-token", "connection-string"}) {
      assertThatThrownBy(
              () ->
                  AzureStorageConfig.fromUrl(
                      URI.create("az://acct/wal?" + name + "=s3cr3t"), Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("azure." + name)
          .message()
          .doesNotContain("s3cr3t");
    }
  }

  @Test
  void badUrlsAreRejectedWithAHint() {
    Map<String, String> o = Map.of("azure.account-key", KEY);
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("az://acct"), o))
        .hasMessageContaining("no container");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("az://acct/Wal"), o))
        .hasMessageContaining("'Wal'");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("az://acct/wal/a//b"), o))
        .hasMessageContaining("a//b");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("az://acct/wal/../x"), o))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("az://user@acct/wal"), o))
        .hasMessageContaining("credentials do not belong in the URL")
        .message()
        .doesNotContain("user@");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("az://acct:443/wal"), o))
        .hasMessageContaining("storage account name");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("https://example.com/wal/x"), o))
        .hasMessageContaining("az://account/container/prefix");
    assertThatThrownBy(
            () ->
                AzureStorageConfig.fromUrl(
                    URI.create("https://a.b.blob.core.windows.net/wal/x"), o))
        .hasMessageContaining("public Azure blob endpoint");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(URI.create("az://acct/wal?tier=Hot"), o))
        .hasMessageContaining("unknown parameter 'tier'")
        .hasMessageContaining("access-tier");
    assertThatThrownBy(
            () ->
                AzureStorageConfig.fromUrl(
                    URI.create("az://acct/wal"), Map.of("azure.acess-tier", "Hot")))
        .hasMessageContaining("unknown option 'azure.acess-tier'");
    assertThatThrownBy(
            () ->
                AzureStorageConfig.fromUrl(
                    URI.create("https://acct.blob.core.windows.net/wal"),
                    Map.of("azure.endpoint", "http://127.0.0.1:1/acct")))
        .hasMessageContaining("cannot be combined");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> AzureStorageConfig.builder().accessTier("Archive"))
        .hasMessageContaining("rehydration");
    assertThatThrownBy(() -> AzureStorageConfig.builder().accessTier("Premium"))
        .hasMessageContaining("'Premium'");
    assertThatThrownBy(() -> AzureStorageConfig.builder().blockSize(1000))
        .hasMessageContaining("1000");
    assertThatThrownBy(() -> AzureStorageConfig.builder().singleUploadThreshold(-1))
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> AzureStorageConfig.builder().maxAttempts(0)).hasMessageContaining("0");
    assertThatThrownBy(() -> AzureStorageConfig.builder().timeout(Duration.ofMillis(10)))
        .hasMessageContaining("PT0.01S");
    URI url = URI.create("az://acct/wal");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(url, Map.of("azure.block-size", "8 MB/s")))
        .hasMessageContaining("azure.block-size")
        .hasMessageContaining("'8 MB/s'");
    assertThatThrownBy(() -> AzureStorageConfig.fromUrl(url, Map.of("azure.timeout", "30")))
        .hasMessageContaining("'30'")
        .hasMessageContaining("30s");
    assertThatThrownBy(() -> AzureStorageConfig.builder().endpoint(URI.create("ftp://host/x")))
        .hasMessageContaining("ftp://host/x");
    assertThatThrownBy(
            () -> AzureStorageConfig.builder().endpoint(URI.create("https://host/x?sig=s3cr3t")))
        .message()
        .doesNotContain("s3cr3t");
  }

  @Test
  void defaultsAreAsDocumented() {
    AzureStorageConfig config =
        AzureStorageConfig.builder().account("acct").container("wal").build();
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.maxAttempts()).isEqualTo(4);
    assertThat(config.blockSize()).isEqualTo(8L << 20);
    assertThat(config.singleUploadThreshold()).isEqualTo(32L << 20);
    assertThat(config.prefix()).isEmpty();
    assertThat(config.credentialKind()).isEqualTo("none");
    assertThat(config.accessTier()).isEmpty();
    assertThat(config.encryptionScope()).isEmpty();
  }

  @Test
  void theEndpointOptionKeepsItsPathWithoutTrailingSlash() {
    AzureStorageConfig config =
        AzureStorageConfig.fromUrl(
            URI.create("az://devstoreaccount1/wal/x"),
            Map.of(
                "azure.endpoint",
                "http://127.0.0.1:10000/devstoreaccount1/",
                "azure.account-key",
                KEY));
    assertThat(config.effectiveEndpoint()).isEqualTo("http://127.0.0.1:10000/devstoreaccount1");
  }

  @Test
  void withoutACredentialCreatingAStorageSaysWhatToDo() {
    assertThatThrownBy(() -> ArchiveStorages.open("az://acct/wal/db1", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("azure.account-key")
        .hasMessageContaining("AzureStorages.create(client, prefix, config)");
  }

  @Test
  void bothUrlFormsOpenThroughTheServiceLoaderWithoutNetworkIo() throws Exception {
    Map<String, String> options = Map.of("azure.account-key", KEY, "azure.max-attempts", "1");
    try (var https = ArchiveStorages.open("https://acct.blob.core.windows.net/wal/db1", options);
        var az = ArchiveStorages.open("az://acct/wal/db1", options)) {
      assertThat(https).hasToString("az://acct/wal/db1");
      assertThat(az).hasToString("az://acct/wal/db1");
    }
  }

  @Test
  void theHttpsProviderRefusesOtherHosts() {
    assertThatThrownBy(() -> ArchiveStorages.open("https://example.com/bucket/x?a=b", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an Azure blob URL")
        .message()
        .doesNotContain("a=b");
  }

  @Test
  void aConnectionStringNamesTheEndpoint() {
    assertThatThrownBy(
            () ->
                AzureStorageConfig.fromUrl(
                    URI.create("az://acct/wal"),
                    Map.of(
                        "azure.connection-string",
                        "AccountName=acct;AccountKey=" + KEY,
                        "azure.endpoint",
                        "http://127.0.0.1:1/acct")))
        .hasMessageContaining("cannot be combined")
        .message()
        .doesNotContain(KEY);
  }

  @Test
  void arbitraryUrlsEitherParseOrFailWithIllegalArgument() {
    qt().withExamples(200)
        .forAll(urlish())
        .checkAssert(
            url -> {
              URI uri;
              try {
                uri = new URI(url);
              } catch (java.net.URISyntaxException e) {
                return;
              }
              try {
                AzureStorageConfig.fromUrl(uri, Map.of("azure.account-key", KEY));
              } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
              }
            });
  }

  static Gen<String> urlish() {
    Gen<String> part = stringsOf("az:/.?&=#@%-_aAbB09 ", 0, 12);
    return Properties.oneOf("az://", "https://", "az:", "http://", "")
        .zip(part, part, (a, b, c) -> a + b + c);
  }
}
