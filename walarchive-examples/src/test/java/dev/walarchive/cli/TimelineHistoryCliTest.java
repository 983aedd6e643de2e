package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * wal-push of timeline history files PostgreSQL writes after a point-in-time recovery that stopped
 * before its target timeline began (the switch point goes down; PostgreSQL's 028_pitr_timelines).
 */
class TimelineHistoryCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;

  /** Timeline 2's history: promoted at 0/3018CB0. */
  static final String HISTORY_2 = "1\t0/3018CB0\tno recovery target specified\n";

  /** Timeline 3's, as 028 leaves it: a PITR to a restore point on timeline 1 at 0/3018C48. */
  static final String HISTORY_3 = HISTORY_2 + "\n2\t0/3018C48\tat restore point \"rp\"\n";

  private Path base;
  private Path pgWal;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-cli-history");
    pgWal = Files.createDirectories(base.resolve("pg_wal"));
    Path keyFile = base.resolve("key");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key), UTF_8);
    Drills.restrictToOwner(keyFile);
    env =
        Map.of(
            "WALARCHIVE_URL", "file:" + base.resolve("archive"),
            "WALARCHIVE_KEY_FILE", keyFile.toString(),
            "WALARCHIVE_TMPDIR", base.toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    PostgresServer.deleteTree(base);
  }

  private Path historyFile(String name, String content) throws Exception {
    Path file = pgWal.resolve(name);
    Files.writeString(file, content, UTF_8);
    return file;
  }

  @Test
  void pushesAHistoryWhoseSwitchPointGoesDownAndFetchesItBackUnchanged() throws Exception {
    Path segment = SyntheticWal.writeSegment(pgWal, SYSID, 1, 2, SIZE, 1);
    assertThat(Cli.run(env, "wal-push", segment.toString()).exitCode()).isZero();
    Path two = historyFile("00000002.history", HISTORY_2);
    Cli.Result pushTwo = Cli.run(env, "wal-push", two.toString());
    assertThat(pushTwo.exitCode()).as(pushTwo.toString()).isZero();

    Path three = historyFile("00000003.history", HISTORY_3);
    Cli.Result push = Cli.run(env, "wal-push", three.toString());
    assertThat(push.exitCode()).as(push.toString()).isZero();
    assertThat(push.stderrLines()).noneMatch(l -> l.contains("before the previous"));
    // PostgreSQL's archiver retries after a crash: a re-push of the same file succeeds too
    Cli.Result again = Cli.run(env, "wal-push", three.toString());
    assertThat(again.exitCode()).as(again.toString()).isZero();

    Path dest = base.resolve("RECOVERYHISTORY");
    Cli.Result fetch = Cli.run(env, "wal-fetch", "00000003.history", dest.toString());
    assertThat(fetch.exitCode()).as(fetch.toString()).isZero();
    assertThat(Files.readString(dest, UTF_8)).isEqualTo(HISTORY_3);

    Cli.Result show = Cli.run(env, "show");
    assertThat(show.exitCode()).as(show.toString()).isZero();
    assertThat(show.stdout())
        .contains("history of timeline 3:")
        .contains("timeline 2 ended at 0/3018C48");
  }

  @Test
  void pushesTheHistoryIntoAFreshArchive() throws Exception {
    // a real pg_wal always holds a segment: it tells a new archive which cluster it is for
    SyntheticWal.writeSegment(pgWal, SYSID, 1, 2, SIZE, 1);
    Cli.Result push =
        Cli.run(env, "wal-push", historyFile("00000003.history", HISTORY_3).toString());
    assertThat(push.exitCode()).as(push.toString()).isZero();
  }

  @Test
  void stillRefusesAHistoryPostgresWouldRefuse() throws Exception {
    // timelines must increase: PostgreSQL's readTimeLineHistory refuses this file
    Path bad = historyFile("00000003.history", "2\t0/3018CB0\tr\n\n1\t0/3018C48\tr\n");
    Cli.Result push = Cli.run(env, "wal-push", bad.toString());
    assertThat(push.exitCode()).as(push.toString()).isBetween(1, 125);
    assertThat(push.stderrLines()).singleElement().asString().contains("00000003.history");
  }
}
