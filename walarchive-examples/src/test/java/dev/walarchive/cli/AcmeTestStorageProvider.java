package dev.walarchive.cli;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorageProvider;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.storage.spi.StorageOptions;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * A user's own backend ({@code acme:}), registered through {@link java.util.ServiceLoader} in
 * CliOptionsTest's own class loader only: the CLI must read its options from the environment, the
 * properties file and {@code -o} without knowing it.
 */
public final class AcmeTestStorageProvider implements ArchiveStorageProvider {
  static final List<OptionSpec> SPECS =
      List.of(
          OptionSpec.of("acme.bucket-name", OptionSpec.Type.STRING, "none", "the bucket"),
          OptionSpec.of("acme.timeout", OptionSpec.Type.DURATION, "`20s`", "per request"),
          OptionSpec.secret("acme.api-key", OptionSpec.Type.STRING, "none", "the key"));

  /** The settings the last {@link #open} was given (tests only). */
  static volatile Map<String, String> lastSettings;

  /** Used by {@link java.util.ServiceLoader}. */
  public AcmeTestStorageProvider() {}

  @Override
  public String scheme() {
    return "acme";
  }

  @Override
  public ArchiveStorage open(URI url, Map<String, String> options) {
    Map<String, String> settings = StorageOptions.collect(url, options, SPECS);
    if (settings.containsKey("acme.timeout")) {
      OptionValues.parseDuration("acme.timeout", settings.get("acme.timeout"));
    }
    lastSettings = settings;
    return ArchiveStorages.memory();
  }

  @Override
  public List<OptionSpec> options() {
    return SPECS;
  }
}
