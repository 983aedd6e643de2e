package dev.walarchive.gcs;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Measures what one {@code wal-push} costs in a fresh JVM on the GCS backend: opening the storage,
 * the first create (which builds the client), and a second create for comparison. Run it once per
 * JVM against a fake (or real bucket) given by the {@code WALARCHIVE_*} variables that {@link
 * FakeGcsServer#main} prints, for example {@code java -cp ... dev.walarchive.gcs.GcsPushCostProbe
 * 16777216}. Prints one line of milliseconds.
 */
public final class GcsPushCostProbe {
  private GcsPushCostProbe() {}

  public static void main(String[] args) throws Exception {
    long mainNanos = System.nanoTime();
    Instant processStart = ProcessHandle.current().info().startInstant().orElse(Instant.now());
    double toMain = Duration.between(processStart, Instant.now()).toNanos() / 1e6;
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 16 * 1024 * 1024;
    byte[] data = new byte[size];
    new Random(1).nextBytes(data);
    Map<String, String> options = new HashMap<>();
    System.getenv()
        .forEach(
            (name, value) -> {
              if (name.startsWith("WALARCHIVE_GCS_")) {
                String rest = name.substring("WALARCHIVE_".length()).toLowerCase(Locale.ROOT);
                options.put(rest.replaceFirst("_", ".").replace('_', '-'), value);
              }
            });
    String url = System.getenv("WALARCHIVE_URL");
    String run = Long.toHexString(System.nanoTime());
    long t0 = System.nanoTime();
    try (ArchiveStorage storage = ArchiveStorages.open(url, options)) {
      long t1 = System.nanoTime();
      storage.create("probe/" + run + "/first", ObjectSource.ofBytes(data), Map.of("digest", "x"));
      long t2 = System.nanoTime();
      storage.create("probe/" + run + "/second", ObjectSource.ofBytes(data), Map.of("digest", "x"));
      long t3 = System.nanoTime();
      System.out.printf(
          Locale.ROOT,
          "size=%d jvm-to-main=%.0f open=%.1f first-create=%.0f second-create=%.0f"
              + " main-to-first-done=%.0f%n",
          size,
          toMain,
          (t1 - t0) / 1e6,
          (t2 - t1) / 1e6,
          (t3 - t2) / 1e6,
          (t2 - mainNanos) / 1e6);
    }
  }
}
