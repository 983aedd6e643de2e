package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.walarchive.core.WalArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The copies' settings: copy-url lists, copy-mode, per-copy storage options, and each mistake. */
class CopyConfigTest {
  @TempDir Path dir;

  private static CliConfig env(String... pairs) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("WALARCHIVE_URL", "file:/primary");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return new CliConfig(env);
  }

  /** Any list of distinct URLs, joined by commas with spaces around, reads back in order. */
  @Test
  void copyUrlListsReadBackInOrderAndAnEmptyEntryIsAnError() {
    qt().withExamples(300)
        .forAll(
            lists().of(integers().between(1, 9)).ofSizeBetween(1, 6),
            lists().of(integers().between(0, 2)).ofSizeBetween(7, 7),
            integers().between(0, 6))
        .checkAssert(
            (numbers, spaces, emptyAt) -> {
              List<String> urls =
                  new ArrayList<>(
                      new LinkedHashSet<>(numbers.stream().map(n -> "file:/copy" + n).toList()));
              StringBuilder joined = new StringBuilder();
              for (int i = 0; i < urls.size(); i++) {
                joined.append(i == 0 ? "" : ",").append(" ".repeat(spaces.get(i)));
                joined.append(urls.get(i)).append(" ".repeat(spaces.get(i + 1) % 2));
              }
              try {
                assertThat(env("WALARCHIVE_COPY_URL", joined.toString()).copyUrls())
                    .containsExactlyElementsOf(urls);
              } catch (java.io.IOException e) {
                throw new AssertionError(e);
              }
              List<String> withEmpty = new ArrayList<>(urls);
              withEmpty.add(Math.min(emptyAt, withEmpty.size()), " ");
              assertThatThrownBy(
                      () -> env("WALARCHIVE_COPY_URL", String.join(",", withEmpty)).copyUrls())
                  .isInstanceOf(CliException.class)
                  .hasMessageContaining("empty entry");
            });
  }

  @Test
  void flagsOverrideTheEnvironmentAndEachCopyIsAnotherLocation() throws Exception {
    CliConfig config = env("WALARCHIVE_COPY_URL", "file:/env");
    config.copyUrls = List.of("file:/a,file:/b", "file:/c");
    assertThat(config.copyUrls()).containsExactly("file:/a", "file:/b", "file:/c");
    assertThatThrownBy(() -> env("WALARCHIVE_COPY_URL", "file:/a,file:/a").copyUrls())
        .isInstanceOf(CliException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> env("WALARCHIVE_COPY_URL", "file:/b,file:/primary").copyUrls())
        .isInstanceOf(CliException.class)
        .hasMessageContaining("the archive URL itself");
    assertThat(env().copyUrls()).isEmpty();
  }

  @Test
  void copyModeIsStrictByDefaultLaggingOnRequestAndNothingElse() throws Exception {
    assertThat(env().copyMode()).isEqualTo(WalArchive.CopyMode.STRICT);
    assertThat(env("WALARCHIVE_COPY_MODE", "Lagging").copyMode())
        .isEqualTo(WalArchive.CopyMode.LAGGING);
    assertThatThrownBy(() -> env("WALARCHIVE_COPY_MODE", "lazy").copyMode())
        .isInstanceOf(CliException.class)
        .hasMessage("copy-mode must be strict or lagging, not 'lazy'");
  }

  @Test
  void eachCopyHasItsOwnOptionsFromFileEnvironmentAndFlagsAndNoneOfTheArchives() throws Exception {
    Path file = dir.resolve("walarchive.properties");
    Files.writeString(
        file,
        "url=file:/primary\ncopy-url=s3://dr/a, s3://dr/b\ns3.region=us-east-1\n"
            + "copy.1.s3.region=eu-west-1\ncopy.2.s3.path-style=true\n");
    CliConfig config =
        new CliConfig(
            Map.of(
                "WALARCHIVE_CONFIG", file.toString(), "WALARCHIVE_COPY_2_S3_REGION", "ap-south-1"));
    config.options = List.of("copy.1.s3.endpoint=http://127.0.0.1:1");
    assertThat(config.storageOptions()).containsExactly(Map.entry("s3.region", "us-east-1"));
    assertThat(config.copyOptions(2))
        .isEqualTo(
            Map.of(
                1, Map.of("s3.region", "eu-west-1", "s3.endpoint", "http://127.0.0.1:1"),
                2, Map.of("s3.path-style", "true", "s3.region", "ap-south-1")));
    assertThat(config.optionsFor("s3://dr/b")).containsEntry("s3.region", "ap-south-1");
    assertThat(config.optionsFor("s3://elsewhere")).containsEntry("s3.region", "us-east-1");
  }

  @Test
  void everyMistakeInACopyOptionIsNamed() throws Exception {
    assertThatThrownBy(
            () ->
                env("WALARCHIVE_COPY_URL", "s3://dr/a", "WALARCHIVE_COPY_1_S3_REGOIN", "x")
                    .copyOptions(1))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("did you mean WALARCHIVE_COPY_1_S3_REGION?");
    assertThatThrownBy(() -> env("WALARCHIVE_COPY_2_S3_REGION", "x").copyOptions(1))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("is for copy 2, but only 1 copy is configured");
    assertThatThrownBy(() -> env("WALARCHIVE_COPY_URLS", "x").copyOptions(0))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("is not a setting");
    CliConfig flags = env();
    flags.options = List.of("copy.1.s3.regoin=x");
    assertThatThrownBy(() -> flags.copyOptions(1))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("did you mean s3.region?");
    Path file = dir.resolve("typo.properties");
    Files.writeString(file, "url=file:/primary\ncopy.1.s3.regoin=x\n");
    assertThatThrownBy(() -> new CliConfig(Map.of("WALARCHIVE_CONFIG", file.toString())).url())
        .isInstanceOf(CliException.class)
        .hasMessageContaining(
            "line 2: unknown setting 'copy.1.s3.regoin': s3.regoin is not a storage option; did you mean s3.region?");
  }
}
