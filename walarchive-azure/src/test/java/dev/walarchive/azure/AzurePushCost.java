package dev.walarchive.azure;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Measures what one {@code wal-push} costs in a fresh JVM: opening the storage, the first create
 * (which builds the SDK client lazily) and a second create on the warm client. Not a test; run it
 * (several times, against Azurite or a real account) with the test class path:
 *
 * <pre>
 * java -cp ... dev.walarchive.azure.AzurePushCost az://devstoreaccount1/walarchive/cost \
 *     http://127.0.0.1:PORT/devstoreaccount1 ACCOUNT_KEY SIZE_BYTES
 * </pre>
 *
 * Prints one line: milliseconds from JVM start to main, for open, first create, second create, and
 * from JVM start to the end. A fifth argument {@code split} builds an SDK client first and reports
 * that time separately.
 */
final class AzurePushCost {
  private AzurePushCost() {}

  public static void main(String[] args) throws Exception {
    long mainAt = System.currentTimeMillis();
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    byte[] data = new byte[Integer.parseInt(args[3])];
    new Random(1).nextBytes(data);
    String run = UUID.randomUUID().toString();
    String build = "";
    if (args.length > 4 && args[4].equals("split")) {
      long b0 = System.nanoTime();
      AzureStorages.buildClient(
          AzureStorageConfig.fromUrl(
              java.net.URI.create(args[0]),
              Map.of("azure.endpoint", args[1], "azure.account-key", args[2])));
      build =
          String.format(
              " (of which client build alone=%.1f, done before open)",
              (System.nanoTime() - b0) / 1e6);
    }
    long t0 = System.nanoTime();
    try (ArchiveStorage storage =
        ArchiveStorages.open(
            args[0], Map.of("azure.endpoint", args[1], "azure.account-key", args[2]))) {
      long t1 = System.nanoTime();
      storage.create(run + "/1", ObjectSource.ofBytes(data), Map.of("digest", "x"));
      long t2 = System.nanoTime();
      storage.create(run + "/2", ObjectSource.ofBytes(data), Map.of("digest", "x"));
      long t3 = System.nanoTime();
      System.out.printf(
          "startToMain=%d open=%.1f firstCreate=%.1f secondCreate=%.1f startToEnd=%d%s%n",
          mainAt - jvmStart,
          (t1 - t0) / 1e6,
          (t2 - t1) / 1e6,
          (t3 - t2) / 1e6,
          System.currentTimeMillis() - jvmStart,
          build);
    }
  }
}
