package dev.walarchive.azure;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorageProvider;
import dev.walarchive.core.storage.OptionSpec;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code az://account/container/prefix} URLs, with the options described in {@link
 * AzureStorageConfig}; found by {@link java.util.ServiceLoader}.
 */
public final class AzureStorageProvider implements ArchiveStorageProvider {
  /** Used by {@link java.util.ServiceLoader}. */
  public AzureStorageProvider() {}

  @Override
  public String scheme() {
    return "az";
  }

  @Override
  public ArchiveStorage open(URI url, Map<String, String> options) {
    return AzureStorages.create(AzureStorageConfig.fromUrl(url, options));
  }

  @Override
  public List<OptionSpec> options() {
    return AzureStorageConfig.SPECS;
  }
}
