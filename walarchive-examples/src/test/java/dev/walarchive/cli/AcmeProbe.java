package dev.walarchive.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs CliConfig with the {@code acme:} test backend registered, inside the class loader that
 * {@link CliOptionsTest} makes for it (so that the backend is not on the class path of other
 * tests). Answers with JDK types only: option entries as {@code name=value}, or {@code error:
 * message}.
 */
public final class AcmeProbe {
  private AcmeProbe() {}

  /** The storage options CliConfig reads from {@code env}, the file and {@code -o} flags. */
  public static List<String> storageOptions(
      Map<String, String> env, String configFile, List<String> flags) {
    CliConfig config = new CliConfig(env);
    if (configFile != null) {
      config.configFile = Path.of(configFile);
    }
    config.options.addAll(flags);
    List<String> result = new ArrayList<>();
    try {
      config.storageOptions().forEach((k, v) -> result.add(k + "=" + v));
    } catch (Exception e) {
      result.add("error: " + e.getMessage());
    }
    return result;
  }

  /** Opens the storage {@code env} names and returns the settings the acme backend was given. */
  public static String openedSettings(Map<String, String> env) throws Exception {
    try (var storage = new CliConfig(env).openStorage()) {
      return String.valueOf(AcmeTestStorageProvider.lastSettings);
    }
  }
}
