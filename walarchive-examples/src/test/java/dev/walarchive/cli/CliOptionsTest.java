package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI derives storage option names, environment variables included, from the backends' option
 * descriptions (a user's own backend as well: {@link AcmeTestStorageProvider}), and reads durations
 * and booleans with the one grammar of the library.
 */
class CliOptionsTest {
  @TempDir Path dir;

  @Test
  void aUsersOwnBackendGetsItsEnvironmentVariables() throws Exception {
    CliConfig config =
        new CliConfig(
            Map.of(
                "WALARCHIVE_URL", "acme://bucket/prefix",
                "WALARCHIVE_ACME_BUCKET_NAME", "b1",
                "WALARCHIVE_ACME_API_KEY", "s3cr3t",
                "WALARCHIVE_ACME_TIMEOUT", "1w"));
    assertThat(config.storageOptions())
        .containsEntry("acme.bucket-name", "b1")
        .containsEntry("acme.api-key", "s3cr3t")
        .containsEntry("acme.timeout", "1w");
    try (ArchiveStorage storage = config.openStorage()) {
      assertThat(AcmeTestStorageProvider.lastSettings)
          .containsExactly(
              Map.entry("acme.bucket-name", "b1"),
              Map.entry("acme.timeout", "1w"),
              Map.entry("acme.api-key", "s3cr3t"));
    }
  }

  @Test
  void aMisspeltVariableOfAUsersBackendIsAnErrorNamingTheClosestOne() {
    CliConfig config =
        new CliConfig(Map.of("WALARCHIVE_URL", "mem:", "WALARCHIVE_ACME_BUKET_NAME", "s3cr3t"));
    assertThatThrownBy(config::storageOptions)
        .isInstanceOf(CliException.class)
        .hasMessage(
            "environment variable WALARCHIVE_ACME_BUKET_NAME is not a storage option; did you mean"
                + " WALARCHIVE_ACME_BUCKET_NAME? (unset it, or see the backend's options)")
        .hasMessageNotContaining("s3cr3t");
  }

  @Test
  void aUsersBackendsOptionsAreKnownInThePropertiesFileAndAsFlags() throws Exception {
    Path file = dir.resolve("walarchive.properties");
    Files.writeString(file, "url=acme://bucket/p\nacme.bucket-name=b2\n", UTF_8);
    CliConfig config = new CliConfig(Map.of());
    config.configFile = file;
    config.options.add("acme.timeout=5m");
    assertThat(config.storageOptions())
        .containsExactly(Map.entry("acme.bucket-name", "b2"), Map.entry("acme.timeout", "5m"));
    CliConfig typo = new CliConfig(Map.of());
    typo.options.add("acme.timeuot=5m");
    assertThatThrownBy(typo::storageOptions)
        .isInstanceOf(CliException.class)
        .hasMessageContaining("did you mean acme.timeout?");
  }

  @Test
  void cliVariablesAreNotMistakenForStorageOptions() throws Exception {
    CliConfig config =
        new CliConfig(
            Map.of("WALARCHIVE_URL", "mem:", "WALARCHIVE_KEY_ID", "k2", "WALARCHIVE_TMPDIR", "/t"));
    assertThat(config.storageOptions()).isEmpty();
  }

  @Test
  void durationFlagsUseTheLibrarysGrammar() throws Exception {
    assertThat(Durations.parse("1w", "--max-age")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("500ms", "--max-age")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("PT5M", "--max-age")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse(" 90m ", "--max-age")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("7D", "--max-age")).isEqualTo(Duration.ofDays(7));
    for (String bad : List.of("1y", "5 m", "0s", "-5m", "")) {
      assertThatThrownBy(() -> Durations.parse(bad, "--max-age"))
          .as(bad)
          .isInstanceOf(CliException.class)
          .hasMessageStartingWith("invalid --max-age '" + bad.strip() + "': ");
    }
  }

  @Test
  void verifyAndCheckTakeOneWeekAsMaxAge() {
    String archive = "file:" + dir.resolve("none");
    Run weekly = run("verify", "--url", archive, "--max-age", "1w");
    assertThat(weekly.err()).doesNotContain("--max-age");
    Run yearly = run("verify", "--url", archive, "--max-age", "1y");
    assertThat(yearly.err())
        .contains("invalid --max-age '1y': expected a whole number with ms, s, m, h, d or w");
    Run check =
        run("check", "--pg", "postgresql://127.0.0.1:1/x", "--max-age", "1w", "--rpo", "1w");
    assertThat(check.err()).doesNotContain("--max-age").doesNotContain("--rpo");
    Run badCheck = run("check", "--pg", "postgresql://127.0.0.1:1/x", "--max-age", "1y");
    assertThat(badCheck.err()).contains("invalid --max-age '1y'");
  }

  @Test
  void allowUnencryptedTakesEveryBooleanSpelling() throws Exception {
    for (String yes : List.of("true", "yes", "on", "ON")) {
      new CliConfig(Map.of("WALARCHIVE_ALLOW_UNENCRYPTED", yes)).keyring();
    }
    assertThatThrownBy(() -> new CliConfig(Map.of("WALARCHIVE_ALLOW_UNENCRYPTED", "1")).keyring())
        .isInstanceOf(CliException.class)
        .hasMessage("invalid allow-unencrypted '1': expected true or false (or yes/no, on/off)");
  }

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, err.toString());
  }
}
