package dev.walarchive.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Test chores of async mode: find and kill the spool worker of a spool. */
final class Spools {
  private Spools() {}

  /** The worker processes (flock wrapper and its JVM) serving anything under {@code spool}. */
  static List<ProcessHandle> workers(Path spool) {
    String marker = "--state-dir " + spool;
    return ProcessHandle.allProcesses()
        .filter(
            p -> {
              Optional<String> cmd = p.info().commandLine();
              return cmd.isPresent() && cmd.get().contains(" agent ") && cmd.get().contains(marker);
            })
        .toList();
  }

  /**
   * Asserts that workers of {@code spool} served the drill: several data directories, pushes and
   * fetches in their logs.
   */
  static void assertServedPushesAndFetches(Path spool) throws java.io.IOException {
    StringBuilder logs = new StringBuilder();
    int dirs = 0;
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(spool)) {
      for (Path d : s.toList()) {
        Path log = d.resolve("worker.log");
        if (java.nio.file.Files.exists(log)) {
          dirs++;
          logs.append(java.nio.file.Files.readString(log));
        }
      }
    }
    org.assertj.core.api.Assertions.assertThat(dirs).as("data directories served").isGreaterThan(1);
    org.assertj.core.api.Assertions.assertThat(logs.toString())
        .contains("pushed 0000000")
        .contains(" fetched in ");
  }

  /** SIGKILLs every worker of {@code spool} (by process id) and waits until they are gone. */
  static int killWorkers(Path spool) throws InterruptedException {
    List<ProcessHandle> found = workers(spool);
    for (ProcessHandle p : found) {
      p.destroyForcibly();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (ProcessHandle p : found) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    }
    return found.size();
  }
}
