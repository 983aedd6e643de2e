package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI launcher as a separate process, as PostgreSQL does. */
final class Cli {
  /** The launcher script built by the package phase. */
  static Path launcher() {
    String p = System.getProperty("walarchive.launcher");
    if (p == null) {
      throw new IllegalStateException(
          "system property walarchive.launcher is not set; run the tests with 'mvn verify'");
    }
    Path path = Path.of(p);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("launcher " + path + " is missing; run 'mvn package' first");
    }
    return path;
  }

  /** A finished CLI run. */
  record Result(int exitCode, String stdout, String stderr) {
    List<String> stderrLines() {
      return stderr.lines().filter(l -> !l.isBlank()).toList();
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  static ProcessBuilder builder(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("WALARCHIVE_"));
    pb.environment().putAll(env);
    return pb;
  }

  /**
   * Like {@link #builder}, but the launcher leads a process group of its own (as the archive
   * command does under PostgreSQL) and starts with no signal blocked (a JVM's threads block
   * SIGQUIT, and the processes they start inherit that), so that tests can signal the group.
   */
  static ProcessBuilder groupLeaderBuilder(Map<String, String> env, String... args) {
    ProcessBuilder pb = builder(env, args);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "perl",
                "-MPOSIX",
                "-e",
                "POSIX::setsid(); sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die; exec @ARGV"));
    cmd.addAll(pb.command());
    return pb.command(cmd);
  }

  /**
   * Sends {@code signal} (such as "KILL") to the process group {@code leader} leads, unless it has
   * ended already; waits for the group to exist if the leader has not made it yet.
   */
  static void signalGroup(Process leader, String signal) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, "--", "-" + leader.pid())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (kill.waitFor() == 0 || !leader.isAlive()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("kill -" + signal + " -" + leader.pid() + " failed");
      }
      Thread.sleep(5);
    }
  }

  static Result run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("walarchive-cli-", ".out");
    Path err = Files.createTempFile("walarchive-cli-", ".err");
    try {
      Process p =
          builder(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("walarchive " + String.join(" ", args) + " hung");
      }
      return new Result(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private Cli() {}
}
