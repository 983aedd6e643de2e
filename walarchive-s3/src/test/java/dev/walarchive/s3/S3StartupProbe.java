package dev.walarchive.s3;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * What one {@code wal-push} costs in S3 terms, in a fresh JVM: opening the storage by URL (no
 * network), then the first create, which builds the SDK client and sends one PutObject. Reads
 * {@code WALARCHIVE_S3_*} variables as the CLI does. Run by {@link S3StartupBench}.
 *
 * <p>Usage: {@code java -cp <runtime classpath> dev.walarchive.s3.S3StartupProbe s3://bucket/prefix
 * [bytes]}
 */
public final class S3StartupProbe {
  private S3StartupProbe() {}

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    Map<String, String> options = new HashMap<>();
    System.getenv()
        .forEach(
            (name, value) -> {
              if (name.startsWith("WALARCHIVE_S3_")) {
                String rest = name.substring("WALARCHIVE_".length()).toLowerCase(Locale.ROOT);
                int first = rest.indexOf('_');
                options.put(
                    rest.substring(0, first) + "." + rest.substring(first + 1).replace('_', '-'),
                    value);
              }
            });
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 16 * 1024;
    try (ArchiveStorage storage = ArchiveStorages.open(args[0], options)) {
      long opened = System.nanoTime();
      storage.create(
          "startup/" + UUID.randomUUID(),
          ObjectSource.ofBytes(new byte[size]),
          Map.of("digest", "x"));
      long created = System.nanoTime();
      System.out.printf(
          Locale.ROOT,
          "open %.1f ms, first create %.1f ms%n",
          (opened - start) / 1e6,
          (created - opened) / 1e6);
    }
  }
}
