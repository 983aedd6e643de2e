package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A lost segment as 'show --json' and 'status --json' report it, the same in both. */
class GapsJsonCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;

  private Path base;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-cli-gaps");
    env =
        Map.of(
            "WALARCHIVE_URL", "file:" + base.resolve("archive"),
            "WALARCHIVE_KEY_FILE", Drills.writeRandomKey(base.resolve("key")).toString(),
            "WALARCHIVE_TMPDIR", base.toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    PostgresServer.deleteTree(base);
  }

  @Test
  void bothCommandsListTheGapOfTheTimeline() throws Exception {
    Path pgWal = Files.createDirectories(base.resolve("pg_wal"));
    for (long segment : new long[] {2, 5}) {
      Path file = SyntheticWal.writeSegment(pgWal, SYSID, 1, segment, SIZE, 0);
      Cli.Result push = Cli.run(env, "wal-push", file.toString());
      assertThat(push.exitCode()).as(push.toString()).isZero();
    }
    for (String command : new String[] {"show", "status"}) {
      Cli.Result r = Cli.run(env, command, "--json");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      String gaps = r.stdout().substring(r.stdout().indexOf("\"gaps\":["));
      assertThat(gaps.substring(0, gaps.indexOf(']') + 1))
          .as(command)
          .contains("\"firstMissing\":\"000000010000000000000003\"")
          .contains("\"lastMissing\":\"000000010000000000000004\"")
          .contains("\"count\":2");
    }
  }
}
