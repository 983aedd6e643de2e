package dev.walarchive.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.spi.StorageOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "Did you mean" for option names, and options no backend on the class path accepts. */
class UnknownOptionsTest {
  private static final List<String> S3 =
      List.of("s3.region", "s3.endpoint", "s3.path-style", "s3.part-size", "s3.profile");

  @Test
  void theClosestNameIsSuggestedForTyposTranspositionsCaseAndAMissingPrefix() {
    assertThat(StorageOptions.closest("s3.regoin", S3)).contains("s3.region");
    assertThat(StorageOptions.closest("s3.part_size", S3)).contains("s3.part-size");
    assertThat(StorageOptions.closest("S3.REGION", S3)).contains("s3.region");
    assertThat(StorageOptions.closest("s3.pathstyle", S3)).contains("s3.path-style");
    assertThat(StorageOptions.closest("region", S3)).contains("s3.region");
    assertThat(StorageOptions.closest("keyfile", List.of("key", "key-file", "key-id")))
        .contains("key-file");
    assertThat(StorageOptions.closest("key-flie", List.of("key", "key-file", "key-id")))
        .contains("key-file");
  }

  @Test
  void nothingIsSuggestedForAValidNameOrOneFarFromEveryCandidate() {
    assertThat(StorageOptions.closest("s3.region", S3)).isEmpty();
    assertThat(StorageOptions.closest("s3.bucket-owner", S3)).isEmpty();
    assertThat(StorageOptions.closest("zzz", S3)).isEmpty();
    assertThat(StorageOptions.closest("x", List.of())).isEmpty();
  }

  @Test
  void anUnknownOptionInTheBackendsOwnParserNamesTheClosestOne() {
    List<String> known = List.of("x.region", "x.timeout");
    assertThatThrownBy(
            () ->
                StorageOptions.collect(
                    URI.create("x://b/p"), Map.of("x.regoin", "r"), "x.", known, Set.of()))
        .hasMessage(
            "unknown option 'x.regoin' (did you mean x.region?); known: x.region, x.timeout");
    assertThatThrownBy(
            () ->
                StorageOptions.collect(
                    URI.create("x://b/p?timeuot=5s"), Map.of(), "x.", known, Set.of()))
        .hasMessage(
            "archive URL 'x://b/p?...' has unknown parameter 'timeuot' (did you mean timeout?);"
                + " known: region, timeout");
  }

  @Test
  void openRefusesAnOptionNoProviderOnTheClassPathAccepts(@TempDir Path dir) {
    // core alone has only file: and mem:, which take no options
    assertThat(ArchiveStorages.optionNames()).isEmpty();
    Path archive = dir.resolve("archive");
    assertThatThrownBy(
            () -> ArchiveStorages.open("file:" + archive, Map.of("s3.region", "eu-west-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown storage option 's3.region': no storage backend on the class path takes"
                + " options");
    assertThat(Files.exists(archive)).isFalse();
  }

  @Test
  void theMessageOfAnUnknownOptionSuggestsOrSaysWhichBackendsTakeOptions() {
    var known = new java.util.TreeSet<>(List.of("gcs.project-id", "s3.region", "s3.profile"));
    assertThat(ArchiveStorages.unknownOption("s3.regoin", known))
        .isEqualTo("unknown storage option 's3.regoin'; did you mean s3.region?");
    assertThat(ArchiveStorages.unknownOption("azure.account-key", known))
        .isEqualTo(
            "unknown storage option 'azure.account-key': no storage backend on the class path"
                + " takes azure.* options (there are options gcs.*, s3.*)");
    assertThat(ArchiveStorages.unknownOption("s3.bucket-owner", known))
        .isEqualTo(
            "unknown storage option 's3.bucket-owner'; known: gcs.project-id, s3.profile,"
                + " s3.region");
  }
}
