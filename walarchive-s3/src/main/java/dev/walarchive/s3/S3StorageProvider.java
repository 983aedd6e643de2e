package dev.walarchive.s3;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorageProvider;
import dev.walarchive.core.storage.OptionSpec;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code s3://bucket/prefix} URLs, with the {@code s3.*} options of {@link
 * S3StorageConfig#fromUrl(URI, Map)}. Opening makes no network call.
 */
public final class S3StorageProvider implements ArchiveStorageProvider {
  /** Used by {@link java.util.ServiceLoader}. */
  public S3StorageProvider() {}

  @Override
  public String scheme() {
    return "s3";
  }

  @Override
  public ArchiveStorage open(URI url, Map<String, String> options) {
    return S3Storages.create(S3StorageConfig.fromUrl(url, options));
  }

  @Override
  public List<OptionSpec> options() {
    return S3Options.SPECS;
  }
}
