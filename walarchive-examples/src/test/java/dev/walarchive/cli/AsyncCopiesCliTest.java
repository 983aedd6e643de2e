package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Async mode with a copy: the worker pushes to every archive; another copy set, another worker. */
class AsyncCopiesCliTest {
  private static final long SYSID = 7_322_222_222_222_222_215L;
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

  private Path base;
  private Path spool;
  private Path dataDir;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-async-copies");
    spool = base.resolve("spool");
    dataDir = base.resolve("pgdata");
    Files.createDirectories(dataDir.resolve("pg_wal/archive_status"));
    env = new HashMap<>();
    env.put("WALARCHIVE_URL", "file:" + base.resolve("archive"));
    env.put("WALARCHIVE_COPY_URL", "file:" + base.resolve("copy"));
    env.put("WALARCHIVE_SPOOL_DIR", spool.toString());
    env.put("WALARCHIVE_SPOOL_IDLE", "20");
  }

  @AfterEach
  void tearDown() throws Exception {
    Spools.killWorkers(spool);
    PostgresServer.deleteTree(base);
  }

  private String readySegment(long segno) throws Exception {
    Path f = SyntheticWal.writeSegment(dataDir.resolve("pg_wal"), SYSID, 1, segno, SIZE, segno);
    Files.writeString(dataDir.resolve("pg_wal/archive_status/" + f.getFileName() + ".ready"), "");
    return f.getFileName().toString();
  }

  private Cli.Result push(String name) throws Exception {
    return push(env, "wal-push", "pg_wal/" + name);
  }

  private Cli.Result push(Map<String, String> environment, String... args) throws Exception {
    Process p =
        Cli.builder(environment, args)
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("wal-push hung");
    }
    return new Cli.Result(p.exitValue(), "", output);
  }

  @Test
  void theWorkerPushesToEveryArchiveAndAnotherCopySetGetsAWorkerOfItsOwn() throws Exception {
    String a = readySegment(1);
    String b = readySegment(2);
    for (String name : new String[] {a, b}) {
      Cli.Result r = push(name);
      assertThat(r.exitCode()).as(r.toString()).isZero();
      for (String archive : new String[] {"archive", "copy"}) {
        assertThat(base.resolve(archive + "/wal/" + name)).exists();
      }
    }
    Path state =
        SpoolState.stateDir(
            spool,
            dataDir.toRealPath(),
            env.get("WALARCHIVE_URL"),
            env.get("WALARCHIVE_COPY_URL"),
            "strict");
    assertThat(state.resolve("worker.log")).exists();

    // one more copy: the running worker does not know it, so a new one serves the new set
    env.put(
        "WALARCHIVE_COPY_URL", "file:" + base.resolve("copy") + ", file:" + base.resolve("copy2"));
    String c = readySegment(3);
    Cli.Result r = push(c);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    for (String archive : new String[] {"archive", "copy", "copy2"}) {
      assertThat(base.resolve(archive + "/wal/" + c)).exists();
    }
    assertThat(
            SpoolState.stateDir(
                spool,
                dataDir.toRealPath(),
                env.get("WALARCHIVE_URL"),
                "file:" + base.resolve("copy") + ",file:" + base.resolve("copy2"),
                "strict"))
        .isDirectory()
        .isNotEqualTo(state);
  }

  @Test
  void copiesNamedInTheConfigurationFileKeyTheSpoolAsTheWorkerDoes() throws Exception {
    Path config = base.resolve("walarchive.properties");
    Files.writeString(
        config,
        "url = file:"
            + base.resolve("archive")
            + "\ncopy-url=file:"
            + base.resolve("copy")
            + "\ncopy-mode=lagging\nspool-dir="
            + spool
            + "\n");
    Map<String, String> plain = new HashMap<>();
    plain.put("WALARCHIVE_SPOOL_IDLE", "20");
    String a = readySegment(1);
    Cli.Result r = push(plain, "wal-push", "--config", config.toString(), "pg_wal/" + a);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout() + r.stderr()).as(r.toString()).isEmpty();
    for (String archive : new String[] {"archive", "copy"}) {
      assertThat(base.resolve(archive + "/wal/" + a)).exists();
    }
    assertThat(
            SpoolState.stateDir(
                    spool,
                    dataDir.toRealPath(),
                    "file:" + base.resolve("archive"),
                    "file:" + base.resolve("copy"),
                    "lagging")
                .resolve("worker.log"))
        .exists();
  }
}
