package dev.walarchive.gcs;

import static dev.walarchive.core.testing.Properties.anyString;
import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.Properties;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class GcsStorageConfigTest {
  private static GcsStorageConfig parse(String url, Map<String, String> options) {
    return GcsStorageConfig.fromUrl(URI.create(url), options);
  }

  private static GcsStorageConfig parse(String url) {
    return parse(url, Map.of());
  }

  @Test
  void defaultsAreDocumented() {
    GcsStorageConfig c = parse("gs://my-bucket");
    assertThat(c.bucket()).contains("my-bucket");
    assertThat(c.prefix()).isEmpty();
    assertThat(c.projectId()).isEmpty();
    assertThat(c.credentialsFile()).isEmpty();
    assertThat(c.noCredentials()).isFalse();
    assertThat(c.endpoint()).isEmpty();
    assertThat(c.kmsKeyName()).isEmpty();
    assertThat(c.storageClass()).isEmpty();
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.maxAttempts()).isEqualTo(6);
    assertThat(c.uploadChunkSize()).isEqualTo(16 * 1024 * 1024);
  }

  @Test
  void everyOptionIsParsed() {
    Map<String, String> options = new HashMap<>();
    options.put("gcs.project-id", "my-project-1");
    options.put("gcs.credentials-file", "/etc/walarchive/key.json");
    options.put("gcs.endpoint", "http://127.0.0.1:4443/");
    options.put("gcs.kms-key-name", "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k");
    options.put("gcs.storage-class", "coldline");
    options.put("gcs.timeout", "1500ms");
    options.put("gcs.max-attempts", "3");
    options.put("gcs.upload-chunk-size", "8MiB");
    options.put("s3.region", "ignored: another backend's option");
    options.put("compression", "ignored too");
    GcsStorageConfig c = parse("gs://b-1/pg/main/", options);
    assertThat(c.prefix()).isEqualTo("pg/main");
    assertThat(c.projectId()).contains("my-project-1");
    assertThat(c.credentialsFile()).contains(Path.of("/etc/walarchive/key.json"));
    assertThat(c.endpoint()).contains(URI.create("http://127.0.0.1:4443"));
    assertThat(c.kmsKeyName())
        .contains("projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k");
    assertThat(c.storageClass()).contains("COLDLINE");
    assertThat(c.timeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.maxAttempts()).isEqualTo(3);
    assertThat(c.uploadChunkSize()).isEqualTo(8 * 1024 * 1024);
  }

  @Test
  void urlQueryParametersCarryOptionsWithoutThePrefix() {
    GcsStorageConfig c =
        parse("gs://bkt/p?storage-class=ARCHIVE&max-attempts=2&no-credentials=true");
    assertThat(c.storageClass()).contains("ARCHIVE");
    assertThat(c.maxAttempts()).isEqualTo(2);
    assertThat(c.noCredentials()).isTrue();
    assertThat(c.prefix()).isEqualTo("p");
  }

  @Test
  void aSettingGivenTwiceMustAgree() {
    assertThat(parse("gs://bkt?max-attempts=2", Map.of("gcs.max-attempts", "2")).maxAttempts())
        .isEqualTo(2);
    assertThatThrownBy(() -> parse("gs://bkt?max-attempts=2", Map.of("gcs.max-attempts", "3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gcs.max-attempts");
  }

  @Test
  void unknownGcsOptionsAndParametersAreRejectedWithTheKnownNames() {
    assertThatThrownBy(() -> parse("gs://bkt", Map.of("gcs.regoin", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gcs.regoin")
        .hasMessageContaining("gcs.storage-class");
    assertThatThrownBy(() -> parse("gs://bkt?colour=blue"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("colour")
        .hasMessageContaining("storage-class");
  }

  @Test
  void malformedUrlsAreRejectedSayingWhatIsExpected() {
    for (String url :
        List.of(
            "s3://bucket/p",
            "gs:bucket",
            "gs:///prefix",
            "gs://user@bucket/p",
            "gs://bucket:443/p",
            "gs://bucket/p#frag",
            "gs://Bucket/p",
            "gs://ab/p",
            "gs://bucket/a//b",
            "gs://bucket/a/../b",
            "gs://bucket/sp%20ace")) {
      assertThatThrownBy(() -> parse(url))
          .as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("gs");
    }
  }

  @Test
  void invalidValuesNameTheOptionAndTheExpectation() {
    Map<String, String> bad =
        Map.of(
            "gcs.timeout", "soon",
            "gcs.max-attempts", "0",
            "gcs.upload-chunk-size", "1000",
            "gcs.storage-class", "GLACIER",
            "gcs.kms-key-name", "my-key",
            "gcs.endpoint", "ftp://host",
            "gcs.no-credentials", "maybe",
            "gcs.project-id", "Has Spaces");
    bad.forEach(
        (name, value) ->
            assertThatThrownBy(() -> parse("gs://bkt", Map.of(name, value)))
                .as(name)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name)
                .hasMessageContaining("expected"));
  }

  @Test
  void credentialsFileAndNoCredentialsExcludeEachOther() {
    assertThatThrownBy(
            () ->
                parse(
                    "gs://bkt",
                    Map.of("gcs.credentials-file", "/k.json", "gcs.no-credentials", "true")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("choose one");
  }

  @Test
  void toStringShowsSettingsButNoCredentialMaterial() {
    GcsStorageConfig c =
        parse(
            "gs://bkt/pre",
            Map.of(
                "gcs.credentials-file",
                "/secret/place/key.json",
                "gcs.kms-key-name",
                "projects/p/locations/l/keyRings/r/cryptoKeys/k"));
    assertThat(c.toString())
        .contains("gs://bkt/pre")
        .contains("service-account-file")
        .contains("cryptoKeys/k")
        .doesNotContain("/secret/place");
  }

  @Test
  void builderSettersValidateAtOnce() {
    GcsStorageConfig.Builder b = GcsStorageConfig.builder();
    assertThatThrownBy(() -> b.setUploadChunkSize(300 * 1024))
        .hasMessageContaining("multiple of 256 KiB");
    assertThatThrownBy(() -> b.setMaxAttempts(101)).hasMessageContaining("1 to 100");
    assertThatThrownBy(() -> b.setTimeout(Duration.ZERO)).hasMessageContaining("between");
    assertThatThrownBy(() -> b.setEndpoint(URI.create("http://user:pw@host")))
        .hasMessageContaining("no path, user")
        .message()
        .doesNotContain("pw");
    assertThatThrownBy(() -> b.setBucket("x".repeat(64))).hasMessageContaining("3 to 63");
    assertThat(b.setBucket("a.b".repeat(30)).build().bucket()).contains("a.b".repeat(30));
    assertThat(GcsStorageConfig.defaults().bucket()).isEmpty();
  }

  @Test
  void theProviderIsFoundByScheme() throws Exception {
    try (ArchiveStorage storage =
        ArchiveStorages.open("gs://some-bucket/p", Map.of("gcs.no-credentials", "true"))) {
      assertThat(storage.toString()).contains("gs://some-bucket/p/");
    }
  }

  @Test
  void createWithoutABucketSaysSo() {
    assertThatThrownBy(() -> GcsStorages.create(GcsStorageConfig.defaults()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no bucket");
  }

  // ------------------------------------------------------------------ properties

  static Gen<String> buckets() {
    Gen<String> edge = stringsOf("abcdefghijklmnopqrstuvwxyz0123456789", 1, 1);
    Gen<String> middle = stringsOf("abcdefghijklmnopqrstuvwxyz0123456789-_", 1, 40);
    return edge.zip(middle, edge, (a, m, z) -> a + m + z);
  }

  static Gen<String> prefixes() {
    Gen<String> segment =
        stringsOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", 1, 12);
    return listsOf(segment, 0, 4).map(l -> String.join("/", l));
  }

  @Test
  void bucketAndPrefixRoundTrip() {
    qt().withExamples(1000)
        .forAll(buckets(), prefixes())
        .checkAssert(
            (bucket, prefix) -> {
              GcsStorageConfig c =
                  parse("gs://" + bucket + "/" + prefix + (prefix.isEmpty() ? "" : "/"));
              assertThat(c.bucket()).contains(bucket);
              assertThat(c.prefix()).isEqualTo(prefix);
              GcsStorageConfig again =
                  GcsStorageConfig.builder().setBucket(bucket).setPrefix("/" + prefix).build();
              assertThat(again).isEqualTo(c).hasSameHashCodeAs(c);
            });
  }

  @Test
  void anyOptionValueIsAcceptedOrRejectedNamingTheOption() {
    qt().withExamples(1000)
        .forAll(optionNames(), optionValues())
        .checkAssert(
            (name, value) -> {
              try {
                parse("gs://bkt", Map.of(name, value));
              } catch (IllegalArgumentException e) {
                assertThat(e).hasMessageContaining(name);
              }
            });
  }

  static Gen<String> optionNames() {
    return Generate.pick(List.copyOf(GcsStorageConfig.OPTION_NAMES));
  }

  /** Any string of up to 20 characters, or a value of the shared syntax. */
  static Gen<String> optionValues() {
    return Generate.oneOf(
        anyString(20),
        Properties.oneOf(
            "true", "false", "30s", "PT1M", "0s", "256KiB", "1m", "3GiB", "-1", "0", "9999999999"));
  }

  @Test
  void timeoutsAndChunkSizesFollowTheSharedSyntax() {
    qt().withExamples(1000)
        .forAll(intsBetween(1, 3600), intsBetween(1, 1024))
        .checkAssert(
            (seconds, quarterMebibytes) -> {
              int bytes = quarterMebibytes * 256 * 1024;
              for (String timeout :
                  List.of(seconds + "s", seconds * 1000 + "ms", "PT" + seconds + "S")) {
                for (String size :
                    List.of(Integer.toString(bytes), quarterMebibytes * 256 + "KiB")) {
                  GcsStorageConfig c =
                      parse(
                          "gs://bkt",
                          Map.of("gcs.timeout", timeout, "gcs.upload-chunk-size", size));
                  assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(seconds));
                  assertThat(c.uploadChunkSize()).isEqualTo(bytes);
                }
              }
              if (quarterMebibytes % 4 == 0) {
                assertThat(
                        parse(
                                "gs://bkt",
                                Map.of("gcs.upload-chunk-size", quarterMebibytes / 4 + "m"))
                            .uploadChunkSize())
                    .isEqualTo(bytes);
              }
            });
  }

  @Test
  void chunkSizesTooLargeForAnIntAreRejectedNamingTheOption() {
    qt().withExamples(1000)
        .forAll(intsBetween(2, 100_000))
        .checkAssert(
            gib -> {
              assertThatThrownBy(
                      () -> parse("gs://bkt", Map.of("gcs.upload-chunk-size", gib + "GiB")))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("gcs.upload-chunk-size")
                  .hasMessageContaining(gib + "GiB");
            });
  }

  @Test
  void nearMissesOfTheSharedSyntaxAreRejectedNamingTheOption() {
    Map<String, String> bad =
        Map.of(
            "gcs.timeout", "10 s",
            "gcs.upload-chunk-size", "1.5MiB",
            "gcs.no-credentials", "1");
    bad.forEach(
        (name, value) ->
            assertThatThrownBy(() -> parse("gs://bkt", Map.of(name, value)))
                .as(name)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name)
                .hasMessageContaining("'" + value + "'"));
  }
}
