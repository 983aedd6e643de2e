package dev.walarchive.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The arguments of the {@code restore_command} that {@code walarchive restore} writes: the
 * launcher, {@code wal-fetch}, and the settings the restore itself ran with, so that recovery reads
 * the same archive with the same keys. Only references travel: the configuration file, the key
 * file, the keyring file by path; a key or passphrase given in the environment cannot be written
 * into {@code postgresql.auto.conf} (it would end up in every later backup) and is refused, as is a
 * storage option set only in the environment, which PostgreSQL's environment would not have.
 */
final class RestoreCommandLine {
  private RestoreCommandLine() {}

  /** Storage option names that may hold a secret; never written into a configuration file. */
  private static final Pattern SECRET =
      Pattern.compile(".*(secret|password|token|sas|connection-string|account-key|access-key).*");

  /** Environment variables that are read only by the launcher or are not needed to fetch. */
  private static final Set<String> NOT_CARRIED =
      Set.of(
          "WALARCHIVE_COMPRESSION",
          "WALARCHIVE_RETENTION",
          "WALARCHIVE_LOG_LEVEL",
          "WALARCHIVE_JAVA_OPTS",
          "WALARCHIVE_SPOOL_IDLE",
          "WALARCHIVE_SPOOL_TIMEOUT",
          "WALARCHIVE_ASYNC_PARALLELISM",
          "WALARCHIVE_PREFETCH_COUNT",
          "WALARCHIVE_COPY_MODE");

  /**
   * Returns the arguments after the launcher: {@code wal-fetch} and the settings.
   *
   * @throws CliException if a setting cannot be carried into the command without writing a secret
   *     or losing it
   */
  static List<String> fetchArguments(CliConfig config, Map<String, String> env)
      throws CliException {
    List<String> args = new ArrayList<>();
    args.add("wal-fetch");
    for (String secret : List.of("WALARCHIVE_KEY", "WALARCHIVE_PASSPHRASE")) {
      String v = env.get(secret);
      if (v != null && !v.isEmpty()) {
        throw new CliException(
            "the key comes from "
                + secret
                + ", which restore_command would not see and which must not be written into"
                + " postgresql.auto.conf; keep it in a key file (--key-file) or the configuration"
                + " file (--config), or give the whole command with --restore-command");
      }
    }
    Path configFile = config.configFile;
    if (configFile == null && nonEmpty(env.get("WALARCHIVE_CONFIG"))) {
      configFile = Path.of(env.get("WALARCHIVE_CONFIG"));
    }
    if (configFile != null) {
      add(args, "--config", absolute(configFile).toString());
    }
    String url = config.url != null ? config.url : env.get("WALARCHIVE_URL");
    if (nonEmpty(url)) {
      add(args, "--url", url);
    }
    Path keyFile =
        config.keyFile != null ? config.keyFile : pathOrNull(env.get("WALARCHIVE_KEY_FILE"));
    if (keyFile != null) {
      add(args, "--key-file", absolute(keyFile).toString());
    }
    String keyId = config.keyId != null ? config.keyId : env.get("WALARCHIVE_KEY_ID");
    if (nonEmpty(keyId)) {
      add(args, "--key-id", keyId);
    }
    Path keyring =
        config.keyringFile != null
            ? config.keyringFile
            : pathOrNull(env.get("WALARCHIVE_KEYRING_FILE"));
    if (keyring != null) {
      add(args, "--keyring-file", absolute(keyring).toString());
    }
    String allow = env.get("WALARCHIVE_ALLOW_UNENCRYPTED");
    if (config.allowUnencrypted || (allow != null && allow.equalsIgnoreCase("true"))) {
      args.add("--allow-unencrypted");
    }
    Path tmp = config.tmpdir != null ? config.tmpdir : pathOrNull(env.get("WALARCHIVE_TMPDIR"));
    if (tmp != null) {
      add(args, "--tmpdir", absolute(tmp).toString());
    }
    Path spool =
        config.spoolDir != null ? config.spoolDir : pathOrNull(env.get("WALARCHIVE_SPOOL_DIR"));
    if (spool != null) {
      add(args, "--spool-dir", absolute(spool).toString());
    }
    // the copies, so that recovery falls back to them as wal-fetch does (their options travel
    // with -o copy.<n>.<option> or in the configuration file, like the archive's own)
    List<String> copyUrls = new ArrayList<>(config.copyUrls);
    if (copyUrls.isEmpty() && nonEmpty(env.get("WALARCHIVE_COPY_URL"))) {
      copyUrls.add(env.get("WALARCHIVE_COPY_URL"));
    }
    for (String copyUrl : copyUrls) {
      add(args, "--copy-url", copyUrl);
    }
    for (String o : config.options) {
      int eq = o.indexOf('=');
      String name = eq < 0 ? o : o.substring(0, eq);
      if (SECRET.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
        throw new CliException(
            "-o "
                + name
                + " looks like a secret, which must not be written into postgresql.auto.conf;"
                + " set it in the configuration file (--config), or give the whole command with"
                + " --restore-command");
      }
      add(args, "-o", o);
    }
    Set<String> fromEnv = new TreeSet<>();
    for (String var : env.keySet()) {
      if (var.startsWith(CliConfig.ENV_PREFIX)
          && nonEmpty(env.get(var))
          && !NOT_CARRIED.contains(var)
          && !List.of(
                  "WALARCHIVE_CONFIG",
                  "WALARCHIVE_URL",
                  "WALARCHIVE_KEY_FILE",
                  "WALARCHIVE_KEY_ID",
                  "WALARCHIVE_KEYRING_FILE",
                  "WALARCHIVE_ALLOW_UNENCRYPTED",
                  "WALARCHIVE_TMPDIR",
                  "WALARCHIVE_SPOOL_DIR",
                  "WALARCHIVE_COPY_URL",
                  "WALARCHIVE_KEY",
                  "WALARCHIVE_PASSPHRASE")
              .contains(var)) {
        fromEnv.add(var);
      }
    }
    if (!fromEnv.isEmpty()) {
      throw new CliException(
          String.join(", ", fromEnv)
              + (fromEnv.size() == 1 ? " is" : " are")
              + " set in the environment, which restore_command would not see; put the setting"
              + " into the configuration file (--config) or give it with -o, or give the whole"
              + " command with --restore-command");
    }
    return args;
  }

  /**
   * The launcher of this installation ({@code bin/walarchive} beside {@code lib/walarchive.jar}).
   *
   * @throws CliException if it cannot be found
   */
  static Path launcher() throws CliException {
    try {
      Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path bin = jar.toAbsolutePath().getParent().getParent().resolve("bin").resolve("walarchive");
      if (Files.isRegularFile(bin)) {
        if (!Files.isExecutable(bin)) {
          throw new CliException(
              bin
                  + " is not executable; chmod 755 it, or give the launcher with --walarchive PATH");
        }
        return bin;
      }
    } catch (RuntimeException | java.net.URISyntaxException e) {
      // reported below
    }
    throw new CliException(
        "cannot find this installation's bin/walarchive for restore_command; give the launcher"
            + " PostgreSQL should run with --walarchive PATH");
  }

  private static void add(List<String> args, String flag, String value) {
    args.add(flag);
    args.add(value);
  }

  private static boolean nonEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  private static Path pathOrNull(String s) {
    return nonEmpty(s) ? Path.of(s) : null;
  }

  private static Path absolute(Path p) {
    return p.toAbsolutePath().normalize();
  }
}
