package dev.walarchive.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The harness itself: start failures explain themselves, crashes recover, close cleans up. */
class PostgresServerTest {
  @Test
  void lifeCycleOfOneCluster() throws Exception {
    PostgresServer pg = PostgresServer.initdb(1);
    Path dataDir = pg.dataDir();
    long postmasterPid;
    try {
      // a bad setting: start fails and the exception carries the server's complaint
      pg.setConfig("shared_buffers", "not-a-size");
      assertThatThrownBy(pg::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("did not start")
          .hasMessageContaining("shared_buffers");
      assertThat(pg.isRunning()).isFalse();

      // later lines win
      pg.setConfig("shared_buffers", "16MB").setConfig("application_name", "it's quoted");
      pg.start();
      assertThat(pg.isRunning()).isTrue();
      assertThat(pg.port()).isPositive();
      assertThat(pg.queryOne("SHOW shared_buffers")).isEqualTo("16MB");
      assertThat(pg.queryOne("SELECT current_user")).isEqualTo("postgres");
      assertThat(pg.queryOne("SELECT inet_server_addr()::text")).isEqualTo("127.0.0.1/32");
      assertThat(pg.queryOne("SELECT NULL")).isNull();
      pg.execute("CREATE TABLE t (i int); INSERT INTO t VALUES (1), (2)");
      assertThat(pg.pgbench("-i", "-s", "1", "-q")).contains("done");

      // a crash: the next start runs crash recovery and keeps committed data
      pg.kill();
      assertThat(pg.isRunning()).isFalse();
      pg.start();
      pg.waitFor("SELECT count(*) = 2 FROM t", Duration.ofSeconds(30));
      assertThat(Files.readString(pg.logFile())).contains("automatic recovery in progress");
      assertThat(pg.logTail()).isNotBlank();
      postmasterPid =
          Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
      assertThat(ProcessHandle.of(postmasterPid)).isPresent();

      assertThatThrownBy(() -> pg.waitFor("SELECT false", Duration.ofMillis(300)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("timed out")
          .hasMessageContaining("server log");
      assertThatThrownBy(() -> pg.runAsPostgres(java.util.List.of("false")))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("exit code 1");
    } finally {
      pg.close();
    }
    assertThat(pg.isRunning()).isFalse();
    assertThat(ProcessHandle.of(postmasterPid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(dataDir).doesNotExist(); // the harness made the directory, so it removed it
  }

  @Test
  void missingBinariesFailWithWhatToDo() throws IOException {
    String previous = System.getProperty(PostgresServer.BINDIR_PROPERTY);
    java.util.Set<Path> before = tmpDirs();
    System.setProperty(PostgresServer.BINDIR_PROPERTY, "/nonexistent/postgresql/bin");
    try {
      assertThatThrownBy(() -> PostgresServer.initdb(16))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("/nonexistent/postgresql/bin/initdb")
          .hasMessageContaining("apt-get install postgresql-15")
          .hasMessageContaining(PostgresServer.BINDIR_PROPERTY);
      assertThat(tmpDirs()).as("nothing left behind in /tmp").isSubsetOf(before);
    } finally {
      if (previous == null) {
        System.clearProperty(PostgresServer.BINDIR_PROPERTY);
      } else {
        System.setProperty(PostgresServer.BINDIR_PROPERTY, previous);
      }
    }
  }

  private static java.util.Set<Path> tmpDirs() throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(Path.of("/tmp"))) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("walarchive-pg"))
          .collect(java.util.stream.Collectors.toSet());
    }
  }
}
