package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walarchive restore}'s refusals and its restore_command, without a server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreCliTest {
  @TempDir static Path tmp;
  private String url;

  @BeforeAll
  void emptyArchive() throws Exception {
    url = "file:" + tmp.resolve("archive");
    try (WalArchive a = WalArchive.builder(ArchiveStorages.open(url, Map.of())).build()) {
      a.createArchive(7714373470879505852L, WalSegmentSize.DEFAULT);
    }
  }

  private Cli.Result restore(Map<String, String> env, String... args) throws Exception {
    String[] all = new String[args.length + 3];
    all[0] = "restore";
    all[1] = "--url";
    all[2] = url;
    System.arraycopy(args, 0, all, 3, args.length);
    return Cli.run(env, all);
  }

  private static void assertOneLine(Cli.Result r, int code, String text) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
    assertThat(r.stderrLines()).as(r.toString()).singleElement().asString().contains(text);
  }

  @Test
  void refusesBadRequestsBeforeReadingTheArchive() throws Exception {
    Path full = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(full.resolve("PG_VERSION"), "15\n");
    assertOneLine(restore(Map.of(), full.toString()), 2, "is not empty; restore into a new");
    Path dir = tmp.resolve("new");
    assertOneLine(
        restore(
            Map.of(),
            dir.toString(),
            "--target-time",
            "2026-12-01 10:00:00+00",
            "--target-lsn",
            "0/1"),
        2,
        "give at most one of --target-time");
    assertOneLine(
        restore(Map.of(), dir.toString(), "--target-time", "2026-12-01 10:00:00"),
        2,
        "invalid time '2026-12-01 10:00:00'");
    assertOneLine(
        restore(Map.of(), dir.toString(), "--target-action", "promote"),
        2,
        "--target-action needs a target");
    assertOneLine(
        restore(Map.of(), dir.toString(), "--tablespace-map", "ts=/x"), 2, "needs OID=PATH");
    assertOneLine(
        restore(Map.of(), dir.toString(), "--tablespace-map", "16384=relative/ts1"),
        2,
        "--tablespace-map 16384=relative/ts1: the directory must be an absolute path");
    assertOneLine(
        restore(Map.of(), tmp.resolve("no/such/parent").toString()),
        2,
        "cannot create data directory "
            + tmp.resolve("no/such/parent")
            + ": its parent directory "
            + tmp.resolve("no/such")
            + " does not exist; create it first");
    assertOneLine(
        restore(
            Map.of(), dir.toString(), "--tablespace-map", "16384=" + tmp.resolve("no/such/ts1")),
        2,
        "cannot create directory of tablespace 16384 "
            + tmp.resolve("no/such/ts1")
            + ": its parent directory "
            + tmp.resolve("no/such")
            + " does not exist; create it first");
    assertOneLine(
        restore(Map.of("WALARCHIVE_KEY", "c2VjcmV0"), dir.toString()),
        2,
        "the key comes from WALARCHIVE_KEY");
    assertOneLine(
        restore(Map.of("WALARCHIVE_S3_REGION", "eu-west-1"), dir.toString()),
        2,
        "WALARCHIVE_S3_REGION is set in the environment, which restore_command would not see");
    assertOneLine(
        restore(Map.of(), dir.toString(), "--backup", "yesterday"), 2, "is not a backup name");
    assertThat(dir).doesNotExist();
  }

  @Test
  void withoutACompleteBackupItSaysSoAndExitsOne() throws Exception {
    Path dir = tmp.resolve("none");
    assertOneLine(
        restore(Map.of(), dir.toString()), 1, "the archive holds no complete base backup");
    assertOneLine(
        restore(Map.of(), dir.toString(), "--backup", "base_20261201T183012Z_0000000002000028"),
        1,
        "no base backup named base_20261201T183012Z_0000000002000028");
    assertThat(dir).doesNotExist();
  }

  private static List<String> fetchArguments(Map<String, String> env, String... flags)
      throws CliException {
    CliConfig config = new CliConfig(env);
    new CommandLine(
            new Object() {
              @CommandLine.Mixin CliConfig c = config;
            })
        .parseArgs(flags);
    return RestoreCommandLine.fetchArguments(config, env);
  }

  @Test
  void theRestoreCommandCarriesTheSameSettingsByReference() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("WALARCHIVE_KEY_FILE", "/etc/walarchive/archive.key");
    env.put("WALARCHIVE_LOG_LEVEL", "info");
    assertThat(
            fetchArguments(
                env,
                "--config",
                "/etc/walarchive/w.properties",
                "--url",
                "s3://bucket/prefix",
                "--key-id",
                "k2",
                "-o",
                "s3.region=eu-west-1",
                "--allow-unencrypted"))
        .containsExactly(
            "wal-fetch",
            "--config",
            "/etc/walarchive/w.properties",
            "--url",
            "s3://bucket/prefix",
            "--key-file",
            "/etc/walarchive/archive.key",
            "--key-id",
            "k2",
            "--allow-unencrypted",
            "-o",
            "s3.region=eu-west-1");
    assertThat(fetchArguments(Map.of("WALARCHIVE_CONFIG", "rel.properties")))
        .containsExactly(
            "wal-fetch", "--config", Path.of("rel.properties").toAbsolutePath().toString());
    assertThatThrownBy(() -> fetchArguments(Map.of(), "-o", "s3.secret-access-key=x"))
        .hasMessageContaining("looks like a secret");
    assertThatThrownBy(() -> fetchArguments(Map.of("WALARCHIVE_PASSPHRASE", "p")))
        .hasMessageContaining("WALARCHIVE_PASSPHRASE");
  }

  @Test
  void theRestoreCommandFallsBackToTheSameCopies() throws Exception {
    assertThat(
            fetchArguments(
                Map.of(),
                "--url",
                "file:/srv/wal",
                "--copy-url",
                "s3://dr/wal",
                "--copy-url",
                "gs://dr2/wal",
                "-o",
                "copy.1.s3.region=eu-west-1"))
        .containsExactly(
            "wal-fetch",
            "--url",
            "file:/srv/wal",
            "--copy-url",
            "s3://dr/wal",
            "--copy-url",
            "gs://dr2/wal",
            "-o",
            "copy.1.s3.region=eu-west-1");
    assertThat(fetchArguments(Map.of("WALARCHIVE_COPY_URL", "s3://dr/wal"), "--url", "file:/w"))
        .containsExactly("wal-fetch", "--url", "file:/w", "--copy-url", "s3://dr/wal");
    // a copy's option only in the environment would be lost: refused, not dropped
    assertThatThrownBy(
            () ->
                fetchArguments(
                    Map.of(
                        "WALARCHIVE_COPY_URL", "s3://dr/wal", "WALARCHIVE_COPY_1_S3_REGION", "x"),
                    "--url",
                    "file:/w"))
        .hasMessageContaining("WALARCHIVE_COPY_1_S3_REGION");
  }
}
