package dev.walarchive.core.storage;

import java.io.IOException;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
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
   * Every option this provider accepts, described as data, in documentation order: names (prefix
   * included, e.g. {@code s3.region}), types, defaults, meanings and which are secret. From this
   * list come the names {@link ArchiveStorages#open} accepts (a misspelt option, or one of a
   * backend that is not installed, is an error rather than a setting that silently does not apply),
   * the environment variables the CLI reads ({@link OptionSpec#environmentVariable()}, see {@link
   * ArchiveStorages#optionsFromEnvironment}) and the option tables of the documentation. The
   * default is none: a provider that takes options must list them here.
   */
  default List<OptionSpec> options() {
    return List.of();
  }

  /**
   * The names of {@link #options()}. Providers written before {@link #options()} existed override
   * this instead; their options are then treated as secret text (their values are never shown).
   */
  default Set<String> optionNames() {
    Set<String> names = new LinkedHashSet<>();
    for (OptionSpec spec : options()) {
      names.add(spec.name());
    }
    return Collections.unmodifiableSet(names);
  }
}
