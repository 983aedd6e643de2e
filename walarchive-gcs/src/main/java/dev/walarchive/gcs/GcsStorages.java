package dev.walarchive.gcs;

import static java.util.Objects.requireNonNull;

import com.google.cloud.storage.Storage;
import dev.walarchive.core.storage.ArchiveStorage;

/**
 * Creates {@link ArchiveStorage}s on Google Cloud Storage.
 *
 * <p>Objects are named {@code prefix/key} in the bucket; metadata is kept as the object's custom
 * metadata. Creates are atomic with {@code ifGenerationMatch=0}: objects up to {@link
 * GcsStorageConfig#uploadChunkSize()} go up in one request, larger ones as a resumable upload in
 * chunks of that size (so memory stays bounded). Listings are paged, deletes are batched, and
 * transient failures are retried by the client as {@link GcsStorageConfig} says.
 */
public final class GcsStorages {
  private GcsStorages() {}

  /**
   * A storage at {@code gs://bucket/prefix} of {@code config}, with a client built from it on first
   * use (this method makes no network call and reads no credentials).
   *
   * @throws IllegalArgumentException if the configuration names no bucket
   */
  public static ArchiveStorage create(GcsStorageConfig config) {
    requireNonNull(config, "config is null");
    String bucket =
        config
            .bucket()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "GcsStorageConfig names no bucket; set one with bucket(...) or use a"
                            + " gs://bucket/prefix URL"));
    return new GcsArchiveStorage(
        bucket, config.prefix(), config, () -> GcsClients.newClient(config), true);
  }

  /**
   * A storage at {@code gs://bucket/prefix} that uses the given client, for callers that build and
   * own their client (its credentials, endpoint, retry and transport settings apply; those of
   * {@code config} do not). Of {@code config} only the write settings apply: KMS key, storage class
   * and upload chunk size. Closing the storage does not close the client.
   *
   * @param prefix key prefix inside the bucket; leading and trailing {@code /} are ignored
   * @param config write settings, e.g. {@link GcsStorageConfig#defaults()}; if it names a bucket or
   *     prefix they must equal the arguments
   * @throws IllegalArgumentException if the bucket or prefix is invalid or contradicts {@code
   *     config}
   */
  public static ArchiveStorage create(
      Storage client, String bucket, String prefix, GcsStorageConfig config) {
    requireNonNull(client, "client is null");
    requireNonNull(config, "config is null");
    GcsStorageConfig located = config.toBuilder().bucket(bucket).prefix(prefix).build();
    if (config.bucket().isPresent()
        && (!config.bucket().equals(located.bucket())
            || !config.prefix().equals(located.prefix()))) {
      throw new IllegalArgumentException(
          "config is for gs://"
              + config.bucket().get()
              + "/"
              + config.prefix()
              + " but gs://"
              + bucket
              + "/"
              + located.prefix()
              + " was given; pass one location");
    }
    return new GcsArchiveStorage(
        located.bucket().orElseThrow(), located.prefix(), located, () -> client, false);
  }
}
