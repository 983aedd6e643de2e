package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mistakes in the archive location and keys, made through the CLI as a user would: each one fails
 * with the documented exit code and one line naming the location and what to do, and stores nothing
 * and leaves nothing at {@code %p}.
 */
class ArchiveIdentityCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;

  private Path base;
  private Path archiveDir;
  private Path pgWal;
  private Path restoreDir;
  private Path keyFile;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-identity");
    archiveDir = base.resolve("archive");
    pgWal = Files.createDirectories(base.resolve("pg_wal"));
    restoreDir = Files.createDirectories(base.resolve("restore"));
    keyFile = newKey("k1.key");
  }

  @AfterEach
  void tearDown() throws Exception {
    PostgresServer.deleteTree(base);
  }

  private Path newKey(String name) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = base.resolve(name);
    Files.writeString(file, java.util.Base64.getEncoder().encodeToString(key) + "\n", UTF_8);
    Drills.restrictToOwner(file);
    return file;
  }

  private Map<String, String> env(String url, Path key) {
    Map<String, String> env = new HashMap<>();
    env.put("WALARCHIVE_URL", url);
    env.put("WALARCHIVE_TMPDIR", base.toString());
    if (key != null) {
      env.put("WALARCHIVE_KEY_FILE", key.toString());
    }
    return env;
  }

  private Map<String, String> env() {
    return env("file:" + archiveDir, keyFile);
  }

  private Path segment(long segno) throws Exception {
    return SyntheticWal.writeSegment(pgWal, SYSID, 1, segno, SIZE, segno);
  }

  private List<String> stored() throws Exception {
    if (!Files.isDirectory(archiveDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(archiveDir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> archiveDir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  private List<Path> leftAtRestore() throws Exception {
    try (Stream<Path> s = Files.list(restoreDir)) {
      return s.toList();
    }
  }

  /** Asserts exit code and one line on stderr containing every fragment; returns the line. */
  private static String fails(Cli.Result r, int exitCode, String... fragments) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
    assertThat(r.stderrLines()).as(r.toString()).hasSize(1);
    String line = r.stderrLines().get(0);
    for (String f : fragments) {
      assertThat(line).as(r.toString()).contains(f);
    }
    assertThat(line).doesNotContain("Exception").doesNotContain("\tat ");
    return line;
  }

  private Cli.Result fetch(Map<String, String> env, String name) throws Exception {
    return Cli.run(env, "wal-fetch", name, restoreDir.resolve("RECOVERYXLOG").toString());
  }

  @Test
  void wrongLocationsAreConfigurationErrorsForEveryCommandNeverNotFound() throws Exception {
    Path empty = Files.createDirectories(base.resolve("empty"));
    for (String url :
        List.of(
            "file:" + base.resolve("archve"), // a typo: no such directory
            "file:" + empty, // an existing, empty directory
            "file://" + base.resolve("no-parent/archive"))) {
      Map<String, String> env = env(url, keyFile);
      String location = url.replace("file://", "file:");
      fails(
          fetch(env, "000000010000000000000001"),
          126,
          "no archive at " + location,
          "check the archive URL");
      fails(fetch(env, "00000002.history"), 126, "no archive at " + location);
      assertThat(leftAtRestore()).isEmpty();
      for (String command : List.of("show", "status", "list", "verify", "retain", "pin")) {
        Cli.Result r =
            command.equals("retain")
                ? Cli.run(env, command, "--policy", "keep=1")
                : Cli.run(env, command);
        fails(r, 2, "no archive at " + location);
        assertThat(r.stdout()).as(r.toString()).doesNotContain("empty");
      }
    }
    assertThat(Files.exists(base.resolve("archve"))).isFalse();
    assertThat(Files.exists(base.resolve("no-parent"))).isFalse();
    try (Stream<Path> s = Files.list(empty)) {
      assertThat(s.toList()).isEmpty();
    }
  }

  @Test
  void aRelativeFileUrlIsRefusedEverywhere() throws Exception {
    Map<String, String> env = env("file:archive", keyFile);
    fails(
        fetch(env, "000000010000000000000001"), 126, "'file:archive' is relative", "absolute path");
    fails(Cli.run(env, "wal-push", segment(1).toString()), 2, "is relative");
    fails(Cli.run(env, "show"), 2, "is relative");
    assertThat(leftAtRestore()).isEmpty();
  }

  @Test
  void theFirstPushCreatesNoDirectoryAboveTheArchiveDirectory() throws Exception {
    Path deep = base.resolve("no-parent").resolve("archive");
    Map<String, String> env = env("file:" + deep, keyFile);
    fails(
        Cli.run(env, "wal-push", segment(1).toString()),
        2,
        "cannot create the archive at file:" + deep,
        base.resolve("no-parent").toString());
    assertThat(Files.exists(base.resolve("no-parent"))).isFalse();
    Cli.Result ok = Cli.run(env(), "wal-push", segment(1).toString());
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(stored()).contains("walarchive.manifest", "wal/000000010000000000000001");
  }

  @Test
  void aRemovedManifestIsAConfigurationErrorAndIsNotRecreatedByThePush() throws Exception {
    assertThat(Cli.run(env(), "wal-push", segment(1).toString()).exitCode()).isZero();
    Files.delete(archiveDir.resolve("walarchive.manifest"));
    List<String> before = stored();
    fails(
        fetch(env(), "000000010000000000000002"),
        126,
        "holds archived files but no archive manifest",
        "walarchive repair-manifest");
    fails(fetch(env(), "000000010000000000000001"), 126, "walarchive repair-manifest");
    assertThat(leftAtRestore()).isEmpty();
    fails(
        Cli.run(env(), "wal-push", segment(2).toString()),
        2,
        "no archive manifest",
        "walarchive repair-manifest");
    Path foreign =
        SyntheticWal.writeSegment(
            Files.createDirectories(base.resolve("other")), 42, 1, 3, SIZE, 3);
    fails(Cli.run(env(), "wal-push", foreign.toString()), 2, "walarchive repair-manifest");
    assertThat(stored()).isEqualTo(before);
    fails(Cli.run(env(), "status"), 2, "walarchive repair-manifest");

    Cli.Result repaired = Cli.run(env(), "repair-manifest");
    assertThat(repaired.exitCode()).as(repaired.toString()).isZero();
    assertThat(repaired.stdout())
        .contains(Long.toUnsignedString(SYSID))
        .contains("aes-256-gcm, keys k1");
    assertThat(fetch(env(), "000000010000000000000001").exitCode()).isZero();
    assertThat(Cli.run(env(), "wal-push", segment(2).toString()).exitCode()).isZero();
    Cli.Result again = Cli.run(env(), "repair-manifest");
    assertThat(again.stdout()).contains("nothing to repair");
  }

  @Test
  void anEmptiedOrGarbledManifestIsAConfigurationError() throws Exception {
    assertThat(Cli.run(env(), "wal-push", segment(1).toString()).exitCode()).isZero();
    Path manifest = archiveDir.resolve("walarchive.manifest");
    byte[] good = Files.readAllBytes(manifest);
    for (String bad :
        List.of(
            "",
            "garbage\n",
            "\u00ff\u00fe",
            "WALARCHIVE-FILE-OBJECT 1\n\nformat=1\nsystem-identifier=x\n",
            "WALARCHIVE-FILE-OBJECT 1\n\n")) {
      Files.delete(manifest);
      Files.write(manifest, bad.getBytes(UTF_8));
      List<String> before = stored();
      fails(
          fetch(env(), "000000010000000000000002"),
          126,
          "walarchive.manifest",
          "walarchive repair-manifest");
      assertThat(leftAtRestore()).isEmpty();
      fails(Cli.run(env(), "wal-push", segment(2).toString()), 2, "walarchive.manifest");
      fails(Cli.run(env(), "show"), 2, "walarchive.manifest");
      assertThat(stored()).isEqualTo(before);
    }
    Files.delete(manifest);
    Files.write(manifest, good);
    assertThat(fetch(env(), "000000010000000000000001").exitCode()).isZero();
  }

  @Test
  void anUnreadableManifestIsAConfigurationErrorNamingTheUser() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Drills.isRoot(), "needs root to run as postgres");
    assertThat(Cli.run(env(), "wal-push", segment(1).toString()).exitCode()).isZero();
    Drills.chownToPostgres(base);
    Path manifest = archiveDir.resolve("walarchive.manifest");
    Files.setPosixFilePermissions(manifest, java.util.Set.of());
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                "runuser",
                "-u",
                "postgres",
                "--",
                Cli.launcher().toString(),
                "wal-fetch",
                "000000010000000000000002",
                restoreDir.resolve("RECOVERYXLOG").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("WALARCHIVE_"));
    pb.environment().putAll(env());
    Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(err).isEqualTo(126);
    assertThat(err.lines().filter(l -> !l.isBlank()).toList())
        .singleElement()
        .asString()
        .contains("cannot read the archive manifest at file:" + archiveDir)
        .contains("permission denied to user postgres");
    assertThat(leftAtRestore()).isEmpty();
  }

  @Test
  void keyMistakesAreRefusedWithExit2AndStoreNothing() throws Exception {
    assertThat(Cli.run(env(), "wal-push", segment(1).toString()).exitCode()).isZero();
    List<String> before = stored();
    String location = "file:" + archiveDir;

    // no key (a typo'd key-file property is the same to the push)
    fails(
        Cli.run(env(location, null), "wal-push", segment(2).toString()),
        2,
        "is encrypted, but no key is configured",
        "key-file");
    // re-running the quick start's key command: a new key under the old id k1
    Path regenerated = newKey("k1-again.key");
    fails(
        Cli.run(env(location, regenerated), "wal-push", segment(2).toString()),
        2,
        "the key configured as 'k1' is not the key",
        "new key id");
    assertThat(stored()).isEqualTo(before);
    // and it is a configuration error for readers, not corruption or "not found"
    fails(
        fetch(env(location, regenerated), "000000010000000000000001"),
        126,
        "the key configured as 'k1'");
    fails(
        fetch(env(location, regenerated), "000000010000000000000009"),
        126,
        "the key configured as 'k1'");
    fails(
        fetch(env(location, null), "000000010000000000000001"),
        126,
        "is encrypted, but no key is configured");
    assertThat(leftAtRestore()).isEmpty();
    fails(Cli.run(env(location, regenerated), "verify"), 2, "the key configured as 'k1'");

    // the new key under a new id, registered explicitly; then the old one is retired
    Map<String, String> k2 = env(location, regenerated);
    k2.put("WALARCHIVE_KEY_ID", "k2");
    fails(
        Cli.run(k2, "wal-push", segment(2).toString()),
        2,
        "key id 'k2' is not registered",
        "walarchive keys add");
    Cli.Result add = Cli.run(k2, "keys", "add");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    assertThat(Cli.run(k2, "wal-push", segment(2).toString()).exitCode()).isZero();
    Cli.Result retire = Cli.run(k2, "keys", "retire", "k1");
    assertThat(retire.exitCode()).as(retire.toString()).isZero();
    fails(Cli.run(env(), "wal-push", segment(3).toString()), 2, "key id 'k1' is retired");
    fails(Cli.run(k2, "keys", "retire", "k2"), 2, "last current key");
    Cli.Result list = Cli.run(k2, "keys", "list");
    assertThat(list.stdout())
        .contains("encryption: aes-256-gcm, keys k1 (retired) k2")
        .contains("key k1 retired");
    assertThat(list.stdout()).doesNotContain(Files.readString(regenerated).trim());
  }

  @Test
  void encryptionIsTurnedOnForAPlaintextArchiveExplicitly() throws Exception {
    String location = "file:" + archiveDir;
    assertThat(Cli.run(env(location, null), "wal-push", segment(1).toString()).exitCode()).isZero();
    List<String> before = stored();
    fails(
        Cli.run(env(), "wal-push", segment(2).toString()),
        2,
        "is not encrypted, but a key is configured",
        "walarchive keys enable-encryption");
    assertThat(stored()).isEqualTo(before);
    Cli.Result enable = Cli.run(env(), "keys", "enable-encryption");
    assertThat(enable.exitCode()).as(enable.toString()).isZero();
    assertThat(enable.stdout()).contains("allow-unencrypted");
    assertThat(Cli.run(env(), "wal-push", segment(2).toString()).exitCode()).isZero();
    fails(
        Cli.run(env(location, null), "wal-push", segment(3).toString()),
        2,
        "is encrypted, but no key is configured");
    Map<String, String> reader = env();
    reader.put("WALARCHIVE_ALLOW_UNENCRYPTED", "true");
    assertThat(fetch(reader, "000000010000000000000001").exitCode()).isZero();
    assertThat(Cli.run(env(), "show").stdout()).contains("encryption: aes-256-gcm, keys k1");
  }
}
