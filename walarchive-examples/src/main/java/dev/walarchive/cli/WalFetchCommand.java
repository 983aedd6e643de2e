package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.ObjectFormatException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code restore_command = 'walarchive wal-fetch %f %p'}. */
@Command(
    name = "wal-fetch",
    mixinStandardHelpOptions = true,
    description =
        "Restores one archived WAL file (for restore_command = 'walarchive wal-fetch %%f %%p'). Verifies it, writes a temporary file beside the destination and renames it into place.",
    exitCodeListHeading =
        "%nExit codes (failures other than 'not found' are above 125 so PostgreSQL stops recovery"
            + " instead of ending it early with data missing):%n",
    exitCodeList = {
      "0:restored",
      "1:not in the archive (normal at the end of recovery); nothing written",
      "126:usage or configuration error: also no archive at the URL (no valid manifest), a key that"
          + " is not the archive's, a copy of another cluster or segment size",
      "128:the archived object failed verification (corrupt, tampered, wrong or missing key,"
          + " metadata that contradicts the content)",
      "129:storage or I/O error after retries",
      "130, 131, 143:stopped by SIGINT, SIGQUIT, SIGTERM (nothing written)"
    })
final class WalFetchCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Parameters(index = "0", paramLabel = "NAME", description = "WAL file name to restore (%%f).")
  String name;

  @Parameters(index = "1", paramLabel = "PATH", description = "Where to write it (%%p).")
  Path destination;

  @Override
  public Integer call() throws Exception {
    try (WalArchive archive = config.openArchive()) {
      archive.fetch(name, destination);
      return 0;
    } catch (WalFileNotFoundException e) {
      // the normal end of recovery and PostgreSQL's probing for history files: stay quiet
      if (Logging.verbose()) {
        System.err.println("wal-fetch: " + name + " is not in the archive");
      }
      return 1;
    }
  }

  @Override
  public int usage() {
    return 126;
  }

  @Override
  public int forFailure(Exception e) {
    if (e instanceof WalFileNotFoundException) {
      return 1;
    }
    if (e instanceof CliException
        || e instanceof IllegalArgumentException
        || e instanceof dev.walarchive.core.archive.ArchiveConfigurationException
        || e instanceof dev.walarchive.core.archive.ArchiveMismatchException) {
      return 126;
    }
    if (e instanceof ObjectFormatException) {
      return 128;
    }
    return 129;
  }
}
