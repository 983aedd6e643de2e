package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.storage.spi.TemporaryFiles;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher as PostgreSQL meets it: a broken installation, a JVM that dies, signals to the
 * process group (SIGQUIT on an immediate shutdown), and the temporary files killed runs leave.
 */
class LauncherCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final String SEGMENT = "000000010000000000000007";

  /** C1/C2 off: the pipeline runs interpreted, so a run lasts long enough to be interrupted. */
  private static final String SLOW = "-Xint";

  private Path base;
  private Path archiveDir;
  private Path pgWal;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-launcher");
    archiveDir = base.resolve("archive");
    pgWal = Files.createDirectories(base.resolve("pg_wal"));
    Path keyFile = base.resolve("key");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key), UTF_8);
    Drills.restrictToOwner(keyFile);
    env = new HashMap<>();
    env.put("WALARCHIVE_URL", "file:" + archiveDir);
    env.put("WALARCHIVE_KEY_FILE", keyFile.toString());
    env.put("WALARCHIVE_TMPDIR", Files.createDirectories(base.resolve("tmp")).toString());
    env.put("WALARCHIVE_COMPRESSION", "none");
  }

  @AfterEach
  void tearDown() throws Exception {
    PostgresServer.deleteTree(base);
  }

  private Path segment(long segno, long seed) throws IOException {
    Path dir = Files.createDirectories(base.resolve("src"));
    return SyntheticWal.writeSegment(dir, SYSID, 1, segno, WalSegmentSize.DEFAULT, seed);
  }

  private static Path distribution() {
    return Cli.launcher()
        .toAbsolutePath()
        .getParent()
        .resolve("walarchive-examples/target/walarchive");
  }

  /** A copy of the installed CLI (its jars linked) without the jars {@code missing} matches. */
  private Path installationWithout(String missing) throws IOException {
    Path copy = base.resolve("install-" + missing.replace('*', '_'));
    Files.createDirectories(copy.resolve("bin"));
    Files.copy(distribution().resolve("bin/walarchive"), copy.resolve("bin/walarchive"));
    Path lib = Files.createDirectories(copy.resolve("lib"));
    try (Stream<Path> jars = Files.list(distribution().resolve("lib"))) {
      for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
        String name = jar.getFileName().toString();
        if (name.matches(missing.replace(".", "\\.").replace("*", ".*"))) {
          continue;
        }
        if (name.equals("walarchive.jar")) {
          // a copy: its manifest's Class-Path then names the jars beside the copy
          Files.copy(jar, lib.resolve(name));
        } else {
          Files.createSymbolicLink(lib.resolve(name), jar);
        }
      }
    }
    return copy.resolve("bin/walarchive");
  }

  private static Cli.Result run(Path launcher, Map<String, String> env, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("sh", launcher.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("WALARCHIVE_"));
    pb.environment().putAll(env);
    Process p =
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Cli.Result(p.exitValue(), new String(out, UTF_8), new String(err, UTF_8));
  }

  private void assertOneLine(Cli.Result r, int code, String... contains) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
    assertThat(r.stderrLines()).as(r.toString()).singleElement().asString().contains(contains);
    assertThat(r.stderr()).as(r.toString()).doesNotContain("\tat ");
  }

  private String[] push() throws IOException {
    return new String[] {"wal-push", segment(7, 7).toString()};
  }

  private String[] fetch() {
    return new String[] {"wal-fetch", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString()};
  }

  @Test
  void aBrokenInstallationIsAConfigurationErrorInOneLineNeverNotFound() throws Exception {
    Path launcher = installationWithout("none");
    Map<String, String> noJava = new HashMap<>(env);
    noJava.put("JAVA_HOME", "/nonexistent");
    assertOneLine(run(launcher, noJava, push()), 2, "JAVA_HOME=/nonexistent");
    assertOneLine(run(launcher, noJava, fetch()), 126, "JAVA_HOME=/nonexistent");

    Path noJar = installationWithout("walarchive.jar");
    assertOneLine(run(noJar, env, push()), 2, "walarchive.jar is missing");
    assertOneLine(run(noJar, env, fetch()), 126, "walarchive.jar is missing");

    for (String dependency : List.of("picocli-*.jar", "walarchive-core-*.jar")) {
      Path broken = installationWithout(dependency);
      assertOneLine(run(broken, env, push()), 2, "installation is broken", "lib");
      assertOneLine(run(broken, env, fetch()), 126, "installation is broken", "lib");
    }

    Map<String, String> tinyHeap = new HashMap<>(env);
    tinyHeap.put("WALARCHIVE_JAVA_OPTS", "-Xmx4m");
    assertOneLine(run(launcher, tinyHeap, push()), 2, "out of memory", "-Xmx");
    assertOneLine(run(launcher, tinyHeap, fetch()), 126, "out of memory", "-Xmx");

    // the JVM itself refuses to start: its own lines, then ours, and the configuration code
    Map<String, String> badOption = new HashMap<>(env);
    badOption.put("WALARCHIVE_JAVA_OPTS", "-XX:+NoSuchOption");
    for (String[] args : List.of(push(), fetch())) {
      Cli.Result r = run(launcher, badOption, args);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(args[0].equals("wal-push") ? 2 : 126);
      assertThat(r.stderrLines().get(r.stderrLines().size() - 1)).contains("WALARCHIVE_JAVA_OPTS");
    }
    assertThat(pgWal).isEmptyDirectory();
  }

  /** A JAVA_HOME whose java runs {@code script} (sh) instead of a JVM. */
  private Map<String, String> fakeJava(String script) throws IOException {
    Path home = base.resolve("fake-java-" + Integer.toHexString(script.hashCode()));
    Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\n" + script + "\n", UTF_8);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> e = new HashMap<>(env);
    e.put("JAVA_HOME", home.toString());
    return e;
  }

  @Test
  void onlyWalarchivesOwnNotFoundBecomesExitOneAndPushNeverExceeds125() throws Exception {
    Path launcher = installationWithout("none");
    // a JVM failing with its own status 1 (before main, uncaught error) is not "not found"
    Map<String, String> one = fakeJava("echo 'Error: a JVM failure' >&2; exit 1");
    assertThat(run(launcher, one, fetch()).exitCode()).isEqualTo(126);
    assertThat(run(launcher, one, push()).exitCode()).isEqualTo(2);
    // a JVM that crashed (abort) or was killed by something else
    for (String death : List.of("kill -ABRT $$", "kill -KILL $$", "kill -SEGV $$", "exit 137")) {
      Map<String, String> dies = fakeJava(death);
      Cli.Result f = run(launcher, dies, fetch());
      assertThat(f.exitCode()).as(death + ": " + f).isGreaterThan(125);
      assertThat(f.stderrLines().get(f.stderrLines().size() - 1)).contains("Java");
      Cli.Result p = run(launcher, dies, push());
      assertThat(p.exitCode()).as(death + ": " + p).isEqualTo(1);
    }
    // unexpected small statuses from fetch are failures too
    assertThat(run(launcher, fakeJava("exit 3"), fetch()).exitCode()).isGreaterThan(125);
    // the real CLI: missing is 1 (reported by the JVM as 100), nothing on stderr
    assertThat(run(launcher, fakeJava("exit 100"), fetch()).exitCode()).isEqualTo(1);
    assertThat(run(launcher, env, "wal-push", segment(1, 1).toString()).exitCode()).isZero();
    Cli.Result missing = run(launcher, env, fetch());
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
    assertThat(missing.stderrLines()).isEmpty();
    // stdin, stdout and the exit status of a normal run pass through
    Map<String, String> echo = fakeJava("cat; echo out; echo err >&2; exit 4");
    ProcessBuilder pb = new ProcessBuilder("sh", launcher.toString(), "wal-push", "x");
    pb.environment().putAll(echo);
    Process p = pb.start();
    p.getOutputStream().write("from stdin\n".getBytes(UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor()).isEqualTo(4);
    assertThat(out).isEqualTo("from stdin\nout\n");
    assertThat(err).isEqualTo("err\n");
  }

  /** The launcher, started as the leader of a process group of its own (as under PostgreSQL). */
  private Process startInOwnGroup(Map<String, String> env, String... args) throws IOException {
    return Cli.groupLeaderBuilder(env, args)
        .redirectOutput(base.resolve("stdout").toFile())
        .redirectError(base.resolve("stderr").toFile())
        .start();
  }

  private static void signal(String signal, String target) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, "--", target).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  private static List<Path> temps(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().contains(".walarchive-tmp-"))
          .filter(Files::isRegularFile)
          .toList();
    }
  }

  private List<Path> allTemps() throws IOException {
    List<Path> all = new ArrayList<>(temps(pgWal));
    all.addAll(temps(archiveDir));
    all.addAll(temps(base.resolve("tmp")));
    return all;
  }

  /** Waits until the run has made a temporary file, so that a signal catches it at work. */
  private void awaitTemp(Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (allTemps().isEmpty()) {
      assertThat(p.isAlive()).as("the run ended before writing: %s", stderr()).isTrue();
      assertThat(System.nanoTime()).as("no temporary file appeared").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private String stderr() throws IOException {
    return Files.readString(base.resolve("stderr"), UTF_8);
  }

  private void archiveTheSegment() throws Exception {
    Cli.Result r = Cli.run(env, "wal-push", segment(7, 7).toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private record Interrupted(
      int exitCode, long launcher, List<ProcessHandle> jvms, String stderr) {}

  private Interrupted interrupt(String signal, boolean wholeGroup, String... args)
      throws Exception {
    Map<String, String> slow = new HashMap<>(env);
    slow.put("WALARCHIVE_JAVA_OPTS", SLOW);
    Process p = startInOwnGroup(slow, args);
    awaitTemp(p);
    List<ProcessHandle> jvms = p.descendants().toList();
    assertThat(jvms).isNotEmpty();
    if (wholeGroup) {
      Cli.signalGroup(p, signal);
    } else {
      signal(signal, String.valueOf(p.pid()));
    }
    if (!p.waitFor(1, TimeUnit.MINUTES)) {
      String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(
          "still running after SIG" + signal + ": " + stderr() + "\n" + status + "\n" + jvms);
    }
    return new Interrupted(p.exitValue(), p.pid(), jvms, stderr());
  }

  private void assertStoppedClean(Interrupted r, String signal) throws Exception {
    for (ProcessHandle jvm : r.jvms()) {
      assertThat(jvm.onExit().get(1, TimeUnit.MINUTES).isAlive()).isFalse();
    }
    assertThat(r.stderr()).doesNotContain("Full thread dump").doesNotContain("\tat ");
    assertThat(Files.readString(base.resolve("stdout"), UTF_8)).isEmpty();
    assertThat(r.stderr().lines().filter(l -> !l.isBlank()))
        .singleElement()
        .asString()
        .contains("stopped by SIG" + signal);
    assertThat(allTemps()).isEmpty();
    // the launcher's private list of the JVM's temporary files is gone too
    assertThat(Path.of("/tmp/.walarchive-launcher-" + r.launcher() + ".temps")).doesNotExist();
  }

  @Test
  void signalsStopAFetchAtOnceWithNothingAtTheDestinationAndNoTemporaryFile() throws Exception {
    archiveTheSegment();
    Path dest = pgWal.resolve("RECOVERYXLOG");
    String[][] cases = {{"QUIT", "3"}, {"TERM", "15"}, {"INT", "2"}, {"HUP", "1"}};
    for (String[] c : cases) {
      for (boolean group : new boolean[] {true, false}) {
        Interrupted r = interrupt(c[0], group, "wal-fetch", SEGMENT, dest.toString());
        assertThat(r.exitCode()).as("SIG%s: %s", c[0], r).isEqualTo(128 + Integer.parseInt(c[1]));
        assertStoppedClean(r, c[0]);
        assertThat(dest).doesNotExist();
      }
    }
  }

  @Test
  void signalsStopAPushWithASmallCodeNothingArchivedAndNoTemporaryFile() throws Exception {
    Path file = segment(7, 7);
    for (String signal : List.of("QUIT", "TERM", "INT")) {
      Interrupted r = interrupt(signal, true, "wal-push", file.toString());
      assertThat(r.exitCode()).as("SIG%s: %s", signal, r).isEqualTo(1);
      assertStoppedClean(r, signal);
      if (Files.exists(archiveDir.resolve("wal").resolve(SEGMENT))) {
        // the signal came after the link: then it is complete, and a retry is identical
        Path dest = pgWal.resolve("check");
        assertThat(Cli.run(env, "wal-fetch", SEGMENT, dest.toString()).exitCode()).isZero();
        assertThat(dest).hasSameBinaryContentAs(file);
        Files.delete(dest);
        Files.delete(archiveDir.resolve("wal").resolve(SEGMENT));
      }
    }
    Cli.Result retry = Cli.run(env, "wal-push", file.toString());
    assertThat(retry.exitCode()).as(retry.toString()).isZero();
  }

  private static void age(List<Path> files) throws IOException {
    for (Path f : files) {
      Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    }
  }

  @Test
  void temporaryFilesOfRunsKilledWithSigkillAreRemovedByLaterRunsOnceStale() throws Exception {
    archiveTheSegment();
    Path dest = pgWal.resolve("RECOVERYXLOG");
    Interrupted fetch = interrupt("KILL", true, "wal-fetch", SEGMENT, dest.toString());
    assertThat(fetch.exitCode()).isEqualTo(128 + 9);
    List<Path> left = temps(pgWal);
    assertThat(left).hasSize(1);
    assertThat(left.get(0).getFileName().toString()).startsWith(".RECOVERYXLOG.walarchive-tmp-");
    // young: a later run leaves it (it could be a live run's)
    Cli.Result again = Cli.run(env, "wal-fetch", SEGMENT, dest.toString());
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(temps(pgWal)).containsExactlyElementsOf(left);
    age(left);
    Files.delete(dest);
    again = Cli.run(env, "wal-fetch", SEGMENT, dest.toString());
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(temps(pgWal)).isEmpty();

    Path file = segment(8, 8);
    Interrupted push = interrupt("KILL", true, "wal-push", file.toString());
    assertThat(push.exitCode()).isEqualTo(128 + 9);
    List<Path> pushLeft = new ArrayList<>(temps(archiveDir));
    pushLeft.addAll(temps(base.resolve("tmp")));
    assertThat(pushLeft).isNotEmpty();
    assertThat(Cli.run(env, "list").stdout()).doesNotContain("walarchive-tmp");
    age(pushLeft);
    // a later push of a large file goes through the spool and the archive's temporary directory
    Cli.Result later = Cli.run(env, "wal-push", file.toString());
    assertThat(later.exitCode()).as(later.toString()).isZero();
    assertThat(allTemps()).isEmpty();
  }

  private Cli.Result runAsPostgres(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    if (Drills.isRoot()) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.add(Cli.launcher().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("WALARCHIVE_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Cli.Result(p.exitValue(), new String(out, UTF_8), new String(err, UTF_8));
  }

  @Test
  void permissionProblemsNameTheDirectoryAndTheUserAndARePushNeedsNoWriteAccess() throws Exception {
    Path file = segment(7, 7);
    archiveTheSegment();
    Path other = segment(8, 8);
    // the archive belongs to root (written above); the postgres user may read it, not write
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Path p : List.of(file, other)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
    Drills.chownToPostgres(base.resolve("key")); // a key stays private: the reader owns it
    Files.setPosixFilePermissions(
        base.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
    String user = Drills.isRoot() ? "postgres" : System.getProperty("user.name");
    if (!Drills.isRoot()) {
      Files.setPosixFilePermissions(
          archiveDir.resolve("wal"), PosixFilePermissions.fromString("r-xr-xr-x"));
    }

    Cli.Result again = runAsPostgres("wal-push", file.toString());
    assertThat(again.exitCode()).as(again.toString()).isZero();

    Cli.Result denied = runAsPostgres("wal-push", other.toString());
    assertOneLine(
        denied, 1, "cannot write to directory " + archiveDir.resolve("wal") + " as user " + user);
    assertThat(denied.stderr()).doesNotContain(TemporaryFiles.MARKER);

    Cli.Result fetchDenied =
        runAsPostgres("wal-fetch", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString());
    assertThat(fetchDenied.exitCode()).as(fetchDenied.toString()).isGreaterThan(125);
    assertOneLine(
        fetchDenied,
        fetchDenied.exitCode(),
        "cannot write to directory " + pgWal + " as user " + user);
    assertThat(pgWal).isEmptyDirectory();
  }
}
