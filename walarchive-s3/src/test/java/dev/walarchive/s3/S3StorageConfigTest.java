package dev.walarchive.s3;

import static dev.walarchive.core.testing.Properties.anyString;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorageProvider;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.Properties;
import dev.walarchive.s3.S3StorageConfig.Checksum;
import dev.walarchive.s3.S3StorageConfig.ConditionalWrites;
import dev.walarchive.s3.S3StorageConfig.ServerSideEncryption;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class S3StorageConfigTest {
  private static S3StorageConfig parse(String url, Map<String, String> options) {
    return S3StorageConfig.fromUrl(URI.create(url), options);
  }

  // ---- URL ----

  @Test
  void bucketAndPrefixComeFromTheUrl() {
    S3StorageConfig config = parse("s3://my-bucket/prod/db1/", Map.of());
    assertThat(config.bucket()).contains("my-bucket");
    assertThat(config.prefix()).isEqualTo("prod/db1");
    assertThat(parse("s3://my-bucket", Map.of()).prefix()).isEmpty();
    assertThat(parse("s3://my-bucket/", Map.of()).prefix()).isEmpty();
    assertThat(parse("S3://my-bucket/x", Map.of()).prefix()).isEqualTo("x");
  }

  @Test
  void everySettingHasItsDocumentedDefault() {
    S3StorageConfig config = parse("s3://bucket", Map.of());
    assertThat(config.region()).isEmpty();
    assertThat(config.endpoint()).isEmpty();
    assertThat(config.pathStyle()).isFalse();
    assertThat(config.profile()).isEmpty();
    assertThat(config.accessKeyId()).isEmpty();
    assertThat(config.secretAccessKey()).isEmpty();
    assertThat(config.sessionToken()).isEmpty();
    assertThat(config.sseKmsKeyId()).isEmpty();
    assertThat(config.sse()).isEqualTo(ServerSideEncryption.NONE);
    assertThat(config.storageClass()).isEmpty();
    assertThat(config.apiTimeout()).isEqualTo(Duration.ofMinutes(20));
    assertThat(config.attemptTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.maxAttempts()).isEqualTo(5);
    assertThat(config.multipartThreshold()).isEqualTo(32L << 20);
    assertThat(config.partSize()).isEqualTo(16L << 20);
    assertThat(config.conditionalWrites()).isEqualTo(ConditionalWrites.REQUIRED);
    assertThat(config.checksum()).isEqualTo(Checksum.CRC32);
  }

  @Test
  void anUnsetValueIsEmptyAndASetOneIsPresent() {
    S3StorageConfig unset = S3StorageConfig.builder().build();
    assertThat(unset.bucket()).isEmpty();
    assertThat(unset.region()).isEmpty();
    assertThat(unset.endpoint()).isEmpty();
    assertThat(unset.profile()).isEmpty();
    assertThat(unset.accessKeyId()).isEmpty();
    assertThat(unset.secretAccessKey()).isEmpty();
    assertThat(unset.sessionToken()).isEmpty();
    assertThat(unset.sseKmsKeyId()).isEmpty();
    assertThat(unset.storageClass()).isEmpty();
    S3StorageConfig set =
        S3StorageConfig.builder()
            .bucket("b-1")
            .region("eu-west-3")
            .endpoint(URI.create("http://127.0.0.1:9000"))
            .accessKeyId("AKIAEXAMPLEEXAMPLE12")
            .secretAccessKey("not-shown-secret")
            .sessionToken("not-shown-token")
            .sse(ServerSideEncryption.AWS_KMS)
            .sseKmsKeyId("alias/wal")
            .storageClass("STANDARD_IA")
            .build();
    assertThat(set.bucket()).contains("b-1");
    assertThat(set.region()).contains("eu-west-3");
    assertThat(set.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
    assertThat(set.accessKeyId()).contains("AKIAEXAMPLEEXAMPLE12");
    assertThat(set.secretAccessKey()).contains("not-shown-secret");
    assertThat(set.sessionToken()).contains("not-shown-token");
    assertThat(set.sseKmsKeyId()).contains("alias/wal");
    assertThat(set.storageClass()).contains("STANDARD_IA");
    assertThat(S3StorageConfig.builder().profile("archiver").build().profile())
        .contains("archiver");
    assertThat(set.toString())
        .doesNotContain("not-shown-secret")
        .doesNotContain("not-shown-token")
        .doesNotContain("EXAMPLE12")
        .contains("s3://b-1");
  }

  @Test
  void everyOptionIsApplied() {
    Map<String, String> options = new HashMap<>();
    options.put("s3.region", "eu-central-1");
    options.put("s3.endpoint", "https://minio.example:9000");
    options.put("s3.path-style", "TRUE");
    options.put("s3.access-key-id", "AKIAEXAMPLEKEY");
    options.put("s3.secret-access-key", "s3cr3t/with+chars");
    options.put("s3.session-token", "token");
    options.put("s3.sse", "aws:kms");
    options.put("s3.sse-kms-key-id", "arn:aws:kms:eu-central-1:111122223333:key/abc");
    options.put("s3.storage-class", "STANDARD_IA");
    options.put("s3.api-timeout", "2m");
    options.put("s3.attempt-timeout", "PT30S");
    options.put("s3.max-attempts", "7");
    options.put("s3.multipart-threshold", "64MiB");
    options.put("s3.part-size", "8MiB");
    options.put("s3.conditional-writes", "unsafe-allow-overwrite");
    options.put("s3.checksum", "md5");
    options.put("compression", "zstd"); // another component's option: ignored
    S3StorageConfig c = parse("s3://bucket/p", options);
    assertThat(c.region()).contains("eu-central-1");
    assertThat(c.endpoint()).contains(URI.create("https://minio.example:9000"));
    assertThat(c.pathStyle()).isTrue();
    assertThat(c.accessKeyId()).contains("AKIAEXAMPLEKEY");
    assertThat(c.secretAccessKey()).contains("s3cr3t/with+chars");
    assertThat(c.sessionToken()).contains("token");
    assertThat(c.sse()).isEqualTo(ServerSideEncryption.AWS_KMS);
    assertThat(c.sseKmsKeyId()).contains("arn:aws:kms:eu-central-1:111122223333:key/abc");
    assertThat(c.storageClass()).contains("STANDARD_IA");
    assertThat(c.apiTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.attemptTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.maxAttempts()).isEqualTo(7);
    assertThat(c.multipartThreshold()).isEqualTo(64L << 20);
    assertThat(c.partSize()).isEqualTo(8L << 20);
    assertThat(c.conditionalWrites()).isEqualTo(ConditionalWrites.UNSAFE_ALLOW_OVERWRITE);
    assertThat(c.checksum()).isEqualTo(Checksum.MD5);
    assertThat(S3Options.ALL)
        .filteredOn(o -> !o.equals("s3.profile")) // exclusive with static keys; tested apart
        .allMatch(options::containsKey);
    assertThat(parse("s3://bucket", Map.of("s3.profile", "archiver")).profile())
        .contains("archiver");
  }

  @Test
  void nonSecretOptionsMayBeUrlParameters() {
    S3StorageConfig c =
        parse(
            "s3://bucket/p?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A9000"
                + "&path-style=true&sse=AES256&max-attempts=3",
            Map.of());
    assertThat(c.region()).contains("eu-west-1");
    assertThat(c.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
    assertThat(c.pathStyle()).isTrue();
    assertThat(c.sse()).isEqualTo(ServerSideEncryption.AES256);
    assertThat(c.maxAttempts()).isEqualTo(3);
    assertThat(parse("s3://bucket/p?endpoint=http://127.0.0.1:9000", Map.of()).endpoint())
        .contains(URI.create("http://127.0.0.1:9000"));
  }

  @Test
  void credentialsAreRefusedInTheUrlWithoutEchoingThem() {
    for (String name : new String[] {"access-key-id", "secret-access-key", "session-token"}) {
      assertThatThrownBy(() -> parse("s3://bucket/p?" + name + "=TopSecretValue123", Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("option s3." + name)
          .hasMessageNotContaining("WALARCHIVE_")
          .hasMessageNotContaining("TopSecretValue123");
    }
    assertThatThrownBy(() -> parse("s3://AKIA:TopSecretValue123@bucket/p", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("s3.secret-access-key")
        .hasMessageNotContaining("WALARCHIVE_")
        .hasMessageNotContaining("TopSecretValue123");
  }

  @Test
  void badUrlsAreRejectedNamingTheProblem() {
    assertThatThrownBy(() -> parse("gs://bucket/p", Map.of())).hasMessageContaining("s3://");
    assertThatThrownBy(() -> parse("s3:bucket", Map.of())).hasMessageContaining("s3://");
    assertThatThrownBy(() -> parse("s3:///p", Map.of())).hasMessageContaining("no bucket");
    assertThatThrownBy(() -> parse("s3://bucket:9000/p", Map.of()))
        .hasMessageContaining("s3.endpoint");
    assertThatThrownBy(() -> parse("s3://Bad_Bucket!/p", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> parse("s3://bucket/a//b", Map.of())).hasMessageContaining("a//b");
    assertThatThrownBy(() -> parse("s3://bucket/a/../b", Map.of())).hasMessageContaining("prefix");
    assertThatThrownBy(() -> parse("s3://bucket/p#frag", Map.of()))
        .hasMessageContaining("fragment");
    assertThatThrownBy(() -> parse("s3://bucket/p?regoin=x", Map.of()))
        .hasMessageContaining("regoin")
        .hasMessageContaining("region");
    assertThatThrownBy(() -> parse("s3://bucket/p?s3.region=x", Map.of()))
        .hasMessageContaining("without the s3. prefix");
    assertThatThrownBy(() -> parse("s3://bucket/p?region=a&region=b", Map.of()))
        .hasMessageContaining("more than once");
    assertThatThrownBy(() -> parse("s3://bucket/p?region", Map.of()))
        .hasMessageContaining("no value");
  }

  @Test
  void badOptionsAreRejectedNamingTheOption() {
    assertThatThrownBy(() -> parse("s3://bucket", Map.of("s3.regoin", "x")))
        .hasMessageContaining("s3.regoin")
        .hasMessageContaining("s3.region");
    assertThatThrownBy(
            () -> parse("s3://bucket?region=eu-west-1", Map.of("s3.region", "us-east-1")))
        .hasMessageContaining("s3.region")
        .hasMessageContaining("one place");
    assertThat(parse("s3://bucket?region=eu-west-1", Map.of("s3.region", "eu-west-1")).region())
        .contains("eu-west-1");
    Map<String, String> bad =
        Map.ofEntries(
            Map.entry("s3.region", "EU West"),
            Map.entry("s3.endpoint", "ftp://host"),
            Map.entry("s3.path-style", "y"),
            Map.entry("s3.sse", "des"),
            Map.entry("s3.storage-class", "standard"),
            Map.entry("s3.api-timeout", "10"),
            Map.entry("s3.attempt-timeout", "-1s"),
            Map.entry("s3.max-attempts", "0"),
            Map.entry("s3.multipart-threshold", "16MB"),
            Map.entry("s3.part-size", "4MiB"),
            Map.entry("s3.conditional-writes", "off"),
            Map.entry("s3.checksum", "crc64"),
            Map.entry("s3.profile", "a b"));
    bad.forEach(
        (option, value) ->
            assertThatThrownBy(() -> parse("s3://bucket", Map.of(option, value)))
                .as(option)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option));
    assertThatThrownBy(() -> parse("s3://bucket", Map.of("s3.region", "")))
        .hasMessageContaining("empty");
  }

  @Test
  void combinationsAreChecked() {
    assertThatThrownBy(() -> parse("s3://b1c", Map.of("s3.access-key-id", "AKIA")))
        .hasMessageContaining("together");
    assertThatThrownBy(
            () ->
                parse(
                    "s3://b1c",
                    Map.of(
                        "s3.access-key-id",
                        "AKIA",
                        "s3.secret-access-key",
                        "x",
                        "s3.profile",
                        "p")))
        .hasMessageContaining("s3.profile");
    assertThatThrownBy(() -> parse("s3://b1c", Map.of("s3.session-token", "t")))
        .hasMessageContaining("s3.session-token");
    assertThatThrownBy(() -> parse("s3://b1c", Map.of("s3.sse-kms-key-id", "alias/x")))
        .hasMessageContaining("aws:kms");
    assertThatThrownBy(
            () -> parse("s3://b1c", Map.of("s3.api-timeout", "1m", "s3.attempt-timeout", "2m")))
        .hasMessageContaining("s3.attempt-timeout");
    assertThatThrownBy(() -> parse("s3://b1c", Map.of("s3.storage-class", "DEEP_ARCHIVE")))
        .hasMessageContaining("restore");
  }

  @Test
  void toStringShowsSettingsButNoSecret() {
    S3StorageConfig c =
        parse(
            "s3://bucket/p?region=eu-west-1",
            Map.of(
                "s3.access-key-id", "AKIAIOSFODNN7EXAMPLE",
                "s3.secret-access-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "s3.session-token", "FwoGZXIvYXdzEXAMPLETOKEN"));
    assertThat(c.toString())
        .contains("s3://bucket/p", "region=eu-west-1", "AKIA***", "secret-access-key=***")
        .doesNotContain("wJalrXUtnFEMI", "FwoGZXIv", "IOSFODNN7EXAMPLE");
  }

  @Test
  void theEnvironmentNamesFollowTheCliConvention() {
    var byName =
        S3Options.SPECS.stream()
            .collect(
                java.util.stream.Collectors.toMap(
                    dev.walarchive.core.storage.OptionSpec::name,
                    dev.walarchive.core.storage.OptionSpec::environmentVariable));
    assertThat(byName.get("s3.path-style")).isEqualTo("WALARCHIVE_S3_PATH_STYLE");
    assertThat(byName.get("s3.secret-access-key")).isEqualTo("WALARCHIVE_S3_SECRET_ACCESS_KEY");
  }

  // ---- provider ----

  @Test
  void s3UrlsOpenThroughTheServiceLoaderWithoutNetwork() throws Exception {
    boolean found = false;
    for (ArchiveStorageProvider p : ServiceLoader.load(ArchiveStorageProvider.class)) {
      found |= p instanceof S3StorageProvider && p.scheme().equals("s3");
    }
    assertThat(found).isTrue();
    try (ArchiveStorage storage =
        ArchiveStorages.open(
            "s3://bucket/prod/db1?region=eu-west-1&endpoint=http://192.0.2.1:1", Map.of())) {
      assertThat(storage).hasToString("s3://bucket/prod/db1");
    }
  }

  @Test
  void injectedClientsNeedAValidBucket() {
    try (var client =
        software.amazon.awssdk.services.s3.S3Client.builder()
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .httpClient(
                software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder().build())
            .credentialsProvider(
                software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
            .build()) {
      S3StorageConfig config = S3StorageConfig.builder().build();
      assertThat(S3Storages.create(client, "bucket", "/a/b/", config))
          .hasToString("s3://bucket/a/b");
      assertThatThrownBy(() -> S3Storages.create(client, "B!", "", config))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> S3Storages.create(config)).hasMessageContaining("no bucket");
    }
  }

  // ---- properties ----

  static Gen<String> secrets() {
    return stringsOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+=", 12, 64);
  }

  @Test
  void secretsNeverAppearInToString() {
    qt().withExamples(200)
        .forAll(secrets(), secrets())
        .checkAssert(
            (secret, token) -> {
              S3StorageConfig c =
                  parse(
                      "s3://bucket/p",
                      Map.of(
                          "s3.access-key-id", "AKIAIOSFODNN7EXAMPLE",
                          "s3.secret-access-key", secret,
                          "s3.session-token", token));
              assertThat(c.toString()).doesNotContain(secret).doesNotContain(token);
            });
  }

  static Gen<Map.Entry<String, String>> brokenOptions() {
    Gen<String> junk = anyString(12);
    return Properties.oneOf(
            "s3.region",
            "s3.endpoint",
            "s3.path-style",
            "s3.max-attempts",
            "s3.part-size",
            "s3.multipart-threshold",
            "s3.api-timeout",
            "s3.sse",
            "s3.checksum",
            "s3.profile",
            "s3.bogus",
            "s3.sse-kms-key-id")
        .zip(junk, (name, value) -> Map.entry(name, value));
  }

  @Test
  void secretsNeverAppearInErrorMessages() {
    qt().withExamples(500)
        .forAll(secrets(), brokenOptions(), Generate.booleans(), Generate.booleans())
        .checkAssert(
            (secret, broken, withKeyId, secretInUrlToo) -> {
              Map<String, String> options = new HashMap<>();
              if (withKeyId) {
                options.put("s3.access-key-id", "AKIAIOSFODNN7EXAMPLE");
              }
              options.put("s3.secret-access-key", secret);
              options.put("s3.session-token", secret + "tok");
              options.put(broken.getKey(), broken.getValue());
              String url = "s3://bucket/p" + (secretInUrlToo ? "?secret-access-key=" + secret : "");
              try {
                S3StorageConfig c = parse(url, options);
                assertThat(c.toString()).doesNotContain(secret);
              } catch (IllegalArgumentException e) {
                assertThat(S3ArchiveStorageBehaviourTest.fullText(e)).doesNotContain(secret);
              }
            });
  }

  @Test
  void malformedSecretsAreRejectedWithoutEchoingThem() {
    qt().withExamples(300)
        .forAll(secrets(), whitespace())
        .checkAssert(
            (head, space) -> {
              String secret = head + space + head;
              assertThatThrownBy(
                      () ->
                          parse(
                              "s3://bucket",
                              Map.of("s3.access-key-id", "AKIA", "s3.secret-access-key", secret)))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("s3.secret-access-key")
                  .satisfies(
                      e ->
                          assertThat(S3ArchiveStorageBehaviourTest.fullText(e))
                              .doesNotContain(head));
            });
  }

  static Gen<String> whitespace() {
    return Properties.oneOf(" ", "\t", "\n", "\u00a0", "\u0000");
  }

  /** Any string, or one made of the characters URLs are made of. */
  static Gen<String> urlRests() {
    return Generate.oneOf(
        anyString(255), stringsOf("abz09-_.:/?&=#@%+ AZ[]", 0, 40), Properties.oneOf("", "/", "?"));
  }

  @Test
  void anyUrlIsParsedOrRejectedWithIllegalArgument() {
    qt().withExamples(1000)
        .forAll(urlRests())
        .checkAssert(
            rest -> {
              URI uri;
              try {
                uri = new URI("s3://" + rest);
              } catch (URISyntaxException e) {
                return;
              }
              try {
                S3StorageConfig c = S3StorageConfig.fromUrl(uri, Map.of());
                assertThat(c.bucket()).isPresent();
              } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
              }
            });
  }

  record Settings(
      String region,
      boolean pathStyle,
      int attempts,
      int partMib,
      int timeoutSeconds,
      String sse) {}

  static Gen<Settings> settings() {
    Gen<String> regions = regions();
    Gen<Boolean> booleans = Generate.booleans();
    Gen<Integer> attempts = intsBetween(1, 20);
    Gen<Integer> partMibs = intsBetween(5, 512);
    Gen<Integer> timeouts = intsBetween(1, 3600);
    Gen<String> sses = sse();
    return in ->
        new Settings(
            regions.generate(in),
            booleans.generate(in),
            attempts.generate(in),
            partMibs.generate(in),
            timeouts.generate(in),
            sses.generate(in));
  }

  @Test
  void aUrlParameterAndTheSameOptionMeanTheSame() {
    qt().withExamples(300)
        .forAll(settings())
        .checkAssert(this::aUrlParameterAndTheSameOptionMeanTheSame);
  }

  private void aUrlParameterAndTheSameOptionMeanTheSame(Settings settings) {
    String region = settings.region();
    boolean pathStyle = settings.pathStyle();
    int attempts = settings.attempts();
    int partMib = settings.partMib();
    int timeoutSeconds = settings.timeoutSeconds();
    String sse = settings.sse();
    String query =
        "region="
            + region
            + "&path-style="
            + pathStyle
            + "&max-attempts="
            + attempts
            + "&part-size="
            + partMib
            + "MiB&api-timeout="
            + timeoutSeconds
            + "s&attempt-timeout="
            + timeoutSeconds
            + "s&sse="
            + sse.replace(":", "%3A");
    Map<String, String> options = new HashMap<>();
    options.put("s3.region", region);
    options.put("s3.path-style", String.valueOf(pathStyle));
    options.put("s3.max-attempts", String.valueOf(attempts));
    options.put("s3.part-size", String.valueOf((long) partMib << 20));
    options.put("s3.api-timeout", "PT" + timeoutSeconds + "S");
    options.put("s3.attempt-timeout", (timeoutSeconds * 1000L) + "ms");
    options.put("s3.sse", sse);
    S3StorageConfig fromUrl = parse("s3://bucket/p?" + query, Map.of());
    S3StorageConfig fromOptions = parse("s3://bucket/p", options);
    assertThat(fromUrl).isEqualTo(fromOptions).hasToString(fromOptions.toString());
    assertThat(fromUrl.partSize()).isEqualTo((long) partMib << 20);
  }

  static Gen<String> regions() {
    return Properties.oneOf("us-east-1", "eu-west-1", "ap-southeast-2", "auto", "garage");
  }

  static Gen<String> sse() {
    return Properties.oneOf("AES256", "aws:kms", "none", "aes256");
  }

  @Test
  void sizesAndDurationsFollowTheSharedSyntax() {
    qt().withExamples(1000)
        .forAll(intsBetween(5, 512), intsBetween(1, 24))
        .checkAssert(
            (partMiB, hours) -> {
              S3StorageConfig c =
                  parse(
                      "s3://bucket",
                      Map.of(
                          "s3.part-size", partMiB + "MiB",
                          "s3.multipart-threshold", (partMiB << 10) + "k",
                          "s3.api-timeout", "1d",
                          "s3.attempt-timeout", "PT" + hours + "H"));
              assertThat(c.partSize()).isEqualTo((long) partMiB << 20);
              assertThat(c.multipartThreshold()).isEqualTo((long) partMiB << 20);
              assertThat(c.apiTimeout()).isEqualTo(Duration.ofDays(1));
              assertThat(c.attemptTimeout()).isEqualTo(Duration.ofHours(hours));
            });
  }

  @Test
  void nearMissesOfTheSharedSyntaxAreRejectedNamingTheOption() {
    Map<String, String> bad =
        Map.of(
            "s3.part-size", "16 MiB",
            "s3.multipart-threshold", "1.5GiB",
            "s3.api-timeout", "10 s",
            "s3.attempt-timeout", "0s",
            "s3.path-style", "1");
    bad.forEach(
        (option, value) ->
            assertThatThrownBy(() -> parse("s3://bucket", Map.of(option, value)))
                .as(option)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option)
                .hasMessageContaining("'" + value + "'"));
    assertThatThrownBy(() -> parse("s3://bucket", Map.of("s3.part-size", "99999999999GiB")))
        .hasMessageContaining("s3.part-size")
        .hasMessageContaining("too large");
  }
}
