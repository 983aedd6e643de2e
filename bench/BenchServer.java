import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one of walarchive's local test servers in its own process for bench/push-latency.sh: {@code
 * java -cp <that module's test class path> bench/BenchServer.java s3|gcs|azure}. Prints the {@code
 * WALARCHIVE_*} variables that point the CLI at the server (one {@code NAME=value} a line, archive
 * URL included), then a line {@code READY}, and serves until the process is stopped (SIGTERM); the
 * servers' own close stops them (Azurite's child process included). The server classes are looked
 * up by name, so one class path (that of the backend's module) is enough.
 */
public final class BenchServer {
  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: BenchServer s3|gcs|azure");
    }
    String className =
        switch (args[0]) {
          case "s3" -> "dev.walarchive.s3.S3TestServer";
          case "gcs" -> "dev.walarchive.gcs.FakeGcsServer";
          case "azure" -> "dev.walarchive.azure.AzuriteServer";
          default ->
              throw new IllegalArgumentException(
                  "unknown backend '" + args[0] + "'; use s3, gcs or azure");
        };
    Class<?> type = Class.forName(className);
    AutoCloseable server = (AutoCloseable) type.getMethod("start").invoke(null);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WALARCHIVE_URL", (String) type.getMethod("url", String.class).invoke(server, "bench"));
    @SuppressWarnings("unchecked")
    Map<String, String> serverEnv =
        (Map<String, String>) type.getMethod("environment").invoke(server);
    env.putAll(serverEnv);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    System.err.println("could not stop the " + args[0] + " server: " + e);
                  }
                  stopped.countDown();
                }));
    env.forEach((k, v) -> System.out.println(k + "=" + v));
    System.out.println("READY");
    System.out.flush();
    stopped.await();
  }
}
