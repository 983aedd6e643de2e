package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.walarchive.core.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/** File-system chores of the drills: directories and files PostgreSQL (user postgres) can use. */
final class Drills {
  private Drills() {}

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static void chownToPostgres(Path path) throws IOException, InterruptedException {
    if (isRoot()) {
      exec(List.of("chown", "-R", "postgres:postgres", path.toString()));
    }
  }

  static void restrictToOwner(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  static void copyAsPostgres(Path from, Path to) throws IOException, InterruptedException {
    exec(List.of("cp", "-a", from.toString(), to.toString()));
    chownToPostgres(to);
  }

  static void writeAsPostgres(Path file, String content) throws IOException, InterruptedException {
    Files.writeString(file, content, UTF_8);
    chownToPostgres(file);
  }

  static void exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  /** Switches to a new segment and waits until the archiver has archived the one just closed. */
  static void switchAndWaitForArchive(PostgresServer server) throws Exception {
    String closed = server.queryOne("SELECT pg_walfile_name(pg_switch_wal())");
    server.waitFor(
        "SELECT coalesce(last_archived_wal, '') >= '" + closed + "' FROM pg_stat_archiver",
        Duration.ofMinutes(3));
  }

  /** Waits until the postmaster of {@code server} has exited (its pid file is gone). */
  static void waitUntilStopped(PostgresServer server, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (Files.exists(server.dataDir().resolve("postmaster.pid"))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "server in "
                + server.dataDir()
                + " still runs after "
                + timeout
                + ":\n"
                + server.logTail());
      }
      Thread.sleep(200);
    }
  }

  /** "Database cluster state" as pg_controldata reports it. */
  static String clusterState(PostgresServer server) throws Exception {
    String bindir = System.getProperty("walarchive.pg.bindir", "/usr/lib/postgresql/15/bin");
    List<String> cmd = new java.util.ArrayList<>();
    if (isRoot()) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(List.of(bindir + "/pg_controldata", "-D", server.dataDir().toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    p.waitFor();
    return out.lines()
        .filter(l -> l.startsWith("Database cluster state:"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim())
        .findFirst()
        .orElseThrow(() -> new AssertionError("pg_controldata printed no state: " + out));
  }
}
