package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** wal-push and wal-fetch as processes: races, kill -9, bad input, exit codes. */
class WalPushFetchCliTest {
  private static final long SYSID = 7_311_111_111_111_111_111L;
  private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;

  private Path base;
  private Path archiveDir;
  private Path keyFile;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-cli");
    archiveDir = base.resolve("archive");
    keyFile = Drills.writeRandomKey(base.resolve("key"));
    env =
        Map.of(
            "WALARCHIVE_URL", "file:" + archiveDir,
            "WALARCHIVE_KEY_FILE", keyFile.toString(),
            "WALARCHIVE_TMPDIR", base.toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    PostgresServer.deleteTree(base);
  }

  private Path segment(String dir, long segno, long seed) throws Exception {
    Path d = Files.createDirectories(base.resolve(dir));
    return SyntheticWal.writeSegment(d, SYSID, 1, segno, SIZE, seed);
  }

  private List<String> archivedNames() throws Exception {
    return Drills.archivedWalNames(archiveDir);
  }

  private byte[] fetch(String name) throws Exception {
    Path dest = base.resolve("fetched-" + name);
    Cli.Result r = Cli.run(env, "wal-fetch", name, dest.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    byte[] bytes = Files.readAllBytes(dest);
    Files.delete(dest);
    return bytes;
  }

  @Test
  void racingPushesOfDifferentContentHaveOneWinnerAndTheArchiveKeepsIt() throws Exception {
    Cli.Result first = Cli.run(env, "wal-push", segment("init", 1, 1).toString());
    assertThat(first.exitCode()).as(first.toString()).isZero();
    for (int round = 0; round < 3; round++) {
      long segno = 10 + round;
      Path a = segment("a", segno, 100 + round);
      Path b = segment("b", segno, 200 + round);
      Process pa = Cli.builder(env, "wal-push", a.toString()).start();
      Process pb = Cli.builder(env, "wal-push", b.toString()).start();
      assertThat(pa.waitFor(2, TimeUnit.MINUTES)).isTrue();
      assertThat(pb.waitFor(2, TimeUnit.MINUTES)).isTrue();
      int ea = pa.exitValue();
      int eb = pb.exitValue();
      assertThat(List.of(ea, eb))
          .as("exit codes of round %s", round)
          .containsExactlyInAnyOrder(0, 4);
      Path winner = ea == 0 ? a : b;
      String loserErr =
          new String((ea == 0 ? pb : pa).getErrorStream().readAllBytes(), UTF_8).trim();
      assertThat(loserErr.lines()).singleElement().asString().contains("different content");
      assertThat(fetch(a.getFileName().toString())).isEqualTo(Files.readAllBytes(winner));
    }
  }

  @Test
  void racingPushesOfIdenticalContentBothSucceed() throws Exception {
    Path a = segment("a", 20, 7);
    Path b = Files.createDirectories(base.resolve("b")).resolve(a.getFileName());
    Files.copy(a, b);
    Process pa = Cli.builder(env, "wal-push", a.toString()).start();
    Process pb = Cli.builder(env, "wal-push", b.toString()).start();
    assertThat(pa.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(pb.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(List.of(pa.exitValue(), pb.exitValue())).containsExactly(0, 0);
    assertThat(fetch(a.getFileName().toString())).isEqualTo(Files.readAllBytes(a));
  }

  @Test
  void killNineNeverLeavesAPartialObjectAndARetrySucceeds() throws Exception {
    Random random = new Random(20261121);
    int visibleAfterKill = 0;
    for (int i = 0; i < 20; i++) {
      long segno = 100 + i;
      Path file = segment("kill", segno, 1000 + i);
      String name = file.getFileName().toString();
      // kill -9 of the whole process group: the launcher and its JVM
      Process p = Cli.groupLeaderBuilder(env, "wal-push", file.toString()).start();
      Thread.sleep(random.nextInt(1500));
      Cli.signalGroup(p, "KILL");
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      if (archivedNames().contains(name)) {
        // visible means complete: it restores byte for byte
        visibleAfterKill++;
        assertThat(fetch(name))
            .as("object visible after kill #%s", i)
            .isEqualTo(Files.readAllBytes(file));
      }
      Cli.Result retry = Cli.run(env, "wal-push", file.toString());
      assertThat(retry.exitCode()).as("retry after kill #%s: %s", i, retry).isZero();
      assertThat(fetch(name)).isEqualTo(Files.readAllBytes(file));
    }
    System.out.printf(
        "kill -9 drill: %d of 20 objects were complete before the kill%n", visibleAfterKill);
  }

  private void assertOneLineError(Cli.Result r, int exitCode, String contains) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
    assertThat(r.stderrLines()).as(r.toString()).singleElement().asString().contains(contains);
  }

  @Test
  void badInputGivesOneClearLineADocumentedCodeAndWritesNothing() throws Exception {
    assertOneLineError(
        Cli.run(env, "wal-push", base.resolve("000000010000000000000001").toString()),
        3,
        "does not exist");
    Path directory = Files.createDirectories(base.resolve("d/000000010000000000000002"));
    assertOneLineError(Cli.run(env, "wal-push", directory.toString()), 3, "not a regular file");
    Path notWal = Files.writeString(base.resolve("backup_label.old"), "x");
    assertOneLineError(Cli.run(env, "wal-push", notWal.toString()), 3, "backup_label.old");
    Path lying =
        Files.createDirectories(base.resolve("lying"))
            .resolve(WalFileName.segment(1, 5, SIZE).name());
    Files.copy(segment("src", 3, 1), lying);
    assertOneLineError(
        Cli.run(env, "wal-push", lying.toString()), 3, lying.getFileName().toString());

    Path badKey = Files.writeString(base.resolve("bad.key"), "not base64 of 32 bytes");
    Drills.restrictToOwner(badKey);
    Map<String, String> badKeyEnv = new java.util.HashMap<>(env);
    badKeyEnv.put("WALARCHIVE_KEY_FILE", badKey.toString());
    assertOneLineError(Cli.run(badKeyEnv, "wal-push", segment("k", 4, 1).toString()), 2, "bad.key");
    Map<String, String> missingKeyEnv = new java.util.HashMap<>(env);
    missingKeyEnv.put("WALARCHIVE_KEY_FILE", base.resolve("absent.key").toString());
    assertOneLineError(
        Cli.run(missingKeyEnv, "wal-push", segment("k", 4, 1).toString()), 2, "absent.key");
    assertThat(archivedNames()).isEmpty();
  }

  @Test
  void anUnreadableKeyFileIsAClearError() throws Exception {
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("---------"));
    Path file = segment("u", 4, 1);
    Drills.chownToPostgres(base);
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("---------"));
    List<String> cmd = new ArrayList<>();
    if (Drills.isRoot()) {
      // root reads any file; run as the user PostgreSQL runs the archiver as
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(List.of(Cli.launcher().toString(), "wal-push", file.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), UTF_8).trim();
    assertThat(p.waitFor()).as(err).isEqualTo(2);
    assertThat(err.lines()).singleElement().asString().contains(keyFile.toString());
    assertThat(archivedNames()).isEmpty();
  }

  @Test
  void fetchExitCodesTellPostgresWhatHappened() throws Exception {
    Path file = segment("f", 30, 5);
    assertThat(Cli.run(env, "wal-push", file.toString()).exitCode()).isZero();
    Path dest = base.resolve("RECOVERYXLOG");

    Cli.Result missing = Cli.run(env, "wal-fetch", "000000010000000000000063", dest.toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderrLines()).isEmpty();
    assertThat(dest).doesNotExist();

    Cli.Result badName = Cli.run(env, "wal-fetch", "../etc/passwd", dest.toString());
    assertThat(badName.exitCode()).as(badName.toString()).isGreaterThan(125);
    assertThat(dest).doesNotExist();

    Path stored = archiveDir.resolve("wal").resolve(file.getFileName());
    byte[] original = Files.readAllBytes(stored);
    byte[] damaged = original.clone();
    damaged[damaged.length - 10] ^= 0x01;
    Files.write(stored, damaged);
    Cli.Result corrupt = Cli.run(env, "wal-fetch", file.getFileName().toString(), dest.toString());
    assertOneLineError(corrupt, 128, file.getFileName().toString());
    assertThat(dest).doesNotExist();

    Files.write(stored, original);
    Map<String, String> otherKey = new java.util.HashMap<>(env);
    otherKey.remove("WALARCHIVE_KEY_FILE");
    otherKey.put("WALARCHIVE_KEY", Base64.getEncoder().encodeToString(new byte[32]));
    otherKey.put("WALARCHIVE_KEY_ID", "other");
    Cli.Result wrongKey =
        Cli.run(otherKey, "wal-fetch", file.getFileName().toString(), dest.toString());
    assertThat(wrongKey.exitCode()).as(wrongKey.toString()).isEqualTo(128);
    assertThat(wrongKey.stderr()).doesNotContain(Base64.getEncoder().encodeToString(new byte[32]));
    assertThat(dest).doesNotExist();

    Map<String, String> noUrl = new java.util.HashMap<>(env);
    noUrl.remove("WALARCHIVE_URL");
    Cli.Result unconfigured =
        Cli.run(noUrl, "wal-fetch", file.getFileName().toString(), dest.toString());
    assertOneLineError(unconfigured, 126, "WALARCHIVE_URL");
  }

  @Test
  void helpWorksOnEveryCommand() throws Exception {
    for (String command : Main.subcommandNames()) {
      if (command.equals("help")) {
        continue;
      }
      Cli.Result r = Cli.run(env, command, "--help");
      assertThat(r.exitCode()).as(command + ": " + r).isZero();
      assertThat(r.stdout()).contains("Usage: walarchive " + command);
    }
  }
}
