package dev.walarchive.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
      RetainCommand.class,
      PinCommand.class,
      DemoCommand.class,
      AgentCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Configuration: flags, else WALARCHIVE_* environment variables, else the properties file",
      "named by --config or WALARCHIVE_CONFIG. Run 'walarchive help <command>' for details."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
    if (args.length > 0 && (args[0].equals("wal-push") || args[0].equals("wal-fetch"))) {
      // PostgreSQL starts us once per WAL file: build only the command it calls, not the model
      // of every subcommand (measured: about 0.1 s of each call)
      cl =
          new CommandLine(
              args[0].equals("wal-push") ? new WalPushCommand() : new WalFetchCommand());
      cl.setCommandName("walarchive " + args[0]);
      commandArgs = Arrays.copyOfRange(args, 1, args.length);
    } else {
      cl = new CommandLine(new Main());
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine c = ex.getCommandLine();
          err.println(
              c.getCommandSpec().qualifiedName()
                  + ": "
                  + ex.getMessage()
                  + " (see '"
                  + c.getCommandSpec().qualifiedName()
                  + " --help')");
          Object cmd = c.getCommand();
          return cmd instanceof ExitCodes codes ? codes.usage() : 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parseResult) -> {
          Object cmd = c.getCommand();
          int code = cmd instanceof ExitCodes codes ? codes.forFailure(ex) : 3;
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
      String command = args.length > 0 ? args[0] : "";
      err.println("walarchive " + command + ": internal error: " + e);
      if (Logging.verbose()) {
        e.printStackTrace(err);
      }
      return command.equals("wal-fetch") ? 129 : command.equals("wal-push") ? 1 : 3;
    }
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
