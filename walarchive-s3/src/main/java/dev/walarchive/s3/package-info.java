/**
 * The S3 storage backend: an {@link dev.walarchive.core.storage.ArchiveStorage} on Amazon S3 and
 * S3-compatible stores (MinIO, Ceph RGW, Cloudflare R2, ...), on the AWS SDK for Java v2 with its
 * url-connection HTTP client.
 *
 * <p>Two types matter: {@link dev.walarchive.s3.S3StorageConfig} (bucket, prefix, region, endpoint,
 * credentials, encryption, timeouts, multipart sizes, conditional-write mode; parsed from {@code
 * s3://bucket/prefix} URLs and {@code s3.*} options) and {@link dev.walarchive.s3.S3Storages}
 * (creates the storage, optionally on an injected {@code S3Client}). {@link
 * dev.walarchive.s3.S3StorageProvider} makes {@code s3://} URLs work with {@code
 * ArchiveStorages.open}.
 *
 * <p>For embedders who configure the backend in code or inject their own client; with URLs and
 * options alone, the module only needs to be on the class path. Everything else here (the storage
 * itself, error translation) is package-private.
 */
package dev.walarchive.s3;
