package dev.walarchive.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line of a worker the launcher starts on demand ({@code agent --pgdata DIR --state-dir
 * DIR --idle-exit N} and the call's own flags), read without picocli: picocli's classes are Java 5
 * class files, which class-data sharing cannot archive and the JVM verifies with the old
 * type-inferring verifier, and building its model was most of the worker's start (measured on 2
 * cores: 'worker started' about 0.2 s sooner). Recovery's first {@code restore_command} call waits
 * for that start.
 *
 * <p>Only exactly what picocli would read the same way is handled here: every option of {@link
 * AgentCommand} and {@link CliConfig} as {@code --name value} or {@code --name=value}, each
 * single-valued one at most once, and {@code --state-dir} present (the launcher's call). Anything
 * else (help, an unknown or repeated option, a value that does not parse, a positional argument)
 * gives null, and the caller parses with picocli, which reports it as before.
 */
final class AgentArgs {
  private AgentArgs() {}

  /** The agent command configured by {@code args} (after the word {@code agent}), or null. */
  static AgentCommand parse(List<String> args) {
    try {
      return parseOrNull(args);
    } catch (java.nio.file.InvalidPathException e) {
      return null;
    }
  }

  private static AgentCommand parseOrNull(List<String> args) {
    AgentCommand agent = new AgentCommand();
    CliConfig c = new CliConfig();
    agent.config = c;
    Set<String> seen = new HashSet<>();
    boolean idleExitSet = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("-v") || a.equals("--verbose")) {
        c.verbose = true;
        continue;
      }
      if (a.equals("--allow-unencrypted")) {
        if (!seen.add(a)) {
          return null;
        }
        c.allowUnencrypted = true;
        continue;
      }
      String name;
      String value;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 2) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      } else if (a.equals("-o") || a.startsWith("--")) {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("-")) {
          return null; // picocli's rules for such a value are its own
        }
        name = a;
        value = args.get(++i);
      } else {
        return null;
      }
      if (name.equals("-o") || name.equals("--option")) {
        c.options.add(value);
        continue;
      }
      if (name.equals("--copy-url")) {
        c.copyUrls.add(value);
        continue;
      }
      if (!seen.add(name)) {
        return null;
      }
      switch (name) {
        case "--pgdata" -> agent.pgdata = Path.of(value);
        case "--state-dir" -> agent.stateDir = Path.of(value);
        case "--idle-exit" -> {
          if (!value.matches("[0-9]{1,18}")) {
            return null;
          }
          agent.idleExit = Long.parseLong(value);
          idleExitSet = true;
        }
        case "--url" -> c.url = value;
        case "--config" -> c.configFile = Path.of(value);
        case "--compression" -> c.compression = value;
        case "--key-file" -> c.keyFile = Path.of(value);
        case "--key-id" -> c.keyId = value;
        case "--keyring-file" -> c.keyringFile = Path.of(value);
        case "--copy-mode" -> c.copyMode = value;
        case "--tmpdir" -> c.tmpdir = Path.of(value);
        case "--spool-dir" -> c.spoolDir = Path.of(value);
        default -> {
          return null;
        }
      }
    }
    if (agent.pgdata == null || agent.stateDir == null || !idleExitSet) {
      return null;
    }
    return agent;
  }
}
