package dev.walarchive.cli;

/**
 * A command's mapping from failures to process exit codes. Configuration errors ({@link
 * Errors#isConfiguration}) are mapped to {@link #usage()} before {@link #forFailure} is asked, for
 * every command alike.
 */
interface ExitCodes {
  /** Exit code for a usage or configuration error (bad flags, missing URL, bad key settings). */
  int usage();

  /** Exit code for {@code failure}, thrown while the command ran; not a configuration error. */
  int forFailure(Exception failure);
}
