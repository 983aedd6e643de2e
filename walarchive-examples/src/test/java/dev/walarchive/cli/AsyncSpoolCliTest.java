package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
 * Async mode through the launcher, without PostgreSQL: the spool never acknowledges a segment that
 * is not in the archive, never hands out a file from another archive, and fails loudly when it
 * cannot work.
 */
class AsyncSpoolCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;

  private Path base;
  private Path spool;
  private Path dataDir;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-async");
    spool = base.resolve("spool");
    Path keyFile = base.resolve("key");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key), UTF_8);
    Drills.restrictToOwner(keyFile);
    env = new HashMap<>();
    env.put("WALARCHIVE_URL", "file:" + base.resolve("archive"));
    env.put("WALARCHIVE_KEY_FILE", keyFile.toString());
    env.put("WALARCHIVE_SPOOL_DIR", spool.toString());
    env.put("WALARCHIVE_SPOOL_IDLE", "20");
    dataDir = newDataDir();
  }

  @AfterEach
  void tearDown() throws Exception {
    Spools.killWorkers(spool);
    PostgresServer.deleteTree(base);
  }

  private Path newDataDir() throws Exception {
    Path d = base.resolve("pgdata");
    Files.createDirectories(d.resolve("pg_wal/archive_status"));
    return d;
  }

  /** Writes segment {@code segno} into the data directory and marks it ready. */
  private String readySegment(long sysid, long segno, long seed) throws Exception {
    Path f = SyntheticWal.writeSegment(dataDir.resolve("pg_wal"), sysid, 1, segno, SIZE, seed);
    Files.deleteIfExists(dataDir.resolve("pg_wal/archive_status/" + f.getFileName() + ".done"));
    Files.writeString(dataDir.resolve("pg_wal/archive_status/" + f.getFileName() + ".ready"), "");
    return f.getFileName().toString();
  }

  private Cli.Result inDataDir(Map<String, String> environment, String... args) throws Exception {
    Path out = Files.createTempFile(base, "out", ".txt");
    Path err = Files.createTempFile(base, "err", ".txt");
    Process p =
        Cli.builder(environment, args)
            .directory(dataDir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("walarchive " + String.join(" ", args) + " hung");
    }
    return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private Cli.Result push(String name) throws Exception {
    return inDataDir(env, "wal-push", "pg_wal/" + name);
  }

  private Cli.Result fetch(String name) throws Exception {
    return inDataDir(env, "wal-fetch", name, "pg_wal/RECOVERYXLOG");
  }

  /** What the archive at the current URL holds under {@code name}, read without the spool. */
  private byte[] archived(String name) throws Exception {
    Path dest = base.resolve("check-" + name);
    Files.deleteIfExists(dest);
    try (WalArchive archive = new CliConfig(env).openArchive()) {
      archive.fetch(name, dest);
    }
    return Files.readAllBytes(dest);
  }

  private Path stateDir() throws Exception {
    try (Stream<Path> s = Files.list(spool)) {
      List<Path> dirs = s.filter(Files::isDirectory).toList();
      assertThat(dirs).hasSize(1);
      return dirs.get(0);
    }
  }

  @Test
  void pushIsDurableInTheArchiveWhenItSucceedsAndTheSpoolLivesOutsidePgWal() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    String b = readySegment(SYSID, 2, 2);
    Cli.Result r = push(a);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(archived(a)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + a)));
    // b was pushed ahead: its call is answered from the spool
    Cli.Result rb = push(b);
    assertThat(rb.exitCode()).as(rb.toString()).isZero();
    assertThat(archived(b)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + b)));
    try (Stream<Path> s = Files.list(dataDir.resolve("pg_wal"))) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(a, b, "archive_status");
    }
  }

  /**
   * A permanent agent (no idle exit) warms its push path up on synthetic data at start; the warm-up
   * runs beside the real work and must neither delay nor disturb it: segments waiting when it
   * starts are pushed (ahead), acknowledged and archived byte for byte, and the agent keeps
   * running.
   */
  @Test
  void aPermanentAgentWarmingUpPushesTheSegmentsWaitingAndKeepsRunning() throws Exception {
    String a = readySegment(SYSID, 1, 11);
    String b = readySegment(SYSID, 2, 12);
    Path log = base.resolve("agent.log");
    Process agent =
        Cli.builder(env, "agent", "--pgdata", dataDir.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitCondition(
          () -> Files.exists(log) && Files.readString(log).contains("worker started"),
          "the agent started");
      for (String name : List.of(a, b)) {
        Cli.Result r = push(name);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(archived(name)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + name)));
      }
      // the agent served both (b pushed ahead after the request for a), no worker on demand
      assertThat(Files.readString(log)).contains("pushed " + a, "pushed " + b);
      assertThat(agent.isAlive()).as(Files.readString(log)).isTrue();
    } finally {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
    }
  }

  @Test
  void aWorkerPidFileNamingAnotherProcessNeverLetsAMarkerAnswer() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    assertThat(push(a).exitCode()).isZero();
    Path dir = stateDir();
    assertThat(dir.resolve("ack/" + a)).exists();
    assertThat(Spools.killWorkers(spool)).isPositive();
    PostgresServer.deleteTree(base.resolve("archive"));
    // a live process under the recorded pid (this JVM), but not the one that started then: as
    // after the worker died and its pid was reused
    SpoolState state = new SpoolState(dir);
    state.writeWorkerPid();
    String[] pid = Files.readString(state.workerPid).trim().split(" ");
    Files.writeString(
        state.workerPid, pid[0] + " " + (Long.parseLong(pid[1]) + 1) + " " + pid[2] + "\n");
    Files.setLastModifiedTime(
        state.verified, FileTime.from(Instant.now().plus(1, ChronoUnit.HOURS)));
    Cli.Result r = push(a);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(archived(a)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + a)));
  }

  @Test
  void theSpoolKeyIndexMapsOnlyExactlyTheSameSettings() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    Path file = dataDir.resolve("pg_wal/" + a);
    // a forged state directory that would answer the push at once: an ack matching the file, an
    // identity check after it, and a running "worker" (this JVM)
    Path forged = Files.createDirectories(spool.resolve("00000000deadbeef"));
    SpoolState state = new SpoolState(forged);
    state.create();
    state.writeMarker(state.ack.resolve(a), SpoolState.identity(file) + " forged");
    Files.setLastModifiedTime(
        state.ack.resolve(a), FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
    Files.writeString(state.verified, "");
    state.writeWorkerPid();
    String url = env.get("WALARCHIVE_URL");
    String d = dataDir.toRealPath().toString();
    // index lines for a shorter URL, for a longer one, and a cut line for this one's settings
    Files.writeString(
        spool.resolve("keys"),
        "v1\t"
            + d
            + "\t"
            + url.substring(0, url.length() - 1)
            + "\t\t\t00000000deadbeef\n"
            + ("v1\t" + d + "\t" + url + "x\t\t\t00000000deadbeef\n")
            + ("v1\t" + d + "\t" + url + "\t\t\t00000000deadbe\n")
            + ("v1\t" + d + "\t" + url + "\t\t\t00000000deadbeef0\n"));
    Cli.Result r = push(a);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(archived(a)).isEqualTo(Files.readAllBytes(file));
    // the call computed its own key and indexed it: the next call finds the same state directory
    assertThat(Files.readAllLines(spool.resolve("keys")))
        .contains("v1\t" + d + "\t" + url + "\t\t\t" + stateDirOtherThan(forged).getFileName());
    Cli.Result again = push(a);
    assertThat(again.exitCode()).as(again.toString()).isZero();
  }

  private Path stateDirOtherThan(Path forged) throws Exception {
    try (Stream<Path> s = Files.list(spool)) {
      List<Path> dirs = s.filter(Files::isDirectory).filter(p -> !p.equals(forged)).toList();
      assertThat(dirs).hasSize(1);
      return dirs.get(0);
    }
  }

  @Test
  void aRecycledSegmentFileIsNotAcknowledgedByItsOldMarker() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    assertThat(push(a).exitCode()).isZero();
    Path ack = stateDir().resolve("ack/" + a);
    assertThat(ack).exists();
    // the same inode, same size and modification time, other content: only the change time moves
    Path file = dataDir.resolve("pg_wal/" + a);
    FileTime mtime = Files.getLastModifiedTime(file);
    Path other = SyntheticWal.writeSegment(base, SYSID, 1, 1, SIZE, 77);
    Files.write(file, Files.readAllBytes(other));
    Files.setLastModifiedTime(file, mtime);
    Cli.Result r = push(a);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
    assertThat(r.stderr()).contains("already archived with different content");
  }

  @Test
  void aBackupRestoredIntoTheSamePathDoesNotInheritAcknowledgements() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    assertThat(push(a).exitCode()).isZero();
    Path ack = stateDir().resolve("ack/" + a);
    assertThat(ack).exists();
    assertThat(Spools.killWorkers(spool)).isPositive();
    PostgresServer.deleteTree(dataDir);
    dataDir = newDataDir();
    readySegment(SYSID, 1, 2); // the restored server wrote other WAL under the same name
    assertThat(ack).exists();
    Cli.Result r = push(a);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
  }

  @Test
  void anotherArchiveUrlGetsItsOwnStateAndReceivesTheSegment() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    assertThat(push(a).exitCode()).isZero();
    env.put("WALARCHIVE_URL", "file:" + base.resolve("archive-b"));
    Cli.Result r = push(a);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(archived(a)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + a)));
  }

  @Test
  void anArchiveRecreatedAtTheSameUrlIsPushedToAgain() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    assertThat(push(a).exitCode()).isZero();
    assertThat(Spools.killWorkers(spool)).isPositive();
    PostgresServer.deleteTree(base.resolve("archive"));
    Cli.Result r = push(a);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(archived(a)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + a)));
  }

  @Test
  void anArchiveReplacedWhileTheWorkerRunsStopsItsMarkersAnswering() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    String b = readySegment(SYSID, 2, 2);
    assertThat(push(a).exitCode()).isZero();
    Path ackB = stateDir().resolve("ack/" + b);
    awaitCondition(() -> Files.exists(ackB), "the worker pushes " + b + " ahead");
    FileTime oldAck = Files.getLastModifiedTime(ackB);
    // replaced behind the running worker's back: a new archive (new manifest) at the same URL
    PostgresServer.deleteTree(base.resolve("archive"));
    Path other = Files.createDirectories(base.resolve("other"));
    try (WalArchive archive = new CliConfig(env).openArchive()) {
      archive.push(SyntheticWal.writeSegment(other, SYSID, 1, 3, SIZE, 3));
    }
    Path log = stateDir().resolve("worker.log");
    awaitCondition(
        () -> Files.readString(log).contains("the archive changed"),
        "the running worker notices the new archive");
    // the old marker is gone; the worker may have pushed b ahead again since, into the new archive
    if (Files.exists(ackB)) {
      assertThat(Files.getLastModifiedTime(ackB)).isGreaterThan(oldAck);
    }
    Cli.Result r = push(b);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(archived(b)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + b)));
  }

  @Test
  void aMarkerNewerThanTheLastIdentityCheckNeverAnswers() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    String b = readySegment(SYSID, 2, 2);
    assertThat(push(a).exitCode()).isZero();
    Path ackB = stateDir().resolve("ack/" + b);
    awaitCondition(() -> Files.exists(ackB), "the worker pushes " + b + " ahead");
    // the object is gone (as after the archive was replaced at the URL), and the marker was
    // written after every identity check so far: neither launcher nor worker may answer from it
    Files.delete(base.resolve("archive/wal/" + b));
    Files.setLastModifiedTime(ackB, FileTime.from(Instant.now().plus(1, ChronoUnit.HOURS)));
    Cli.Result r = push(b);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(archived(b)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + b)));
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Waits (at most 20 s; the worker checks the archive every 2 s) until {@code c} holds. */
  private static void awaitCondition(Condition c, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!c.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  private void pushSynchronously(long sysid, long seedBase, int count) throws Exception {
    Path dir = Files.createDirectories(base.resolve("src-" + sysid));
    try (WalArchive archive = new CliConfig(env).openArchive()) {
      for (int i = 1; i <= count; i++) {
        archive.push(SyntheticWal.writeSegment(dir, sysid, 1, i, SIZE, seedBase + i));
      }
    }
  }

  @Test
  void fetchPrefetchesAheadAndNeverHandsOutAFileFromAnotherArchive() throws Exception {
    pushSynchronously(SYSID, 100, 4);
    String first = WalFileName.segment(1, 1, SIZE).name();
    String second = WalFileName.segment(1, 2, SIZE).name();
    Cli.Result r = fetch(first);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).hasBinaryContent(archived(first));
    Path prefetched = stateDir().resolve("prefetch/" + second);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(prefetched) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(prefetched).exists();

    // the archive at the URL is replaced by another cluster's while the worker is down
    assertThat(Spools.killWorkers(spool)).isPositive();
    PostgresServer.deleteTree(base.resolve("archive"));
    pushSynchronously(SYSID + 1, 900, 4);
    Cli.Result r2 = fetch(second);
    assertThat(r2.exitCode()).as(r2.toString()).isZero();
    assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).hasBinaryContent(archived(second));
  }

  /** How often worker.log says a fetch of {@code name} found nothing. */
  private long lookupsNotFound(String name) throws Exception {
    return Files.readAllLines(stateDir().resolve("worker.log")).stream()
        .filter(l -> l.contains(" fetch " + name + " not_found "))
        .count();
  }

  @Test
  void pastTheEndOfTheArchiveOnlyTheEndItselfIsLookedUpAgain() throws Exception {
    pushSynchronously(SYSID, 100, 3);
    // recovery takes 1, 2, 3 and, as PostgreSQL does at the end, 3 again, several times
    for (long segno : new long[] {1, 2, 3, 3, 3, 3, 3, 3}) {
      String name = WalFileName.segment(1, segno, SIZE).name();
      Cli.Result r = fetch(name);
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).hasBinaryContent(archived(name));
    }
    String end = WalFileName.segment(1, 4, SIZE).name();
    String pastEnd = WalFileName.segment(1, 6, SIZE).name();
    awaitCondition(() -> lookupsNotFound(end) >= 1, "the worker looked " + end + " up");
    Thread.sleep(500);
    // before, each of the 8 takes looked up the prefetch-count segments after it again; now past
    // the end at most one wave (the first, and one more if the clean-up dropped its records
    // before the next take) and the end itself
    assertThat(lookupsNotFound(pastEnd)).isBetween(1L, 2L);

    // the primary archives the end meanwhile: a fresh answer, and prefetch goes on past it
    pushSynchronously(SYSID, 100, 5);
    Cli.Result r = fetch(end);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).hasBinaryContent(archived(end));
    Path fifth = stateDir().resolve("prefetch/" + WalFileName.segment(1, 5, SIZE).name());
    awaitCondition(() -> Files.exists(fifth), "segment 5 was prefetched");
  }

  @Test
  void notInTheArchiveIsAlwaysAFreshAnswer() throws Exception {
    pushSynchronously(SYSID, 100, 2);
    assertThat(fetch(WalFileName.segment(1, 1, SIZE).name()).exitCode()).isZero();
    String third = WalFileName.segment(1, 3, SIZE).name();
    Files.delete(dataDir.resolve("pg_wal/RECOVERYXLOG"));
    Cli.Result missing = fetch(third);
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
    assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).doesNotExist();
    pushSynchronously(SYSID, 100, 3); // the primary archived it meanwhile
    Cli.Result found = fetch(third);
    assertThat(found.exitCode()).as(found.toString()).isZero();
    assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).hasBinaryContent(archived(third));
    Cli.Result history = fetch("00000002.history");
    assertThat(history.exitCode()).as(history.toString()).isEqualTo(1);
  }

  @Test
  void aSpoolThatCannotBeWrittenIsAnErrorNotASuccess() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    Path notADir = Files.writeString(base.resolve("plain-file"), "x");
    env.put("WALARCHIVE_SPOOL_DIR", notADir.resolve("spool").toString());
    Cli.Result p = push(a);
    assertThat(p.exitCode()).as(p.toString()).isBetween(1, 125);
    assertThat(p.stderrLines()).hasSize(1);
    assertThat(p.stderr()).contains("spool");
    Cli.Result f = fetch(a);
    assertThat(f.exitCode()).as(f.toString()).isGreaterThan(125);
    assertThat(f.stderrLines()).hasSize(1);
  }

  @Test
  void aSpoolTimeoutOrIdleTimeThatIsNotADurationIsAConfigurationError() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    String forms =
        " is not a duration; write whole seconds (30) or a whole number with ms, s, m, h, d or w"
            + " (500ms, 30s, 5m)";
    for (String[] bad :
        new String[][] {
          {"WALARCHIVE_SPOOL_TIMEOUT", "1.5", ""},
          {"WALARCHIVE_SPOOL_TIMEOUT", "0", ""},
          {"WALARCHIVE_SPOOL_TIMEOUT", "5 m", ""},
          {"WALARCHIVE_SPOOL_IDLE", "30sec", ", or 0 for never"}
        }) {
      Map<String, String> e = new HashMap<>(env);
      e.put(bad[0], bad[1]);
      String line = bad[0] + "=" + bad[1] + forms + bad[2];
      // the configuration codes: PostgreSQL reads a wal-fetch exit 2 (a shell's arithmetic
      // error) as "not in the archive" and ends recovery
      Cli.Result p = inDataDir(e, "wal-push", "pg_wal/" + a);
      assertThat(p.exitCode()).as(p.toString()).isEqualTo(2);
      assertThat(p.stderrLines()).as(p.toString()).containsExactly("walarchive wal-push: " + line);
      Cli.Result f = inDataDir(e, "wal-fetch", a, "pg_wal/RECOVERYXLOG");
      assertThat(f.exitCode()).as(f.toString()).isEqualTo(126);
      assertThat(f.stderrLines()).as(f.toString()).containsExactly("walarchive wal-fetch: " + line);
    }
    assertThat(spool).as("no request left, nothing started").doesNotExist();

    env.put("WALARCHIVE_SPOOL_TIMEOUT", "30s");
    env.put("WALARCHIVE_SPOOL_IDLE", "1m");
    Cli.Result p = push(a);
    assertThat(p.exitCode()).as(p.toString()).isZero();
    assertThat(archived(a)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + a)));
    assertThat(Spools.workers(spool))
        .isNotEmpty()
        .allSatisfy(
            w ->
                assertThat(w.info().commandLine().orElse(""))
                    .containsPattern("--idle-exit 60( |$)"));
  }

  /** Segment {@code segno} in pg_wal without a .ready file: never pushed ahead, only on request. */
  private String unreadySegment(long sysid, long segno, long seed) throws Exception {
    Path f = SyntheticWal.writeSegment(dataDir.resolve("pg_wal"), sysid, 1, segno, SIZE, seed);
    return f.getFileName().toString();
  }

  /** Replaces the state directory {@code sub} (a spool that cannot take writes there) by a file. */
  private Path breakStateDir(String sub) throws Exception {
    Path d = stateDir().resolve(sub);
    try (Stream<Path> s = Files.list(d)) {
      for (Path p : s.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(d);
    Files.writeString(d, "not a directory");
    return d;
  }

  private void repairStateDir(Path d) throws Exception {
    Files.delete(d);
    Files.createDirectory(d);
  }

  @Test
  void aReplyThatCannotBeWrittenFailsTheCallAndTheWorkerKeepsServing() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    String b = unreadySegment(SYSID, 2, 2);
    Cli.Result first = push(a);
    assertThat(first.exitCode()).as(first.toString()).isZero();
    List<ProcessHandle> workers = Spools.workers(spool);
    assertThat(workers).isNotEmpty();
    Path k = stateDir();
    Path replies = breakStateDir("reply");
    String line =
        "the walarchive worker could not write its reply into the spool "
            + k
            + " (full or not writable?); free space or fix permissions, see "
            + k
            + "/worker.log";
    long started = System.nanoTime();
    Cli.Result p = push(b);
    assertThat(p.exitCode()).as(p.toString()).isEqualTo(1);
    assertThat(p.stderrLines()).as(p.toString()).containsExactly("walarchive wal-push: " + line);
    Cli.Result f = fetch(a);
    assertThat(f.exitCode()).as(f.toString()).isEqualTo(129);
    assertThat(f.stderrLines()).as(f.toString()).containsExactly("walarchive wal-fetch: " + line);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    assertThat(Spools.workers(spool)).as("the same worker still serves").isEqualTo(workers);
    assertThat(Files.readString(k.resolve("worker.log"))).contains("cannot write the reply to ");
    assertThat(k.resolve("startup-error")).doesNotExist();

    repairStateDir(replies);
    Cli.Result again = push(b);
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(archived(b)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + b)));
    assertThat(Spools.workers(spool)).isEqualTo(workers);
  }

  @Test
  void aWorkerThatFailsAfterItStartedIsReportedAsStoppedNotAsAStartFailure() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    String b = unreadySegment(SYSID, 2, 2);
    Cli.Result first = push(a);
    assertThat(first.exitCode()).as(first.toString()).isZero();
    Path k = stateDir();
    // the worker's next look at its markers fails (an injected fault) and ends it
    Path acks = breakStateDir("ack");
    Cli.Result p = push(b);
    assertThat(p.exitCode()).as(p.toString()).isEqualTo(1);
    assertThat(p.stderrLines()).as(p.toString()).hasSize(1);
    assertThat(p.stderr())
        .as(p.toString())
        .startsWith("walarchive wal-push: the walarchive worker stopped: ")
        .contains("Not a directory")
        .contains("; see " + k + "/worker.log");
    assertThat(k.resolve("startup-error")).doesNotExist();

    repairStateDir(acks);
    Cli.Result again = push(b);
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(archived(b)).isEqualTo(Files.readAllBytes(dataDir.resolve("pg_wal/" + b)));
  }

  @Test
  void aConfigurationFileChangedWhileTheWorkerRunsIsObeyedByTheNextCall() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    String b = unreadySegment(SYSID, 2, 2);
    Path config = base.resolve("walarchive.properties");
    Files.writeString(
        config,
        "url="
            + env.remove("WALARCHIVE_URL")
            + "\nkey-file="
            + env.remove("WALARCHIVE_KEY_FILE")
            + "\n");
    env.put("WALARCHIVE_CONFIG", config.toString());
    Cli.Result first = push(a);
    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(Spools.workers(spool)).isNotEmpty();
    // the operator switches to another key while the worker runs: the next push must use it
    Path key2 = base.resolve("key2");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(key2, Base64.getEncoder().encodeToString(key), UTF_8);
    Drills.restrictToOwner(key2);
    Files.writeString(config, "url=file:" + base.resolve("archive") + "\nkey-file=" + key2 + "\n");
    // (the archive refuses a new key under the old id: the call used the new settings, the old
    // worker would have pushed with the old key and answered 0)
    Cli.Result second = push(b);
    assertThat(second.exitCode()).as(second.toString()).isEqualTo(2);
    assertThat(second.stderrLines()).hasSize(1);
    assertThat(second.stderr()).contains("is not the key the archive at file:");
    assertThat(Files.readString(stateDir().resolve("worker.log")))
        .contains(config + " changed since the worker started: exiting");
  }

  @Test
  void aSpoolDirectoryWhoseParentIsMissingIsAnErrorAndNoTreeIsCreated() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    Path typo = base.resolve("no-such-parent").resolve("spool");
    env.put("WALARCHIVE_SPOOL_DIR", typo.toString());
    String line =
        "cannot create the spool directory "
            + typo
            + " (walarchive creates no directory above it); create it, writable by this user";
    Cli.Result p = push(a);
    assertThat(p.exitCode()).as(p.toString()).isEqualTo(1);
    assertThat(p.stderrLines()).as(p.toString()).containsExactly("walarchive wal-push: " + line);
    Cli.Result f = fetch(a);
    assertThat(f.exitCode()).as(f.toString()).isEqualTo(129);
    assertThat(f.stderrLines()).as(f.toString()).containsExactly("walarchive wal-fetch: " + line);
    assertThat(typo.getParent()).doesNotExist();
  }

  @Test
  void aWorkerThatCannotStartFailsTheCallWithOneLine() throws Exception {
    String a = readySegment(SYSID, 1, 1);
    env.put("WALARCHIVE_COMPRESSION", "bogus");
    Cli.Result p = push(a);
    assertThat(p.exitCode()).as(p.toString()).isBetween(1, 125);
    assertThat(p.stderrLines()).hasSize(1);
    assertThat(p.stderr()).contains("worker did not start").contains("bogus");
    Cli.Result f = fetch(a);
    assertThat(f.exitCode()).as(f.toString()).isGreaterThan(125);
    assertThat(f.stderrLines()).hasSize(1);

    env.put("WALARCHIVE_COMPRESSION", "zstd");
    env.put("WALARCHIVE_JAVA_OPTS", "-XX:+NoSuchOptionForTheWorker");
    env.put("WALARCHIVE_SPOOL_DIR", base.resolve("spool2").toString());
    Cli.Result noJvm = push(a);
    assertThat(noJvm.exitCode()).as(noJvm.toString()).isBetween(1, 125);
    assertThat(noJvm.stderrLines()).hasSize(1);
    assertThat(noJvm.stderr()).contains("worker");
  }
}
