package dev.walarchive.cli;

/** A command's mapping from failures to process exit codes. */
interface ExitCodes {
  /** Exit code for a usage or configuration error (bad flags, missing URL, bad key settings). */
  int usage();

  /** Exit code for {@code failure}, thrown while the command ran. */
  int forFailure(Exception failure);
}
