package dev.walarchive.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

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

  @Provide
  Arbitrary<String> buckets() {
    Arbitrary<Character> edge = Arbitraries.chars().range('a', 'z').range('0', '9');
    Arbitrary<String> middle =
        Arbitraries.strings()
            .withChars("abcdefghijklmnopqrstuvwxyz0123456789-_")
            .ofMinLength(1)
            .ofMaxLength(40);
    return Combinators.combine(edge, middle, edge).as((a, m, z) -> a + m + z);
  }

  @Provide
  Arbitrary<String> prefixes() {
    Arbitrary<String> segment =
        Arbitraries.strings()
            .withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
            .ofMinLength(1)
            .ofMaxLength(12);
    return segment.list().ofMinSize(0).ofMaxSize(4).map(l -> String.join("/", l));
  }

  @Property
  void bucketAndPrefixRoundTrip(
      @ForAll("buckets") String bucket, @ForAll("prefixes") String prefix) {
    GcsStorageConfig c = parse("gs://" + bucket + "/" + prefix + (prefix.isEmpty() ? "" : "/"));
    assertThat(c.bucket()).contains(bucket);
    assertThat(c.prefix()).isEqualTo(prefix);
    GcsStorageConfig again =
        GcsStorageConfig.builder().setBucket(bucket).setPrefix("/" + prefix).build();
    assertThat(again).isEqualTo(c).hasSameHashCodeAs(c);
  }

  @Property
  void anyOptionValueIsAcceptedOrRejectedNamingTheOption(
      @ForAll("optionNames") String name, @ForAll @StringLength(max = 20) String value) {
    try {
      parse("gs://bkt", Map.of(name, value));
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessageContaining(name);
    }
  }

  @Provide
  Arbitrary<String> optionNames() {
    return Arbitraries.of(GcsStorageConfig.OPTION_NAMES);
  }

  @Property
  void timeoutsAndChunkSizesFollowTheSharedSyntax(
      @ForAll @IntRange(min = 1, max = 3600) int seconds,
      @ForAll @IntRange(min = 1, max = 1024) int quarterMebibytes) {
    int bytes = quarterMebibytes * 256 * 1024;
    for (String timeout : List.of(seconds + "s", seconds * 1000 + "ms", "PT" + seconds + "S")) {
      for (String size : List.of(Integer.toString(bytes), quarterMebibytes * 256 + "KiB")) {
        GcsStorageConfig c =
            parse("gs://bkt", Map.of("gcs.timeout", timeout, "gcs.upload-chunk-size", size));
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(seconds));
        assertThat(c.uploadChunkSize()).isEqualTo(bytes);
      }
    }
    if (quarterMebibytes % 4 == 0) {
      assertThat(
              parse("gs://bkt", Map.of("gcs.upload-chunk-size", quarterMebibytes / 4 + "m"))
                  .uploadChunkSize())
          .isEqualTo(bytes);
    }
  }

  @Property
  void chunkSizesTooLargeForAnIntAreRejectedNamingTheOption(
      @ForAll @IntRange(min = 2, max = 100_000) int gib) {
    assertThatThrownBy(() -> parse("gs://bkt", Map.of("gcs.upload-chunk-size", gib + "GiB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gcs.upload-chunk-size")
        .hasMessageContaining(gib + "GiB");
  }

  @Test
  void nearMissesOfTheSharedSyntaxAreRejectedNamingTheOption() {
    Map<String, String> bad =
        Map.of(
            "gcs.timeout", "10 s",
            "gcs.upload-chunk-size", "1.5MiB",
            "gcs.no-credentials", "yes");
    bad.forEach(
        (name, value) ->
            assertThatThrownBy(() -> parse("gs://bkt", Map.of(name, value)))
                .as(name)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name)
                .hasMessageContaining("'" + value + "'"));
  }
}
