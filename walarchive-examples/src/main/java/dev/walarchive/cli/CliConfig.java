package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.storage.spi.StorageOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
          "WALARCHIVE_SPOOL_TIMEOUT",
          "WALARCHIVE_COPY_URL",
          "WALARCHIVE_COPY_MODE");

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
          "prefetch-count",
          "copy-url",
          "copy-mode");

  /** {@code copy.<n>.<storage option>}: a storage option of the n-th copy (from 1). */
  private static final java.util.regex.Pattern COPY_OPTION =
      java.util.regex.Pattern.compile("copy\\.([1-9][0-9]{0,2})\\.(.+)");

  /** {@code WALARCHIVE_COPY_<n>_<OPTION>}: the same from the environment. */
  private static final java.util.regex.Pattern COPY_ENV =
      java.util.regex.Pattern.compile("WALARCHIVE_COPY_([1-9][0-9]{0,2})_(.+)");

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
      names = "--copy-url",
      paramLabel = "URL",
      description =
          "A copy of the archive (another region, account or provider); repeatable, or several"
              + " separated by commas. wal-push writes to every archive, wal-fetch falls back to"
              + " the copies (env WALARCHIVE_COPY_URL, property copy-url). Storage options of the"
              + " n-th copy: copy.<n>.<option> (-o, property) or WALARCHIVE_COPY_<n>_<OPTION>.")
  List<String> copyUrls = new ArrayList<>();

  @Option(
      names = "--copy-mode",
      paramLabel = "MODE",
      description =
          "strict (default): wal-push succeeds only when every archive has the file; lagging:"
              + " when the primary has it, a copy that cannot be reached lags until 'walarchive"
              + " sync' (env WALARCHIVE_COPY_MODE, property copy-mode).")
  String copyMode;

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
  private boolean variablesChecked;

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
        if (!SETTINGS.contains(e.name())
            && !storageOptionNames().contains(e.name())
            && !isCopyOption(e.name())) {
          throw new CliException(
              file.shown()
                  + " line "
                  + e.line()
                  + ": unknown setting '"
                  + e.name()
                  + "'"
                  + (e.name().startsWith("copy.")
                      ? copyHint(e.name())
                      : hint(e.name(), allNames())));
        }
      }
      if (path != null && holdsSecret(file)) {
        PrivateFiles.check(path, "configuration file");
      } else if (path != null) {
        PrivateFiles.checkNotWorldWritable(path, "configuration file");
      }
      fileProperties = file;
    }
    return fileProperties;
  }

  /** Whether {@code file} sets a key, a passphrase or a secret storage option (also of a copy). */
  private static boolean holdsSecret(PropertiesFile file) {
    Set<String> secret = new HashSet<>(Set.of("key", "passphrase"));
    secret.addAll(secretOptionNames());
    for (PropertiesFile.Entry e : file.entries()) {
      java.util.regex.Matcher m = COPY_OPTION.matcher(e.name());
      if (secret.contains(m.matches() ? m.group(2) : e.name())) {
        return true;
      }
    }
    return false;
  }

  /** The storage options of the backends on the class path whose values are secrets. */
  private static Set<String> secretOptionNames() {
    Set<String> secret = new HashSet<>();
    for (OptionSpec spec : ArchiveStorages.options()) {
      if (spec.secret()) {
        secret.add(spec.name());
      }
    }
    return secret;
  }

  /** What is wrong with {@code copy.<...>}, a name that is not a copy's storage option. */
  private String copyHint(String name) {
    java.util.regex.Matcher m = COPY_OPTION.matcher(name);
    if (m.matches()) {
      return ": "
          + m.group(2)
          + " is not a storage option"
          + hint(m.group(2), storageOptionNames());
    }
    return "; a copy's storage option is copy.<n>.<option>, e.g. copy.1.s3.region";
  }

  /** {@code copy.2.s3.region}: a known storage option for a copy. */
  private boolean isCopyOption(String name) {
    java.util.regex.Matcher m = COPY_OPTION.matcher(name);
    return m.matches() && storageOptionNames().contains(m.group(2));
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
    checkVariableNames();
    Map<String, String> result = new TreeMap<>();
    for (PropertiesFile.Entry e : file().entries()) {
      if (!SETTINGS.contains(e.name()) && !e.name().startsWith("copy.")) {
        result.put(e.name(), e.value());
      }
    }
    result.putAll(environmentOptions());
    flagOptions()
        .forEach(
            (name, value) -> {
              if (!name.startsWith("copy.")) {
                result.put(name, value);
              }
            });
    return result;
  }

  /**
   * The copies' URLs: {@code --copy-url} (repeatable), else {@code WALARCHIVE_COPY_URL}, else
   * property {@code copy-url}; each value may list several, separated by commas. Empty if none.
   */
  List<String> copyUrls() throws IOException {
    List<String> values = copyUrls;
    String source = "--copy-url";
    if (values.isEmpty()) {
      String v = env.get(ENV_PREFIX + "COPY_URL");
      source = "WALARCHIVE_COPY_URL";
      if (v == null || v.isEmpty()) {
        v = file().get("copy-url");
        source = "copy-url";
      }
      values = v == null || v.isBlank() ? List.of() : List.of(v);
    }
    List<String> urls = new ArrayList<>();
    for (String value : values) {
      for (String u : value.split(",", -1)) {
        String url = u.trim();
        if (url.isEmpty()) {
          throw new CliException(
              source + " has an empty entry; separate copy URLs with single commas");
        }
        if (urls.stream().anyMatch(u2 -> sameLocation(u2, url))) {
          throw new CliException(
              source
                  + " names "
                  + dev.walarchive.core.storage.ArchiveStorages.redact(url)
                  + " twice; give each copy once");
        }
        urls.add(url);
      }
    }
    String archiveUrl = urls.isEmpty() ? null : url();
    if (archiveUrl != null && urls.stream().anyMatch(u -> sameLocation(u, archiveUrl))) {
      throw new CliException(
          source
              + " names the archive URL itself ("
              + dev.walarchive.core.storage.ArchiveStorages.redact(url())
              + "); a copy must be another location");
    }
    return urls;
  }

  /** The same location, however spelled ({@code file:/x}, {@code file:///x/}, ...). */
  private static boolean sameLocation(String a, String b) {
    return a.equals(b) || ArchiveStorages.sameLocation(a, b);
  }

  /** Whether a push may succeed while a copy lags: {@code copy-mode=lagging}. */
  WalArchive.CopyMode copyMode() throws IOException {
    String mode = setting(copyMode, "copy-mode");
    if (mode == null || mode.isBlank()) {
      return WalArchive.CopyMode.STRICT;
    }
    return switch (mode.trim().toLowerCase(Locale.ROOT)) {
      case "strict" -> WalArchive.CopyMode.STRICT;
      case "lagging" -> WalArchive.CopyMode.LAGGING;
      default -> throw new CliException("copy-mode must be strict or lagging, not '" + mode + "'");
    };
  }

  /**
   * The storage options of each copy, by copy number (from 1): properties {@code
   * copy.<n>.<option>}, then {@code WALARCHIVE_COPY_<n>_<OPTION>}, then {@code -o
   * copy.<n>.<option>=...}. The archive's own options do not apply to its copies. An option for a
   * copy that is not configured is an error.
   */
  Map<Integer, Map<String, String>> copyOptions(int copies) throws IOException {
    Map<Integer, Map<String, String>> result = new TreeMap<>();
    Map<String, String> named = new TreeMap<>();
    Map<String, String> where = new HashMap<>();
    for (PropertiesFile.Entry e : file().entries()) {
      if (e.name().startsWith("copy.")) {
        named.put(e.name(), e.value());
        where.put(e.name(), file().shown() + " line " + e.line());
      }
    }
    Map<String, String> byEnvName = new HashMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      if (!e.getKey().startsWith(ENV_PREFIX + "COPY_") || CLI_VARIABLES.contains(e.getKey())) {
        continue;
      }
      java.util.regex.Matcher m = COPY_ENV.matcher(e.getKey());
      String option = null;
      if (m.matches()) {
        if (byEnvName.isEmpty()) {
          for (String o : storageOptionNames()) {
            byEnvName.put(envName(o).substring(ENV_PREFIX.length()), o);
          }
        }
        option = byEnvName.get(m.group(2));
      }
      if (option == null && m.matches()) {
        Optional<String> closest = StorageOptions.closest(m.group(2), byEnvName.keySet());
        if (closest.isPresent()) {
          throw new CliException(
              "environment variable "
                  + e.getKey()
                  + " is not a storage option; did you mean WALARCHIVE_COPY_"
                  + m.group(1)
                  + "_"
                  + closest.get()
                  + "? (unset it, or see the backend's options)");
        }
      }
      if (option == null) {
        throw new CliException(
            "environment variable "
                + e.getKey()
                + " is not a setting; copies take WALARCHIVE_COPY_URL, WALARCHIVE_COPY_MODE and"
                + " storage options as WALARCHIVE_COPY_<n>_<OPTION>, e.g."
                + " WALARCHIVE_COPY_1_S3_REGION (unset it)");
      }
      named.put("copy." + m.group(1) + "." + option, e.getValue());
      where.put("copy." + m.group(1) + "." + option, "environment variable " + e.getKey());
    }
    for (Map.Entry<String, String> e : flagOptions().entrySet()) {
      if (e.getKey().startsWith("copy.")) {
        named.put(e.getKey(), e.getValue());
        where.put(e.getKey(), "-o " + e.getKey());
      }
    }
    for (Map.Entry<String, String> e : named.entrySet()) {
      java.util.regex.Matcher m = COPY_OPTION.matcher(e.getKey());
      if (!m.matches()) {
        throw new CliException(
            where.get(e.getKey())
                + ": '"
                + e.getKey()
                + "' is not a copy option; write copy.<n>.<storage option>, e.g."
                + " copy.1.s3.region");
      }
      int n = Integer.parseInt(m.group(1));
      if (n > copies) {
        throw new CliException(
            where.get(e.getKey())
                + ": "
                + e.getKey()
                + " is for copy "
                + n
                + ", but "
                + (copies == 0
                    ? "no copy is"
                    : "only " + copies + (copies == 1 ? " copy is" : " copies are"))
                + " configured (copy-url)");
      }
      result.computeIfAbsent(n, k -> new TreeMap<>()).put(m.group(2), e.getValue());
    }
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
      if (name.startsWith("copy.") && !isCopyOption(name)) {
        java.util.regex.Matcher m = COPY_OPTION.matcher(name);
        throw new CliException(
            "-o "
                + name
                + ": "
                + (m.matches()
                    ? "unknown storage option "
                        + m.group(2)
                        + hint(m.group(2), storageOptionNames())
                    : "write copy.<n>.<storage option>, e.g. copy.1.s3.region"));
      }
      if (!name.startsWith("copy.") && !storageOptionNames().contains(name)) {
        throw new CliException(
            "-o " + name + ": unknown storage option" + hint(name, storageOptionNames()));
      }
      java.util.regex.Matcher copy = COPY_OPTION.matcher(name);
      if (secretOptionNames().contains(copy.matches() ? copy.group(2) : name)) {
        // refused even before its value is looked at: the flag is already in the process listing
        throw new CliException(
            "-o "
                + name
                + ": a secret is never taken from the command line, where every user of the host"
                + " can see it in the process listing; set "
                + envName(name)
                + " or put "
                + name
                + " in the configuration file (readable by its owner only)");
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

  /**
   * The files these settings were read from: the configuration file and the key and keyring files
   * (those that are set). The async worker watches them: it must never serve with settings other
   * than the ones a call would read.
   */
  java.util.List<Path> settingsFiles() throws IOException {
    java.util.List<Path> files = new java.util.ArrayList<>();
    if (configFile != null) {
      files.add(configFile);
    } else if (env.get(ENV_PREFIX + "CONFIG") != null) {
      files.add(path(env.get(ENV_PREFIX + "CONFIG"), "WALARCHIVE_CONFIG"));
    }
    for (String f :
        new String[] {
          setting(keyringFile == null ? null : keyringFile.toString(), "keyring-file"),
          setting(keyFile == null ? null : keyFile.toString(), "key-file")
        }) {
      if (f != null && !f.isBlank()) {
        files.add(path(f, "key-file"));
      }
    }
    return files;
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

  /**
   * The keyring from the one key setting that is set: {@code keyring-file}, {@code key-file},
   * {@code key} or {@code passphrase}, each from its flag, else its variable, else the file. With
   * none set, objects are not encrypted; so a key setting that is there but empty (a template that
   * rendered nothing, {@code WALARCHIVE_KEY=}), and two key settings at once (a key file in the
   * file and a key in the environment: which one would register or encrypt?) are errors, never
   * plaintext or a silent choice.
   */
  Keyring keyring() throws IOException {
    checkVariableNames();
    List<String> sources = new ArrayList<>();
    String ring =
        keySetting(keyringFile == null ? null : keyringFile.toString(), "keyring-file", sources);
    String file = keySetting(keyFile == null ? null : keyFile.toString(), "key-file", sources);
    String key = keySetting(null, "key", sources);
    String passphrase = keySetting(null, "passphrase", sources);
    if (sources.size() > 1) {
      throw new CliException(
          "more than one key setting is set ("
              + String.join(", ", sources)
              + "); set exactly one of keyring-file, key-file, key and passphrase (a keyring file"
              + " holds several keys for a rotation)");
    }
    return Keys.load(ring, file, key, passphrase, setting(keyId, "key-id"), allowUnencrypted());
  }

  /**
   * Refuses a {@code WALARCHIVE_*} variable that is none of the CLI's but a near miss of one
   * ({@code WALARCHIVE_KEYFILE}, {@code WALARCHIVE_PASSPRASE}, {@code WALARCHIVE_COPYURL}): it
   * would silently not apply, and a key that does not apply archives in plaintext. Variables of
   * storage options are checked by their backend's prefix ({@link #environmentOptions}), those of
   * copies by {@link #copyOptions}; other names (a wrapper's own) are left alone.
   */
  private void checkVariableNames() throws CliException {
    if (variablesChecked) {
      return;
    }
    // the backends' option names only if some variable needs them: loading their descriptions
    // costs each wal-push and wal-fetch start-up, and most environments hold no such variable
    Set<String> optionVariables = null;
    for (String name : new TreeSet<>(env.keySet())) {
      if (!name.startsWith(ENV_PREFIX)
          || CLI_VARIABLES.contains(name)
          || name.startsWith(ENV_PREFIX + "COPY_")) {
        continue;
      }
      if (optionVariables == null) {
        optionVariables = new HashSet<>();
        for (String o : storageOptionNames()) {
          optionVariables.add(envName(o));
        }
      }
      if (optionVariables.contains(name)) {
        continue;
      }
      // WALARCHIVE_KEYRING: the start of exactly one name; else the closest name
      List<String> longer =
          CLI_VARIABLES.stream().filter(v -> v.startsWith(name + "_")).sorted().toList();
      Optional<String> meant =
          longer.size() == 1
              ? Optional.of(longer.get(0))
              : StorageOptions.closest(name, CLI_VARIABLES);
      if (meant.isPresent()) {
        throw new CliException(
            "environment variable "
                + name
                + " is not a setting; did you mean "
                + meant.get()
                + "? (rename or unset it)");
      }
    }
    variablesChecked = true;
  }

  /**
   * One key setting as {@link #setting}, noting where it came from in {@code sources}; a value that
   * is empty or blank is an error naming where it is set (never the value).
   */
  private String keySetting(String flag, String name, List<String> sources) throws IOException {
    String where;
    String value;
    String variable = ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
    if (flag != null) {
      where = "--" + name;
      value = flag;
    } else if (env.get(variable) != null) {
      where = "environment variable " + variable;
      value = env.get(variable);
    } else if (file().get(name) != null) {
      where = name + " in " + file().shown();
      value = file().get(name);
    } else {
      return null;
    }
    if (value.isBlank()) {
      throw new CliException(
          where
              + " is set but empty, which would turn encryption off; give it the "
              + (name.equals("passphrase")
                  ? "passphrase"
                  : name.equals("key") ? "base64 key" : "file's path")
              + ", or remove it to archive unencrypted");
    }
    sources.add(where);
    return value;
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
    checkSecretFiles(o, "");
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
    List<String> copies = copyUrls();
    Map<Integer, Map<String, String>> copyOptions = copyOptions(copies.size());
    WalArchive.CopyMode mode = copyMode();
    ArchiveStorage storage = openStorage();
    List<ArchiveStorage> opened = new ArrayList<>();
    try {
      WalArchive.Builder builder =
          WalArchive.builder(storage).compression(c).keyring(k).tempDirectory(tmp).copyMode(mode);
      for (int i = 0; i < copies.size(); i++) {
        ArchiveStorage copy =
            openCopy(i + 1, copies.get(i), copyOptions.getOrDefault(i + 1, Map.of()));
        opened.add(copy);
        builder.copy(copy);
      }
      return builder.build();
    } catch (IllegalArgumentException e) {
      closeAll(opened, storage);
      throw new CliException(Errors.oneLine(e));
    } catch (IOException e) {
      closeAll(opened, storage);
      throw e;
    }
  }

  private static void closeAll(List<ArchiveStorage> copies, ArchiveStorage storage)
      throws IOException {
    for (ArchiveStorage o : copies) {
      o.close();
    }
    storage.close();
  }

  /**
   * The storage options for {@code url} in {@code walarchive copy}: a configured copy's own options
   * for that copy's URL, else the archive's options (which then apply to any backend URL).
   */
  Map<String, String> optionsFor(String url) throws IOException {
    List<String> copies = copyUrls();
    int i = copies.indexOf(url);
    if (i >= 0) {
      return copyOptions(copies.size()).getOrDefault(i + 1, Map.of());
    }
    return storageOptions();
  }

  /**
   * Refuses a file that a storage option names and whose content is a secret ({@link
   * OptionSpec.Type#SECRET_FILE}, such as {@code gcs.credentials-file}) when other users may read
   * or change it, as {@link PrivateFiles} does a key file. A name that is not a valid path, or a
   * file that is missing, is left to the backend, which says what is wrong with it.
   *
   * @param label put before the message, e.g. {@code copy 1: }
   */
  static void checkSecretFiles(Map<String, String> options, String label) throws CliException {
    if (options.isEmpty()) {
      return; // the usual file: archive: no pass over the backends' option lists per call
    }
    for (OptionSpec spec : ArchiveStorages.options()) {
      String value = options.get(spec.name());
      if (spec.type() != OptionSpec.Type.SECRET_FILE || value == null || value.isBlank()) {
        continue;
      }
      Path file;
      try {
        file = Path.of(value);
      } catch (java.nio.file.InvalidPathException e) {
        continue;
      }
      try {
        PrivateFiles.check(file, spec.name());
      } catch (CliException e) {
        throw new CliException(label + e.getMessage());
      }
    }
  }

  /** The storage of copy {@code n}; a URL or option it refuses is a configuration error. */
  static ArchiveStorage openCopy(int n, String url, Map<String, String> options)
      throws IOException {
    checkSecretFiles(options, "copy " + n + ": ");
    try {
      return ArchiveStorages.open(url, options);
    } catch (IllegalArgumentException e) {
      throw new CliException("copy " + n + ": " + Errors.oneLine(e));
    }
  }

  /**
   * An archive on {@code url} with its own {@code options} (for {@code walarchive copy}), with this
   * configuration's compression, keyring and temporary directory, and no copies.
   */
  WalArchive openArchive(String url, Map<String, String> options, String what) throws IOException {
    Compression c = compression();
    Keyring k = keyring();
    Path tmp = tempDirectory();
    checkSecretFiles(options, "");
    ArchiveStorage storage;
    try {
      storage = ArchiveStorages.open(url, options);
    } catch (IllegalArgumentException e) {
      throw new CliException(what + ": " + Errors.oneLine(e));
    }
    return WalArchive.builder(storage).compression(c).keyring(k).tempDirectory(tmp).build();
  }
}
