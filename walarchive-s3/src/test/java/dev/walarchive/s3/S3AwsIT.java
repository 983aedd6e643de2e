package dev.walarchive.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The storage contract and the conditional-write probe against real Amazon S3 (or another real
 * store). Runs only with {@code -Paws-it}; see docs/readme-s3.md. Configuration from the
 * environment:
 *
 * <ul>
 *   <li>{@code WALARCHIVE_IT_S3_BUCKET} (required): a bucket the credentials may write to
 *   <li>{@code WALARCHIVE_IT_S3_REGION} (or {@code AWS_REGION}): its region
 *   <li>{@code WALARCHIVE_IT_S3_ENDPOINT}, {@code WALARCHIVE_IT_S3_PATH_STYLE} (optional): for an
 *       S3-compatible store
 *   <li>credentials from the SDK's default chain ({@code AWS_PROFILE}, {@code AWS_ACCESS_KEY_ID},
 *       ...)
 * </ul>
 *
 * Every run writes below {@code walarchive-it/<random>/} and deletes what it wrote.
 */
@EnabledIfSystemProperty(named = "walarchive.aws-it", matches = "true")
class S3AwsIT extends AbstractArchiveStorageTest {
  private static final String RUN = "walarchive-it/" + UUID.randomUUID();
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static String bucket;
  private static final Map<String, String> OPTIONS = new HashMap<>();

  @BeforeAll
  static void configure() {
    bucket = System.getenv("WALARCHIVE_IT_S3_BUCKET");
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalStateException(
          "-Paws-it needs WALARCHIVE_IT_S3_BUCKET (and WALARCHIVE_IT_S3_REGION or AWS_REGION)");
    }
    putEnv("WALARCHIVE_IT_S3_REGION", "s3.region");
    putEnv("WALARCHIVE_IT_S3_ENDPOINT", "s3.endpoint");
    putEnv("WALARCHIVE_IT_S3_PATH_STYLE", "s3.path-style");
    OPTIONS.put("s3.multipart-threshold", "5MiB");
    OPTIONS.put("s3.part-size", "5MiB");
  }

  private static void putEnv(String variable, String option) {
    String value = System.getenv(variable);
    if (value != null && !value.isBlank()) {
      OPTIONS.put(option, value);
    }
  }

  private String prefix;

  @Override
  protected ArchiveStorage createStorage() throws Exception {
    prefix = RUN + "/" + PREFIXES.incrementAndGet();
    return ArchiveStorages.open("s3://" + bucket + "/" + prefix, OPTIONS);
  }

  @Override
  protected int largeObjectSize() {
    return 12 * 1024 * 1024 + 17;
  }

  @AfterEach
  void deleteWhatTheTestWrote() throws Exception {
    try (ArchiveStorage cleanup = ArchiveStorages.open("s3://" + bucket + "/" + prefix, OPTIONS)) {
      List<String> keys = new ArrayList<>();
      ObjectIterator it = cleanup.list("");
      while (it.hasNext()) {
        keys.add(it.next().key());
      }
      cleanup.delete(keys);
    }
  }

  @Test
  void theStoreHonoursConditionalWrites() throws Exception {
    assertThat(storage.initializeArchive()).isEqualTo(Map.of("s3.conditional-writes", "verified"));
  }
}
