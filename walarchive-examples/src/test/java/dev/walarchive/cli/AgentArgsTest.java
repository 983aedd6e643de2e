package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The worker's command line read without picocli reads exactly as picocli reads it, or not at all.
 */
class AgentArgsTest {
  private static final List<String> LAUNCHER =
      List.of("--pgdata", "/srv/pg", "--state-dir", "/spool/0123456789abcdef", "--idle-exit", "60");

  @Test
  void theLaunchersFormsReadAsPicocliReadsThem() {
    List<List<String>> calls =
        List.of(
            concat(LAUNCHER, "--config", "/etc/walarchive.properties"),
            concat(
                LAUNCHER,
                "--url=file:/archive",
                "--compression",
                "zstd:3",
                "--key-file",
                "/k",
                "--key-id",
                "k2",
                "-o",
                "s3.region=x",
                "--option",
                "s3.path-style=true",
                "--copy-url",
                "file:/a",
                "--copy-url=file:/b",
                "--copy-mode",
                "lenient",
                "--tmpdir",
                "/t",
                "--spool-dir",
                "/spool",
                "--keyring-file",
                "/kr",
                "--allow-unencrypted",
                "-v"),
            concat(List.of("--idle-exit=0", "--state-dir=/s", "--pgdata=/p")));
    for (List<String> args : calls) {
      AgentCommand fast = AgentArgs.parse(args);
      AgentCommand slow = new AgentCommand();
      new CommandLine(slow).parseArgs(args.toArray(String[]::new));
      assertThat(fast).as("%s", args).isNotNull();
      assertThat(fast.pgdata).isEqualTo(slow.pgdata);
      assertThat(fast.stateDir).isEqualTo(slow.stateDir);
      assertThat(fast.idleExit).isEqualTo(slow.idleExit);
      assertThat(fast.config)
          .usingRecursiveComparison()
          .comparingOnlyFields(
              "url",
              "configFile",
              "compression",
              "keyFile",
              "keyId",
              "keyringFile",
              "allowUnencrypted",
              "options",
              "copyUrls",
              "copyMode",
              "tmpdir",
              "spoolDir",
              "verbose")
          .isEqualTo(slow.config);
    }
  }

  @Test
  void anythingElseIsLeftToPicocli() {
    assertThat(AgentArgs.parse(List.of("--pgdata", "/p", "--idle-exit", "1"))).isNull();
    assertThat(AgentArgs.parse(List.of("--state-dir", "/s", "--idle-exit", "1"))).isNull();
    assertThat(AgentArgs.parse(List.of("--pgdata", "/p", "--state-dir", "/s"))).isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--help"))).isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--version"))).isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--unknown", "x"))).isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "positional"))).isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--url", "a", "--url", "b"))).isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--allow-unencrypted", "--allow-unencrypted")))
        .isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--config"))).isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--config", "-v"))).isNull();
    assertThat(AgentArgs.parse(List.of("--pgdata", "/p", "--state-dir", "/s", "--idle-exit", "-1")))
        .isNull();
    assertThat(AgentArgs.parse(List.of("--pgdata", "/p", "--state-dir", "/s", "--idle-exit", "1x")))
        .isNull();
    assertThat(AgentArgs.parse(concat(LAUNCHER, "--tmpdir", "a\0b"))).isNull();
  }

  private static List<String> concat(List<String> a, String... b) {
    return java.util.stream.Stream.concat(a.stream(), java.util.Arrays.stream(b)).toList();
  }
}
