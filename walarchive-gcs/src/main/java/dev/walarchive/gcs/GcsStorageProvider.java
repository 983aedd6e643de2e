package dev.walarchive.gcs;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorageProvider;
import dev.walarchive.core.storage.OptionSpec;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code gs://bucket/prefix} URLs: Google Cloud Storage, configured by the {@code gcs.*} options
 * described in {@link GcsStorageConfig}. Opening makes no network call; the client is built on
 * first use.
 */
public final class GcsStorageProvider implements ArchiveStorageProvider {
  /** Used by {@link java.util.ServiceLoader}. */
  public GcsStorageProvider() {}

  @Override
  public String scheme() {
    return "gs";
  }

  @Override
  public ArchiveStorage open(URI url, Map<String, String> options) {
    return GcsStorages.create(GcsStorageConfig.fromUrl(url, options));
  }

  @Override
  public List<OptionSpec> options() {
    return GcsStorageConfig.OPTIONS;
  }
}
