package dev.walarchive.gcs;

import static org.assertj.core.api.Assertions.fail;

import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectIterator;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The storage contract against real Google Cloud Storage. Opt-in: runs only with {@code -Pgcs-it}
 * and needs {@code WALARCHIVE_IT_GCS_BUCKET}; credentials and the other settings come from the
 * usual {@code WALARCHIVE_GCS_*} variables (for example {@code WALARCHIVE_GCS_CREDENTIALS_FILE},
 * {@code WALARCHIVE_GCS_KMS_KEY_NAME}) or application default credentials. Everything is written
 * below {@code walarchive-it/<random>/} and deleted afterwards. The upload chunk size is the
 * smallest (256 KiB), so the large object goes through a resumable upload.
 */
class GcsRealStorageIT extends AbstractArchiveStorageTest {
  private static final String RUN = "walarchive-it/" + UUID.randomUUID();
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static String bucket;
  private static Map<String, String> options;

  @BeforeAll
  static void requireBucket() {
    bucket = System.getenv("WALARCHIVE_IT_GCS_BUCKET");
    if (bucket == null || bucket.isBlank()) {
      fail(
          "the gcs-it profile tests real Google Cloud Storage: set WALARCHIVE_IT_GCS_BUCKET to a"
              + " bucket the credentials may write to (see docs/readme-gcs.md)");
    }
    options = new LinkedHashMap<>();
    System.getenv()
        .forEach(
            (name, value) -> {
              if (name.startsWith("WALARCHIVE_GCS_") && !name.startsWith("WALARCHIVE_IT_GCS_")) {
                String rest = name.substring("WALARCHIVE_".length()).toLowerCase(Locale.ROOT);
                options.put(rest.replaceFirst("_", ".").replace('_', '-'), value);
              }
            });
  }

  @AfterAll
  static void deleteEverythingWritten() throws Exception {
    if (bucket == null || bucket.isBlank()) {
      return;
    }
    try (ArchiveStorage all = open(RUN)) {
      List<String> keys = new ArrayList<>();
      ObjectIterator it = all.list("");
      while (it.hasNext()) {
        keys.add(it.next().key());
      }
      all.delete(keys);
    }
  }

  private static ArchiveStorage open(String prefix) {
    GcsStorageConfig config =
        GcsStorageConfig.fromUrl(URI.create("gs://" + bucket + "/" + prefix), options).toBuilder()
            .setUploadChunkSize(GcsStorageConfig.CHUNK_GRANULARITY)
            .build();
    return GcsStorages.create(config);
  }

  @Override
  protected ArchiveStorage createStorage() {
    return open(RUN + "/" + PREFIXES.incrementAndGet());
  }
}
