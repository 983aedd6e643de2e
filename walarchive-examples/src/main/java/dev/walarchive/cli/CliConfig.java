package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * Settings shared by every command. Each setting is resolved as: command-line flag, else {@code
 * WALARCHIVE_*} environment variable, else the properties file ({@code --config} or {@code
 * WALARCHIVE_CONFIG}), else the default. Secrets (keys, passphrases, cloud credentials) are
 * accepted from the environment and files only, never as flag values, so they cannot appear in a
 * process listing.
 */
final class CliConfig {
  static final String ENV_PREFIX = "WALARCHIVE_";

  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "Archive URL: file:/path, s3://bucket/prefix, gs://bucket/prefix,"
              + " az://account/container/prefix (env WALARCHIVE_URL, property url).")
  String url;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file with settings (env WALARCHIVE_CONFIG).")
  Path configFile;

  @Option(
      names = "--compression",
      paramLabel = "SPEC",
      description =
          "none, zstd or zstd:<level> for new objects (env WALARCHIVE_COMPRESSION, property"
              + " compression; default zstd).")
  String compression;

  @Option(
      names = "--key-file",
      paramLabel = "FILE",
      description =
          "File holding a base64 256-bit key; turns encryption on (env WALARCHIVE_KEY_FILE,"
              + " property key-file; or the key itself in env WALARCHIVE_KEY).")
  Path keyFile;

  @Option(
      names = "--key-id",
      paramLabel = "ID",
      description = "Id of that key (env WALARCHIVE_KEY_ID, property key-id; default k1).")
  String keyId;

  @Option(
      names = "--keyring-file",
      paramLabel = "FILE",
      description =
          "Properties file with several keys for rotation: active=<id>, key.<id>=<base64>,"
              + " key-file.<id>=<path>, passphrase.<id>=<text> (env WALARCHIVE_KEYRING_FILE).")
  Path keyringFile;

  @Option(
      names = "--allow-unencrypted",
      description =
          "With a key configured, still read objects that were archived without encryption (an"
              + " archive that was started unencrypted). Off by default: whoever can write to the"
              + " storage could otherwise substitute unencrypted WAL (env"
              + " WALARCHIVE_ALLOW_UNENCRYPTED=true, property allow-unencrypted).")
  boolean allowUnencrypted;

  @Option(
      names = {"-o", "--option"},
      paramLabel = "NAME=VALUE",
      description =
          "Storage backend option, e.g. s3.region=eu-west-1 (env WALARCHIVE_S3_REGION). Repeatable.")
  Map<String, String> options = new TreeMap<>();

  @Option(
      names = "--tmpdir",
      paramLabel = "DIR",
      description = "Where large encoded objects are staged (env WALARCHIVE_TMPDIR).")
  Path tmpdir;

  @Option(
      names = "--spool-dir",
      paramLabel = "DIR",
      description =
          "Spool directory for async mode: the launcher answers wal-push and wal-fetch from it and"
              + " a long-lived worker pushes ahead and prefetches (env WALARCHIVE_SPOOL_DIR,"
              + " property spool-dir; default none: every call works synchronously).")
  Path spoolDir;

  private final Map<String, String> env;
  private Properties fileProperties;

  CliConfig() {
    this(System.getenv());
  }

  CliConfig(Map<String, String> env) {
    this.env = env;
  }

  private Properties file() throws IOException {
    if (fileProperties == null) {
      fileProperties = new Properties();
      Path path = configFile;
      if (path == null && env.get(ENV_PREFIX + "CONFIG") != null) {
        path = Path.of(env.get(ENV_PREFIX + "CONFIG"));
      }
      if (path != null) {
        if (!Files.isRegularFile(path)) {
          throw new CliException(
              "configuration file " + path + " does not exist; fix --config or WALARCHIVE_CONFIG");
        }
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
          fileProperties.load(r);
        }
      }
    }
    return fileProperties;
  }

  private String setting(String flag, String name) throws IOException {
    if (flag != null) {
      return flag;
    }
    String fromEnv = env.get(ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    String fromFile = file().getProperty(name);
    return fromFile == null ? null : fromFile.trim();
  }

  String url() throws IOException {
    String u = setting(url, "url");
    if (u == null || u.isBlank()) {
      throw new CliException(
          "no archive URL; set WALARCHIVE_URL (e.g. file:/var/lib/walarchive) or pass --url");
    }
    return u;
  }

  /** Backend options: properties file, then environment, then flags. */
  Map<String, String> storageOptions() throws IOException {
    Map<String, String> result = new TreeMap<>();
    for (String name : file().stringPropertyNames()) {
      if (name.indexOf('.') > 0) {
        result.put(name, file().getProperty(name).trim());
      }
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      String option = optionName(e.getKey());
      if (option != null) {
        result.put(option, e.getValue());
      }
    }
    result.putAll(options);
    return result;
  }

  /** {@code WALARCHIVE_S3_PATH_STYLE} to {@code s3.path-style}; null if not a backend option. */
  static String optionName(String envName) {
    if (!envName.startsWith(ENV_PREFIX)) {
      return null;
    }
    String rest = envName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
    for (String backend : new String[] {"s3_", "gcs_", "azure_"}) {
      if (rest.startsWith(backend) && rest.length() > backend.length()) {
        return backend.substring(0, backend.length() - 1)
            + "."
            + rest.substring(backend.length()).replace('_', '-');
      }
    }
    return null;
  }

  Compression compression() throws IOException {
    String spec = setting(compression, "compression");
    if (spec == null) {
      return Compression.zstdDefault();
    }
    try {
      return Compression.parse(spec);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage() + "; use none, zstd or zstd:<level>");
    }
  }

  Keyring keyring() throws IOException {
    return Keys.load(
        setting(keyringFile == null ? null : keyringFile.toString(), "keyring-file"),
        setting(keyFile == null ? null : keyFile.toString(), "key-file"),
        env.get(ENV_PREFIX + "KEY") != null
            ? env.get(ENV_PREFIX + "KEY")
            : file().getProperty("key"),
        env.get(ENV_PREFIX + "PASSPHRASE") != null
            ? env.get(ENV_PREFIX + "PASSPHRASE")
            : file().getProperty("passphrase"),
        setting(keyId, "key-id"),
        allowUnencrypted());
  }

  /**
   * The retention policy text: {@code flag} ({@code retain --policy}), else {@code
   * WALARCHIVE_RETENTION}, else property {@code retention}; null if none is set.
   */
  String retention(String flag) throws IOException {
    String policy = setting(flag, "retention");
    return policy == null || policy.isBlank() ? null : policy;
  }

  private boolean allowUnencrypted() throws IOException {
    String value = setting(allowUnencrypted ? "true" : null, "allow-unencrypted");
    if (value == null) {
      return false;
    }
    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
      throw new CliException("allow-unencrypted must be true or false, not '" + value + "'");
    }
    return Boolean.parseBoolean(value);
  }

  Path tempDirectory() throws IOException {
    String dir = setting(tmpdir == null ? null : tmpdir.toString(), "tmpdir");
    return Path.of(dir == null ? System.getProperty("java.io.tmpdir") : dir);
  }

  /** The spool directory of async mode, or null if none is configured. */
  Path spoolDir() throws IOException {
    String dir = setting(spoolDir == null ? null : spoolDir.toString(), "spool-dir");
    return dir == null || dir.isBlank() ? null : Path.of(dir);
  }

  /**
   * A positive whole-number setting of async mode ({@code WALARCHIVE_<NAME>}, property {@code
   * name}), or {@code defaultValue} if unset.
   */
  int positiveSetting(String name, int defaultValue, int max) throws IOException {
    String value = setting(null, name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new CliException(
        name + " must be a whole number from 1 to " + max + ", not '" + value + "'");
  }

  ArchiveStorage openStorage() throws IOException {
    return ArchiveStorages.open(url(), storageOptions());
  }

  WalArchive openArchive() throws IOException {
    Compression c = compression();
    Keyring k = keyring();
    Path tmp = tempDirectory();
    return WalArchive.builder(openStorage()).compression(c).keyring(k).tempDirectory(tmp).build();
  }
}
