package dev.walarchive.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The entry point the {@code walarchive} launcher starts: runs {@link Main} and turns whatever
 * escapes it (a class missing from a damaged installation, {@link OutOfMemoryError}, a bug) into
 * one line and the command's exit code. It uses nothing but {@code java.base}, so it runs when the
 * rest of the installation does not load.
 *
 * <p>Started by the launcher ({@code -Dwalarchive.launcher=1}), it reports walarchive's own exit
 * code 1 as {@value #LAUNCHER_EXIT_ONE}, which the launcher turns back into 1: an exit status 1
 * from a JVM that failed on its own can then never pass for {@code wal-fetch}'s "not in the
 * archive".
 */
public final class Bootstrap {
  /** The status that stands for walarchive's exit code 1 between the JVM and the launcher. */
  public static final int LAUNCHER_EXIT_ONE = 100;

  private Bootstrap() {}

  /** Runs the CLI and exits. */
  public static void main(String[] args) {
    PrintWriter err = new PrintWriter(System.err, true);
    int code;
    try {
      code = Main.run(args, new PrintWriter(System.out, true), err);
    } catch (Throwable e) {
      code = failure(args, e, err);
    }
    String temps = System.getProperty("walarchive.launcher.temps");
    if (temps != null && !temps.isEmpty()) {
      try {
        // its temporary files are gone (each operation removes its own): nothing to clean up
        Files.deleteIfExists(Path.of(temps));
      } catch (Exception | Error e) {
        // the launcher removes it
      }
    }
    if (code == 1 && System.getProperty("walarchive.launcher") != null) {
      code = LAUNCHER_EXIT_ONE;
    }
    System.exit(code);
  }

  /**
   * Prints the one line for {@code e}, which escaped the command {@code args} name, and returns the
   * command's exit code for it: configuration (a broken installation, too little memory) or
   * internal failure.
   */
  static int failure(String[] args, Throwable e, PrintWriter err) {
    String command = commandOf(args);
    boolean fetch = command.equals("wal-fetch");
    boolean push = command.equals("wal-push");
    int configuration = fetch ? 126 : 2;
    int internal = fetch ? 129 : push ? 1 : 3;
    String what;
    int code;
    if (e instanceof OutOfMemoryError) {
      what =
          "out of memory ("
              + e.getMessage()
              + "); give Java more heap: remove or raise -Xmx in WALARCHIVE_JAVA_OPTS";
      code = configuration;
    } else if (e instanceof LinkageError) {
      what =
          "the installation is broken ("
              + e
              + "); a jar in "
              + libDirectory()
              + " is missing or damaged: reinstall walarchive";
      code = configuration;
    } else {
      what = "internal error: " + e + " (run with -v for the stack trace and report it)";
      code = internal;
    }
    err.println(
        "walarchive" + (command.isEmpty() ? "" : " " + command) + ": " + what.replace('\n', ' '));
    if (verbose(args)) {
      e.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  private static String commandOf(String[] args) {
    for (String a : args) {
      if (!a.startsWith("-")) {
        return a;
      }
    }
    return "";
  }

  private static boolean verbose(String[] args) {
    for (String a : args) {
      if (a.equals("-v") || a.equals("--verbose")) {
        return true;
      }
    }
    return false;
  }

  private static String libDirectory() {
    try {
      Path jar =
          Path.of(Bootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return String.valueOf(jar.getParent());
    } catch (Exception | Error e) {
      return "lib/";
    }
  }
}
