package dev.walarchive.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Starts an {@link S3TestServer} and runs {@link S3StartupProbe} in fresh JVMs, printing the wall
 * time of each process and what the probe measured inside. Not a test: run by hand, e.g.
 *
 * <pre>
 * java -cp TEST_CLASSPATH dev.walarchive.s3.S3StartupBench RUNTIME_CLASSPATH 10 [jvm options...]
 * </pre>
 */
public final class S3StartupBench {
  private S3StartupBench() {}

  public static void main(String[] args) throws Exception {
    String childClasspath = args[0];
    int runs = Integer.parseInt(args[1]);
    List<String> jvmOptions = List.of(args).subList(2, args.length);
    try (S3TestServer server = S3TestServer.start()) {
      List<Double> walls = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(
            List.of("-cp", childClasspath, S3StartupProbe.class.getName(), server.url("bench")));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(server.environment());
        long t0 = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int exit = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e6;
        if (exit != 0) {
          throw new IOException("probe failed (" + exit + "): " + out);
        }
        walls.add(wall);
        String measured = out.lines().reduce((first, last) -> last).orElse("");
        System.out.printf(Locale.ROOT, "run %2d: process %.0f ms; %s%n", i + 1, wall, measured);
      }
      walls.sort(null);
      System.out.printf(
          Locale.ROOT,
          "median process wall time %.0f ms (min %.0f, max %.0f) over %d runs%n",
          walls.get(walls.size() / 2),
          walls.get(0),
          walls.get(walls.size() - 1),
          runs);
    }
  }
}
