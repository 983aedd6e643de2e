package dev.walarchive.s3;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.ArchiveStorage;
import software.amazon.awssdk.services.s3.S3Client;

/** Creates {@link ArchiveStorage}s on Amazon S3 and S3-compatible stores. */
public final class S3Storages {
  private S3Storages() {}

  /**
   * A storage on {@code config}'s bucket and prefix. No network call is made here: the S3 client
   * (url-connection HTTP client, the configured region, credentials, timeouts and retries) is built
   * on first use and closed by {@link ArchiveStorage#close()}.
   *
   * @throws IllegalArgumentException if the configuration names no bucket
   */
  public static ArchiveStorage create(S3StorageConfig config) {
    requireNonNull(config, "config is null");
    if (config.bucket().isEmpty()) {
      throw new IllegalArgumentException("S3 storage configuration names no bucket");
    }
    return new S3ArchiveStorage(config);
  }

  /**
   * A storage on an S3 client the caller built and closes (the storage never closes it). The
   * client's own region, endpoint, credentials, timeouts and retry policy apply; of {@code config}
   * only the per-request settings are used (server-side encryption, storage class, multipart
   * threshold and part size, conditional-write mode, checksum).
   *
   * <p>The location is {@code bucket} and {@code prefix}, the same rule for every backend's {@code
   * create(client, ...)}: a {@code config} without a bucket (such as {@code
   * S3StorageConfig.builder().build()}) is the usual argument; one that names a bucket must name
   * the same bucket and prefix, since two different locations mean a mistake.
   *
   * @param prefix the key prefix of the archive inside the bucket; may be empty
   * @throws IllegalArgumentException if the bucket name or prefix is invalid, or {@code config}
   *     names another location
   */
  public static ArchiveStorage create(
      S3Client client, String bucket, String prefix, S3StorageConfig config) {
    requireNonNull(client, "client is null");
    requireNonNull(config, "config is null");
    S3StorageConfig.Builder checked = S3StorageConfig.builder().bucket(bucket).prefix(prefix);
    S3StorageConfig location = checked.build();
    if (config.bucket().isPresent()
        && (!config.bucket().equals(location.bucket())
            || !config.prefix().equals(location.prefix()))) {
      throw new IllegalArgumentException(
          "config is for s3://"
              + config.bucket().get()
              + "/"
              + config.prefix()
              + " but s3://"
              + location.bucket().orElseThrow()
              + "/"
              + location.prefix()
              + " was given; pass one location (a config without a bucket is enough)");
    }
    return new S3ArchiveStorage(client, location.bucket().orElseThrow(), location.prefix(), config);
  }
}
