package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.storage.StorageOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Option;

/**
 * Settings shared by every command. Each setting is resolved as: command-line flag, else {@code
 * WALARCHIVE_*} environment variable, else the properties file ({@code --config} or {@code
 * WALARCHIVE_CONFIG}), else the default. Secrets (keys, passphrases, cloud credentials) are
 * accepted from the environment and files only, never as flag values, so they cannot appear in a
 * process listing.
 *
 * <p>Nothing unknown is ignored: a name in the properties file that is neither one of {@link
 * #SETTINGS} nor a storage option of a backend on the class path, an unknown {@code -o} option (of
 * any backend, whichever the URL names), an unknown {@code WALARCHIVE_<BACKEND>_*} variable and a
 * name given twice are configuration errors whose message names the closest valid name.
 */
final class CliConfig {
  static final String ENV_PREFIX = "WALARCHIVE_";

  /** The variables the CLI and its launcher read that are not storage options. */
  private static final Set<String> CLI_VARIABLES =
      Set.of(
          "WALARCHIVE_URL",
          "WALARCHIVE_CONFIG",
          "WALARCHIVE_COMPRESSION",
          "WALARCHIVE_KEY_FILE",
          "WALARCHIVE_KEY",
          "WALARCHIVE_PASSPHRASE",
          "WALARCHIVE_KEY_ID",
          "WALARCHIVE_KEYRING_FILE",
          "WALARCHIVE_ALLOW_UNENCRYPTED",
          "WALARCHIVE_TMPDIR",
          "WALARCHIVE_RETENTION",
          "WALARCHIVE_LOG_LEVEL",
          "WALARCHIVE_JAVA_OPTS",
          "WALARCHIVE_SPOOL_DIR",
          "WALARCHIVE_ASYNC_PARALLELISM",
          "WALARCHIVE_PREFETCH_COUNT",
          "WALARCHIVE_SPOOL_IDLE",
          "WALARCHIVE_SPOOL_TIMEOUT");

  /** The settings a properties file may hold besides storage options, in documentation order. */
  static final List<String> SETTINGS =
      List.of(
          "url",
          "compression",
          "key-file",
          "key",
          "passphrase",
          "key-id",
          "keyring-file",
          "allow-unencrypted",
          "tmpdir",
          "retention",
          "spool-dir",
          "async-parallelism",
          "prefetch-count");

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
          "Storage backend option, e.g. s3.region=eu-west-1 (env WALARCHIVE_S3_REGION). Repeatable;"
              + " an unknown option is an error.")
  List<String> options = new ArrayList<>();

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

  @Option(
      names = {"-v", "--verbose"},
      description = "Log one line per action (also accepted before the command).")
  boolean verbose;

  private final Map<String, String> env;
  private PropertiesFile fileProperties;
  private SortedSet<String> storageOptionNames;

  CliConfig() {
    this(System.getenv());
  }

  CliConfig(Map<String, String> env) {
    this.env = env;
  }

  private PropertiesFile file() throws IOException {
    if (fileProperties == null) {
      Path path = configFile;
      String fix = "fix --config";
      if (path == null && env.get(ENV_PREFIX + "CONFIG") != null) {
        path = path(env.get(ENV_PREFIX + "CONFIG"), "WALARCHIVE_CONFIG");
        fix = "fix WALARCHIVE_CONFIG";
      }
      PropertiesFile file =
          path == null
              ? PropertiesFile.empty()
              : PropertiesFile.read(path, "configuration file", fix);
      for (PropertiesFile.Entry e : file.entries()) {
        if (!SETTINGS.contains(e.name()) && !storageOptionNames().contains(e.name())) {
          throw new CliException(
              file.shown()
                  + " line "
                  + e.line()
                  + ": unknown setting '"
                  + e.name()
                  + "'"
                  + hint(e.name(), allNames()));
        }
      }
      fileProperties = file;
    }
    return fileProperties;
  }

  private SortedSet<String> storageOptionNames() {
    if (storageOptionNames == null) {
      storageOptionNames = ArchiveStorages.optionNames();
    }
    return storageOptionNames;
  }

  private Set<String> allNames() {
    Set<String> names = new LinkedHashSet<>(SETTINGS);
    names.addAll(storageOptionNames());
    return names;
  }

  /**
   * "; did you mean key-file?" for a name that is close to a valid one, else what there is: the
   * settings, or which backends on the class path take options.
   */
  private String hint(String name, Set<String> valid) {
    Optional<String> closest = StorageOptions.closest(name, valid);
    if (closest.isPresent()) {
      return "; did you mean " + closest.get() + "?";
    }
    int dot = name.indexOf('.');
    if (dot > 0) {
      String prefix = name.substring(0, dot + 1);
      if (storageOptionNames().stream().noneMatch(o -> o.startsWith(prefix))) {
        return "; no storage backend on the class path takes "
            + prefix
            + "* options (there are options "
            + String.join(", ", optionPrefixes())
            + ")";
      }
      return "; the "
          + prefix
          + "* options are "
          + String.join(
              ", ", storageOptionNames().stream().filter(o -> o.startsWith(prefix)).toList());
    }
    return "; the settings are "
        + String.join(", ", SETTINGS)
        + ", and storage options such as "
        + String.join(", ", optionPrefixes());
  }

  private SortedSet<String> optionPrefixes() {
    SortedSet<String> prefixes = new TreeSet<>();
    for (String o : storageOptionNames()) {
      int dot = o.indexOf('.');
      if (dot > 0) {
        prefixes.add(o.substring(0, dot + 1) + "*");
      }
    }
    return prefixes;
  }

  private String setting(String flag, String name) throws IOException {
    if (flag != null) {
      return flag;
    }
    String fromEnv = env.get(ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    return file().get(name);
  }

  String url() throws IOException {
    String u = setting(url, "url");
    if (u == null || u.isBlank()) {
      throw new CliException(
          "no archive URL; set WALARCHIVE_URL (e.g. file:/var/lib/walarchive) or pass --url");
    }
    return u;
  }

  /**
   * Backend options: properties file, then environment, then flags. Every name must be an option of
   * a backend on the class path, whichever backend the URL names.
   */
  Map<String, String> storageOptions() throws IOException {
    Map<String, String> result = new TreeMap<>();
    for (PropertiesFile.Entry e : file().entries()) {
      if (!SETTINGS.contains(e.name())) {
        result.put(e.name(), e.value());
      }
    }
    result.putAll(environmentOptions());
    result.putAll(flagOptions());
    return result;
  }

  /**
   * {@code WALARCHIVE_S3_PATH_STYLE=true} as {@code s3.path-style=true}, for every backend on the
   * class path (a user's own included): the names come from the backends' option descriptions.
   */
  private Map<String, String> environmentOptions() throws CliException {
    Map<String, String> candidates = new TreeMap<>();
    env.forEach(
        (name, value) -> {
          if (name.startsWith(ENV_PREFIX) && !CLI_VARIABLES.contains(name)) {
            candidates.put(name, value);
          }
        });
    if (candidates.isEmpty()) {
      return Map.of(); // and the backends' option descriptions need not be loaded
    }
    try {
      return ArchiveStorages.optionsFromEnvironment(candidates);
    } catch (IllegalArgumentException e) {
      throw new CliException(Errors.oneLine(e));
    }
  }

  /** The {@code -o NAME=VALUE} flags; each name known and given once. */
  private Map<String, String> flagOptions() throws CliException {
    Map<String, String> result = new TreeMap<>();
    for (String o : options) {
      int eq = o.indexOf('=');
      String name = eq < 0 ? o : o.substring(0, eq);
      if (eq <= 0) {
        throw new CliException(
            "-o needs NAME=VALUE, e.g. -o s3.region=eu-west-1"
                + (eq < 0 && !name.isEmpty() ? ", not '" + name + "'" : ""));
      }
      if (SETTINGS.contains(name)) {
        throw new CliException(
            "-o "
                + name
                + ": "
                + name
                + " is not a storage option; set it "
                + (List.of("key", "passphrase", "retention").contains(name)
                    ? ""
                    : "with --" + name + ", ")
                + "in "
                + envName(name)
                + " or in the properties file");
      }
      if (!storageOptionNames().contains(name)) {
        throw new CliException(
            "-o " + name + ": unknown storage option" + hint(name, storageOptionNames()));
      }
      if (result.put(name, o.substring(eq + 1)) != null) {
        throw new CliException("-o " + name + " is given twice; give it once");
      }
    }
    return result;
  }

  /** {@code s3.path-style} is read from {@code WALARCHIVE_S3_PATH_STYLE}. */
  static String envName(String option) {
    return ENV_PREFIX + option.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private static Path path(String value, String setting) throws CliException {
    try {
      return Path.of(value);
    } catch (IllegalArgumentException e) {
      throw new CliException(setting + " is not a valid path: " + Errors.oneLine(e));
    }
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
        env.get(ENV_PREFIX + "KEY") != null ? env.get(ENV_PREFIX + "KEY") : file().get("key"),
        env.get(ENV_PREFIX + "PASSPHRASE") != null
            ? env.get(ENV_PREFIX + "PASSPHRASE")
            : file().get("passphrase"),
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
    try {
      return OptionValues.parseBoolean("allow-unencrypted", value);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  Path tempDirectory() throws IOException {
    String dir = setting(tmpdir == null ? null : tmpdir.toString(), "tmpdir");
    return dir == null ? Path.of(System.getProperty("java.io.tmpdir")) : path(dir, "tmpdir");
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

  /**
   * The storage the URL names. A URL or option the backend refuses is a configuration error, as is
   * any unknown option.
   */
  ArchiveStorage openStorage() throws IOException {
    String u = url();
    Map<String, String> o = storageOptions();
    try {
      return ArchiveStorages.open(u, o);
    } catch (IllegalArgumentException e) {
      // a malformed, relative or unknown archive URL is a configuration error for every command
      throw new CliException(Errors.oneLine(e));
    }
  }

  WalArchive openArchive() throws IOException {
    Compression c = compression();
    Keyring k = keyring();
    Path tmp = tempDirectory();
    ArchiveStorage storage = openStorage();
    try {
      return WalArchive.builder(storage).compression(c).keyring(k).tempDirectory(tmp).build();
    } catch (IllegalArgumentException e) {
      storage.close();
      throw new CliException(Errors.oneLine(e));
    }
  }
}
