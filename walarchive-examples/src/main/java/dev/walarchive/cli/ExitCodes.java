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

  /**
   * The exit codes of the commands that read or manage the archive ({@code list}, {@code show},
   * {@code status}, {@code verify}, {@code retain}, {@code pin}, {@code backup-list}): 2 for a
   * usage or configuration error, 3 for any other failure; {@link #forFailure} may add codes of its
   * own before asking {@link #adminFailure}.
   */
  interface Admin extends ExitCodes {
    @Override
    default int usage() {
      return 2;
    }

    @Override
    default int forFailure(Exception e) {
      return adminFailure(e);
    }
  }

  /** {@link Admin}'s mapping: 2 for a usage or configuration error, else 3. */
  static int adminFailure(Exception e) {
    return e instanceof CliException
            || e instanceof IllegalArgumentException
            || e instanceof dev.walarchive.core.archive.ArchiveConfigurationException
        ? 2
        : 3;
  }
}
