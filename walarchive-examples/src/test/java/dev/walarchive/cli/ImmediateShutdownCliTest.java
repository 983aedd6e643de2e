package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.storage.spi.TemporaryFiles;
import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: on an immediate shutdown PostgreSQL sends SIGQUIT to the running archive command's
 * process group. walarchive must end at once, as {@code cp} does: no JVM that finishes the push
 * after the server has gone, no thread dump in the server log, no temporary file.
 */
class ImmediateShutdownCliTest {
  private Path base;
  private PostgresServer server;

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    if (base != null) {
      PostgresServer.deleteTree(base);
    }
  }

  private static List<ProcessHandle> walarchiveJvms(Path config) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(config.toString()))
        .filter(p -> p.info().commandLine().orElse("").contains("dev.walarchive.cli.Bootstrap"))
        .toList();
  }

  private List<Path> temps() throws Exception {
    List<Path> all = new java.util.ArrayList<>(temps(base.resolve("archive")));
    all.addAll(temps(base.resolve("tmp")));
    return all;
  }

  private static List<Path> temps(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.getFileName().toString().contains(TemporaryFiles.MARKER))
          .filter(Files::isRegularFile)
          .toList();
    }
  }

  @Test
  void anImmediateShutdownEndsARunningPushAtOnceAndLeavesNoTemporaryFile() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-immediate");
    Path archive = base.resolve("archive");
    Path tmp = Files.createDirectories(base.resolve("tmp"));
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path keyFile = Files.writeString(base.resolve("key"), Base64.getEncoder().encodeToString(key));
    Drills.restrictToOwner(keyFile);
    Path config =
        Files.writeString(
            base.resolve("walarchive.properties"),
            "url=file:"
                + archive
                + "\nkey-file="
                + keyFile
                + "\ncompression=none\ntmpdir="
                + tmp
                + "\n",
            UTF_8);
    Drills.chownToPostgres(base);
    server = PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("pg")), 16);
    server.setConfig("wal_level", "replica");
    server.setConfig("archive_mode", "on");
    // interpreted only: a push of a segment lasts seconds, long enough to be caught at work
    server.setConfig(
        "archive_command",
        "WALARCHIVE_JAVA_OPTS=-Xint " + Cli.launcher() + " wal-push --config " + config + " %p");
    server.start();
    server.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
    String segment = server.queryOne("SELECT pg_walfile_name(pg_switch_wal())");

    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (temps().isEmpty()) {
      assertThat(System.nanoTime())
          .as("no push started: %s", server.logTail())
          .isLessThan(deadline);
      Thread.sleep(20);
    }
    List<ProcessHandle> jvms = walarchiveJvms(config);
    assertThat(jvms).as("the push's JVM").isNotEmpty();

    server.kill();
    java.time.Instant stopped = java.time.Instant.now();

    for (ProcessHandle jvm : jvms) {
      assertThat(jvm.onExit().get(1, TimeUnit.MINUTES).isAlive()).isFalse();
    }
    // the launcher is gone too, and nothing is left behind
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (!walarchiveJvms(config).isEmpty() && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    assertThat(walarchiveJvms(config)).isEmpty();
    String log = Files.readString(server.logFile(), UTF_8);
    assertThat(log).doesNotContain("Full thread dump");
    Thread.sleep(Duration.ofSeconds(2).toMillis());
    assertThat(temps()).isEmpty();
    Path object = archive.resolve("wal").resolve(segment);
    if (Files.exists(object)) {
      // only if it was written completely before the server went: no push finishes afterwards
      assertThat(Files.getLastModifiedTime(object).toInstant()).isBefore(stopped);
    }
    assertThat(
            ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(config.toString())))
        .as("no process of the archive command survives")
        .isEmpty();
  }
}
