package dev.walarchive.cli;

import dev.walarchive.core.storage.spi.StorageOptions;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code walarchive} command. */
@Command(
    name = "walarchive",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Archives PostgreSQL WAL and brings it back for point-in-time recovery.",
    subcommands = {
      WalPushCommand.class,
      WalFetchCommand.class,
      ListCommand.class,
      ShowCommand.class,
      VerifyCommand.class,
      StatusCommand.class,
      CheckCommand.class,
      BackupPushCommand.class,
      BackupListCommand.class,
      RetainCommand.class,
      PinCommand.class,
      RestoreCommand.class,
      KeysCommand.class,
      RepairManifestCommand.class,
      CopyCommand.class,
      SyncCommand.class,
      DemoCommand.class,
      AgentCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Configuration: flags, else WALARCHIVE_* environment variables, else the properties file"
          + " named by --config or WALARCHIVE_CONFIG. Run 'walarchive help <command>' for details."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log one line per action (before or after the command).")
  boolean verbose;

  private Main() {}

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a command is required (wal-push, wal-fetch, list, show, ...)");
  }

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit code; used by tests. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    Logging.configure(Arrays.asList(args), System.getenv("WALARCHIVE_LOG_LEVEL"));
    CommandLine cl;
    String[] commandArgs = args;
    int first = 0;
    while (first < args.length && (args[first].equals("-v") || args[first].equals("--verbose"))) {
      first++; // Logging has seen it
    }
    if (first < args.length && args[first].equals("agent")) {
      // the launcher's worker: its start delays recovery's first answer
      AgentCommand agent = AgentArgs.parse(Arrays.asList(args).subList(first + 1, args.length));
      if (agent != null) {
        return runAgent(agent, args, err);
      }
    }
    Object single = first < args.length ? singleCommand(args[first]) : null;
    if (single instanceof RestoreCommand || single instanceof BackupPushCommand) {
      Preload.start();
    }
    if (single != null) {
      // PostgreSQL starts us once per WAL file, and the async worker's start delays the first
      // answer of a recovery: build only the command called, not the model of every subcommand
      // (measured: about 0.1 s of each call, several times that on a loaded machine)
      cl = new CommandLine(single);
      cl.setCommandName("walarchive " + args[first]);
      commandArgs = Arrays.copyOfRange(args, first + 1, args.length);
    } else {
      cl = new CommandLine(new Main());
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    HelpLayout.install(cl);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine c = ex.getCommandLine();
          err.println(
              c.getCommandSpec().qualifiedName()
                  + ": "
                  + usageMessage(ex)
                  + " (see '"
                  + c.getCommandSpec().qualifiedName()
                  + " --help')");
          Object cmd = c.getCommand();
          return cmd instanceof ExitCodes codes ? codes.usage() : 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parseResult) -> {
          Object cmd = c.getCommand();
          int code =
              !(cmd instanceof ExitCodes codes)
                  ? 3
                  : Errors.isConfiguration(ex) ? codes.usage() : codes.forFailure(ex);
          err.println(c.getCommandSpec().qualifiedName() + ": " + Errors.oneLine(ex));
          if (Logging.verbose()) {
            ex.printStackTrace(err);
          }
          return code;
        });
    try {
      return cl.execute(commandArgs);
    } catch (RuntimeException | Error e) {
      // not an Exception picocli handed to the handler: a broken installation (LinkageError),
      // out of memory, ... Still one line, and an exit code PostgreSQL treats as failure.
      return Bootstrap.failure(args, e, err);
    }
  }

  /** Runs {@code agent} as picocli's handlers would: the same line and exit code on failure. */
  private static int runAgent(AgentCommand agent, String[] args, PrintWriter err) {
    try {
      return agent.call();
    } catch (Exception ex) {
      int code = Errors.isConfiguration(ex) ? agent.usage() : agent.forFailure(ex);
      err.println("walarchive agent: " + Errors.oneLine(ex));
      if (Logging.verbose()) {
        ex.printStackTrace(err);
      }
      err.flush();
      return code;
    } catch (Error e) {
      return Bootstrap.failure(args, e, err);
    }
  }

  /** The command object for a command started on its own, or null (the whole CLI's model). */
  private static Object singleCommand(String name) {
    return switch (name) {
      case "wal-push" -> new WalPushCommand();
      case "wal-fetch" -> new WalFetchCommand();
      case "agent" -> new AgentCommand();
      // the same for the two that stream a data directory: their start is part of their time
      case "restore" -> new RestoreCommand();
      case "backup-push" -> new BackupPushCommand();
      default -> null;
    };
  }

  /**
   * picocli's message, with "did you mean" for a mistyped command or option: "unknown command
   * 'stauts'; did you mean status?".
   */
  static String usageMessage(CommandLine.ParameterException ex) {
    if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      CommandLine c = u.getCommandLine();
      String arg = u.getUnmatched().get(0);
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      if (arg.startsWith("-") && arg.length() > 1) {
        if (c.getCommandName().equals("retain")
            && java.util.Set.of("--keep", "--window", "--pin").contains(name)) {
          // not "did you mean --help?" (two edits from --keep): the items go into one option
          return "unknown option '"
              + name
              + "'; retention items go into --policy, such as --policy keep=2,window=7d";
        }
        Optional<String> closest =
            name.startsWith("--")
                ? StorageOptions.closest(name, c.getCommandSpec().optionsMap().keySet())
                : Optional.empty();
        return "unknown option '"
            + name
            + "'"
            + closest.map(o -> "; did you mean " + o + "?").orElse("");
      }
      if (!c.getSubcommands().isEmpty() && c.getCommandSpec().positionalParameters().isEmpty()) {
        Optional<String> closest = StorageOptions.closest(arg, c.getSubcommands().keySet());
        return "unknown command '"
            + arg
            + "'"
            + closest
                .map(o -> "; did you mean " + o + "?")
                .orElse("; commands: " + String.join(", ", c.getSubcommands().keySet()));
      }
    }
    java.util.regex.Matcher help =
        java.util.regex.Pattern.compile("Unknown subcommand '(.*)'\\.").matcher(ex.getMessage());
    CommandLine parent =
        ex.getCommandLine().getParent() != null
            ? ex.getCommandLine().getParent()
            : ex.getCommandLine();
    if (help.matches()) {
      return "unknown command '"
          + help.group(1)
          + "'"
          + StorageOptions.closest(help.group(1), parent.getSubcommands().keySet())
              .map(o -> "; did you mean " + o + "?")
              .orElse("; commands: " + String.join(", ", parent.getSubcommands().keySet()));
    }
    return ex.getMessage();
  }

  /** Prints the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"walarchive " + (v == null ? "(development build)" : v)};
    }
  }

  static List<String> subcommandNames() {
    return List.copyOf(new CommandLine(new Main()).getSubcommands().keySet());
  }
}
