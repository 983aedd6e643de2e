package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key settings and variable names from the environment, where an empty or misspelt variable would
 * otherwise mean "no key": each is an error naming the variable, never plaintext.
 */
class KeySettingsConfigTest {
  @TempDir Path dir;

  private static CliConfig env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("WALARCHIVE_URL", "file:/primary");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return new CliConfig(env);
  }

  @Test
  void anEmptyKeyVariableIsAnError() {
    for (String variable :
        new String[] {
          "WALARCHIVE_KEY",
          "WALARCHIVE_PASSPHRASE",
          "WALARCHIVE_KEY_FILE",
          "WALARCHIVE_KEYRING_FILE"
        }) {
      for (String empty : new String[] {"", " ", "\t"}) {
        assertThatThrownBy(() -> env(variable, empty).keyring())
            .as(variable)
            .isInstanceOf(CliException.class)
            .hasMessageStartingWith("environment variable " + variable + " is set but empty")
            .hasMessageContaining("would turn encryption off");
      }
    }
  }

  @Test
  void aKeyInTheEnvironmentAndAKeyFileInTheFileAreAnErrorNamingBoth() throws Exception {
    Path file = dir.resolve("w.properties");
    Files.writeString(file, "key-file=/etc/walarchive/old.key\n");
    assertThatThrownBy(
            () ->
                env(
                        "WALARCHIVE_CONFIG",
                        file.toString(),
                        "WALARCHIVE_KEY",
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                    .keyring())
        .isInstanceOf(CliException.class)
        .hasMessage(
            "more than one key setting is set (key-file in configuration file "
                + file
                + ", environment variable WALARCHIVE_KEY); set exactly one of keyring-file,"
                + " key-file, key and passphrase (a keyring file holds several keys for a"
                + " rotation)")
        .hasMessageNotContaining("AAAA");
  }

  @Test
  void aFlagStillOverridesTheSameSettingFromTheFile() throws Exception {
    Path key = dir.resolve("k");
    Files.writeString(key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    Files.setPosixFilePermissions(
        key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path file = dir.resolve("w.properties");
    Files.writeString(file, "key-file=/nonexistent/old.key\n");
    CliConfig config = env("WALARCHIVE_CONFIG", file.toString());
    config.keyFile = key;
    assertThat(config.keyring().activeKeyId()).contains("k1");
  }

  @Test
  void aMisspeltVariableIsAnErrorNamingTheOneMeant() {
    Map<String, String> meant =
        Map.of(
            "WALARCHIVE_KEYFILE", "WALARCHIVE_KEY_FILE",
            "WALARCHIVE_KEY_FLIE", "WALARCHIVE_KEY_FILE",
            "WALARCHIVE_PASSPRASE", "WALARCHIVE_PASSPHRASE",
            "WALARCHIVE_KEYRING", "WALARCHIVE_KEYRING_FILE",
            "WALARCHIVE_COPYURL", "WALARCHIVE_COPY_URL");
    meant.forEach(
        (typo, name) -> {
          assertThatThrownBy(() -> env(typo, "x").keyring())
              .isInstanceOf(CliException.class)
              .hasMessage(
                  "environment variable "
                      + typo
                      + " is not a setting; did you mean "
                      + name
                      + "? (rename or unset it)");
          assertThatThrownBy(() -> env(typo, "x").storageOptions())
              .isInstanceOf(CliException.class)
              .hasMessageContaining("did you mean " + name);
        });
  }

  @Test
  void aWrappersOwnVariablesAreLeftAlone() throws Exception {
    // names far from every setting: a wrapper's or a test harness's own
    CliConfig config =
        env(
            "WALARCHIVE_PG_SOURCE", "/src",
            "WALARCHIVE_TAP_CLI", "/bin/walarchive",
            "WALARCHIVE_IT_S3_BUCKET", "b",
            "WALARCHIVE_CACHE_DIR", "/tmp");
    assertThat(config.keyring().encrypts()).isFalse();
    assertThat(config.storageOptions()).isEmpty();
  }
}
