package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.walarchive.core.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Chores of the drills: directories and files PostgreSQL (user postgres) can use, an encrypted
 * archive's settings, libpq's environment, restores as the database user, cleaning up.
 */
final class Drills {
  private Drills() {}

  /** Writes a random AES-256 key, base64 as walarchive reads a key file, to {@code file}. */
  static Path writeRandomKey(Path file) throws IOException {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(file, Base64.getEncoder().encodeToString(key), UTF_8);
    restrictToOwner(file);
    return file;
  }

  /**
   * The names in the {@code wal/} folder of the {@code file:} archive in {@code archiveDir},
   * sorted; none if there is no such folder. The backend's temporary files ({@code
   * .walarchive-tmp-files}) are not objects and not listed.
   */
  static List<String> archivedWalNames(Path archiveDir) throws IOException {
    Path wal = archiveDir.resolve("wal");
    if (!Files.isDirectory(wal)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(wal)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    }
  }

  /**
   * Writes a random AES-256 key ({@code archive.key}) and the settings of an encrypted,
   * zstd-compressed {@code file:} archive in {@code archiveDir} ({@code walarchive.properties})
   * into {@code base}, both owned by and readable only by the PostgreSQL user.
   *
   * @return the settings file
   */
  static Path encryptedFileArchiveConfig(Path base, Path archiveDir)
      throws IOException, InterruptedException {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    Path keyFile = base.resolve("archive.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(k) + "\n", UTF_8);
    Path config = base.resolve("walarchive.properties");
    Files.writeString(
        config,
        "url=file:" + archiveDir + "\ncompression=zstd\nkey-file=" + keyFile + "\nkey-id=k1\n",
        UTF_8);
    for (Path p : List.of(keyFile, config)) {
      chownToPostgres(p);
      restrictToOwner(p);
    }
    return config;
  }

  /** libpq's environment for {@code server}: TCP on 127.0.0.1, user and database postgres. */
  static Map<String, String> pgEnv(PostgresServer server) {
    Map<String, String> env = new HashMap<>();
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(server.port()));
    env.put("PGUSER", "postgres");
    env.put("PGDATABASE", "postgres");
    return env;
  }

  /** Closes every server (a failure does not stop the others), then deletes {@code base}. */
  static void closeAllAndDelete(List<PostgresServer> servers, Path base) throws Exception {
    for (PostgresServer s : servers) {
      try {
        s.close();
      } catch (Exception e) {
        // keep closing the others
      }
    }
    if (base != null) {
      exec(List.of("chmod", "-R", "u+rwX", base.toString()));
      PostgresServer.deleteTree(base);
    }
  }

  /** Runs {@code walarchive restore ...} as the database user, as the README says to. */
  static Cli.Result restoreAsPostgres(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    if (isRoot()) {
      cmd.addAll(List.of("runuser", "-u", PostgresServer.OS_USER, "--"));
    }
    cmd.add(Cli.launcher().toString());
    cmd.add("restore");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("WALARCHIVE_"));
    Path out = Files.createTempFile("restore-", ".out");
    Path err = Files.createTempFile("restore-", ".err");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("restore hung");
      }
      return new Cli.Result(
          p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

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
