package dev.walarchive.postgres;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * What an {@code archive_command} or {@code restore_command} string says about walarchive: whether
 * it calls {@code walarchive wal-push} (or {@code wal-fetch}), and which archive URL it resolves
 * to, as far as the command line shows it ({@code --url}, {@code WALARCHIVE_URL=}, {@code
 * --config}, {@code WALARCHIVE_CONFIG=}).
 */
final class WalarchiveCommand {
  /** How the archive of a command was determined. */
  enum UrlSource {
    FLAG,
    ENVIRONMENT,
    CONFIG_FILE,
    UNKNOWN
  }

  final boolean callsWalarchive;
  final boolean hasSubcommand;
  final String url;
  final UrlSource urlSource;
  final String configFile;
  final String problem;
  final boolean keyInCommand;
  final boolean placeholderPresent;

  private WalarchiveCommand(
      boolean callsWalarchive,
      boolean hasSubcommand,
      String url,
      UrlSource urlSource,
      String configFile,
      String problem,
      boolean keyInCommand,
      boolean placeholderPresent) {
    this.callsWalarchive = callsWalarchive;
    this.hasSubcommand = hasSubcommand;
    this.url = url;
    this.urlSource = urlSource;
    this.configFile = configFile;
    this.problem = problem;
    this.keyInCommand = keyInCommand;
    this.placeholderPresent = placeholderPresent;
  }

  /**
   * Parses {@code command}; {@code subcommand} is {@code wal-push} or {@code wal-fetch}; {@code
   * placeholder} is {@code %p} or {@code %f}.
   */
  static WalarchiveCommand parse(String command, String subcommand, String placeholder) {
    List<String> tokens = tokens(command);
    boolean placeholderPresent = command.contains(placeholder);
    boolean keyInCommand = false;
    for (String t : tokens) {
      String upper = t.toUpperCase(Locale.ROOT);
      if (upper.startsWith("WALARCHIVE_KEY=") || upper.startsWith("WALARCHIVE_PASSPHRASE=")) {
        keyInCommand = true;
      }
    }
    // a wrapper like sh -c '...': look inside quoted arguments that mention walarchive
    int start = indexOfWalarchive(tokens);
    if (start < 0) {
      for (String t : tokens) {
        if (t.contains("walarchive") && t.contains(" ")) {
          WalarchiveCommand inner = parse(t, subcommand, placeholder);
          if (inner.callsWalarchive) {
            return inner;
          }
        }
      }
      return new WalarchiveCommand(
          false, false, null, UrlSource.UNKNOWN, null, null, keyInCommand, placeholderPresent);
    }
    String envUrl = null;
    String envConfig = null;
    for (int i = 0; i < start; i++) {
      String t = tokens.get(i);
      if (t.startsWith("WALARCHIVE_URL=")) {
        envUrl = t.substring("WALARCHIVE_URL=".length());
      } else if (t.startsWith("WALARCHIVE_CONFIG=")) {
        envConfig = t.substring("WALARCHIVE_CONFIG=".length());
      }
    }
    boolean hasSub = false;
    String flagUrl = null;
    String flagConfig = null;
    int fAt = -1;
    int pAt = -1;
    for (int i = start + 1; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t.equals(subcommand)) {
        hasSub = true;
      } else if (hasSub && t.equals("%f") && fAt < 0) {
        fAt = i;
      } else if (hasSub && t.equals("%p") && pAt < 0) {
        pAt = i;
      } else if (t.equals("--url") && i + 1 < tokens.size()) {
        flagUrl = tokens.get(++i);
      } else if (t.startsWith("--url=")) {
        flagUrl = t.substring("--url=".length());
      } else if (t.equals("--config") && i + 1 < tokens.size()) {
        flagConfig = tokens.get(++i);
      } else if (t.startsWith("--config=")) {
        flagConfig = t.substring("--config=".length());
      } else if (t.equals("&&") || t.equals(";") || t.equals("||") || t.equals("|")) {
        break;
      }
    }
    // walarchive's own operands, in its order: wal-fetch %f %p (swapped, PostgreSQL's restores
    // fail once the server restarts), wal-push %p
    placeholderPresent = subcommand.equals("wal-fetch") ? fAt >= 0 && pAt > fAt : pAt >= 0;
    if (flagUrl != null) {
      return new WalarchiveCommand(
          true, hasSub, flagUrl, UrlSource.FLAG, null, null, keyInCommand, placeholderPresent);
    }
    if (envUrl != null) {
      return new WalarchiveCommand(
          true,
          hasSub,
          envUrl,
          UrlSource.ENVIRONMENT,
          null,
          null,
          keyInCommand,
          placeholderPresent);
    }
    String config = flagConfig != null ? flagConfig : envConfig;
    if (config != null) {
      String url = null;
      String problem = null;
      Path file = Path.of(config);
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        Properties p = new Properties();
        p.load(r);
        url = p.getProperty("url");
        if (url == null || url.isBlank()) {
          problem = "its configuration file " + config + " sets no url";
          url = null;
        } else {
          url = url.trim();
        }
      } catch (IOException e) {
        problem =
            "its configuration file "
                + config
                + " cannot be read here ("
                + e.getClass().getSimpleName()
                + ")";
      }
      return new WalarchiveCommand(
          true,
          hasSub,
          url,
          url == null ? UrlSource.UNKNOWN : UrlSource.CONFIG_FILE,
          config,
          problem,
          keyInCommand,
          placeholderPresent);
    }
    return new WalarchiveCommand(
        true,
        hasSub,
        null,
        UrlSource.UNKNOWN,
        null,
        "it names no archive (no --url, --config, WALARCHIVE_URL= or WALARCHIVE_CONFIG=), so it"
            + " uses the archiver's environment",
        keyInCommand,
        placeholderPresent);
  }

  private static int indexOfWalarchive(List<String> tokens) {
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      String base = t.substring(t.lastIndexOf('/') + 1);
      if (base.equals("walarchive")
          || base.equals("walarchive.jar")
          || t.equals("dev.walarchive.cli.Main")) {
        return i;
      }
    }
    return -1;
  }

  /** Splits a command line as {@code sh} would for simple commands: quotes and backslashes. */
  static List<String> tokens(String command) {
    List<String> tokens = new ArrayList<>();
    StringBuilder current = null;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
          current.append(command.charAt(++i));
        } else {
          current.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        if (current == null) {
          current = new StringBuilder();
        }
      } else if (c == '\\' && i + 1 < command.length()) {
        if (current == null) {
          current = new StringBuilder();
        }
        current.append(command.charAt(++i));
      } else if (Character.isWhitespace(c)) {
        if (current != null) {
          tokens.add(current.toString());
          current = null;
        }
      } else if (c == ';') {
        if (current != null) {
          tokens.add(current.toString());
          current = null;
        }
        tokens.add(";");
      } else {
        if (current == null) {
          current = new StringBuilder();
        }
        current.append(c);
      }
    }
    if (current != null) {
      tokens.add(current.toString());
    }
    return tokens;
  }

  /**
   * Whether two archive URLs name the same archive: same scheme, authority and path (trailing
   * slashes, {@code file:} spellings and query strings aside).
   */
  static boolean sameArchive(String a, String b) {
    return dev.walarchive.core.storage.ArchiveStorages.sameLocation(a, b);
  }
}
