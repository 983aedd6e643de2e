package dev.walarchive.core.storage;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Creates {@link ArchiveStorage} instances for one URL scheme; discovered with {@link
 * java.util.ServiceLoader} (register the implementation in {@code
 * META-INF/services/dev.walarchive.core.storage.ArchiveStorageProvider}). Providers are thin
 * adapters: they parse the URL and options and construct the backend, without network calls.
 */
public interface ArchiveStorageProvider {
  /** The URL scheme this provider handles, lowercase, without the colon (e.g. {@code s3}). */
  String scheme();

  /**
   * Opens a storage rooted at {@code url}.
   *
   * @param url a URL of this provider's scheme, e.g. {@code s3://bucket/prefix}
   * @param options backend options (names without the {@code WALARCHIVE_} prefix, lowercase with
   *     dots, e.g. {@code s3.region}); URL query parameters are merged in by the provider. Values
   *     may be secrets: never log them.
   * @throws IllegalArgumentException if the URL or an option is invalid, naming it
   */
  ArchiveStorage open(URI url, Map<String, String> options) throws IOException;

  /**
   * Every option this provider accepts, prefix included (e.g. {@code s3.region}). {@link
   * ArchiveStorages#open} refuses an option that no provider on the class path names here, so a
   * misspelt option, or one of a backend that is not installed, is an error rather than a setting
   * that silently does not apply. The default is none: a provider that takes options must list
   * them.
   */
  default Set<String> optionNames() {
    return Set.of();
  }
}
