package dev.walarchive.azure;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorageProvider;
import dev.walarchive.core.storage.OptionSpec;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code https://account.blob.core.windows.net/container/prefix} URLs, the form the Azure portal
 * shows; found by {@link java.util.ServiceLoader} under the scheme {@code https}. Only hosts of the
 * public Azure blob endpoint are accepted; anything else is refused with a message pointing to
 * {@code az://account/container/prefix} and the {@code azure.endpoint} option.
 */
public final class AzureBlobUrlStorageProvider implements ArchiveStorageProvider {
  /** Used by {@link java.util.ServiceLoader}. */
  public AzureBlobUrlStorageProvider() {}

  @Override
  public String scheme() {
    return "https";
  }

  @Override
  public ArchiveStorage open(URI url, Map<String, String> options) {
    String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
    if (!host.endsWith(AzureStorageConfig.PUBLIC_HOST_SUFFIX)) {
      throw new IllegalArgumentException(
          "https archive URL '"
              + AzureStorageConfig.redactUrl(url)
              + "' is not an Azure blob URL (https://<account>"
              + AzureStorageConfig.PUBLIC_HOST_SUFFIX
              + "/container/prefix); for other stores use their scheme (s3://, gs://, az:// with"
              + " azure.endpoint)");
    }
    return AzureStorages.create(AzureStorageConfig.fromUrl(url, options));
  }

  @Override
  public List<OptionSpec> options() {
    return AzureStorageConfig.SPECS;
  }
}
