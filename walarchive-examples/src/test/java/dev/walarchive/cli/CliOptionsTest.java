package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorages;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI derives storage option names, environment variables included, from the backends' option
 * descriptions (a user's own backend as well: {@link AcmeTestStorageProvider}), and reads durations
 * and booleans with the one grammar of the library.
 */
class CliOptionsTest {
  @TempDir Path dir;

  /**
   * A fresh copy of walarchive on the test class path, plus a services file that registers {@link
   * AcmeTestStorageProvider}, as a user's jar would: the provider stays invisible to every other
   * test in this JVM.
   */
  private Class<?> probe() throws Exception {
    Path services = dir.resolve("services/META-INF/services");
    Files.createDirectories(services);
    Files.writeString(
        services.resolve("dev.walarchive.core.storage.ArchiveStorageProvider"),
        AcmeTestStorageProvider.class.getName() + "\n",
        UTF_8);
    List<URL> urls = new ArrayList<>();
    urls.add(dir.resolve("services").toUri().toURL());
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    return Class.forName(AcmeProbe.class.getName(), true, loader);
  }

  private URLClassLoader loader;

  @AfterEach
  void closeLoader() throws Exception {
    if (loader != null) {
      loader.close();
    }
  }

  @SuppressWarnings("unchecked")
  private List<String> storageOptions(Map<String, String> env, Path file, List<String> flags)
      throws Exception {
    return (List<String>)
        probe()
            .getMethod("storageOptions", Map.class, String.class, List.class)
            .invoke(null, env, file == null ? null : file.toString(), flags);
  }

  @Test
  void theTestBackendIsNotOnTheClassPathOfOtherTests() {
    assertThat(ArchiveStorages.optionNames()).noneMatch(n -> n.startsWith("acme."));
  }

  @Test
  void aUsersOwnBackendGetsItsEnvironmentVariables() throws Exception {
    Map<String, String> env =
        Map.of(
            "WALARCHIVE_URL", "acme://bucket/prefix",
            "WALARCHIVE_ACME_BUCKET_NAME", "b1",
            "WALARCHIVE_ACME_API_KEY", "s3cr3t",
            "WALARCHIVE_ACME_TIMEOUT", "1w");
    assertThat(storageOptions(env, null, List.of()))
        .containsExactly("acme.api-key=s3cr3t", "acme.bucket-name=b1", "acme.timeout=1w");
    assertThat(probe().getMethod("openedSettings", Map.class).invoke(null, env))
        .isEqualTo("{acme.bucket-name=b1, acme.timeout=1w, acme.api-key=s3cr3t}");
  }

  @Test
  void aMisspeltVariableOfAUsersBackendIsAnErrorNamingTheClosestOne() throws Exception {
    assertThat(
            storageOptions(
                Map.of("WALARCHIVE_URL", "mem:", "WALARCHIVE_ACME_BUKET_NAME", "s3cr3t"),
                null,
                List.of()))
        .containsExactly(
            "error: environment variable WALARCHIVE_ACME_BUKET_NAME is not a storage option; did"
                + " you mean WALARCHIVE_ACME_BUCKET_NAME? (unset it, or see the backend's"
                + " options)");
  }

  @Test
  void aUsersBackendsOptionsAreKnownInThePropertiesFileAndAsFlags() throws Exception {
    Path file = dir.resolve("walarchive.properties");
    Files.writeString(file, "url=acme://bucket/p\nacme.bucket-name=b2\n", UTF_8);
    assertThat(storageOptions(Map.of(), file, List.of("acme.timeout=5m")))
        .containsExactly("acme.bucket-name=b2", "acme.timeout=5m");
    assertThat(storageOptions(Map.of(), null, List.of("acme.timeuot=5m")))
        .singleElement()
        .asString()
        .startsWith("error: ")
        .contains("did you mean acme.timeout?");
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
