package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code archive_command = 'walarchive wal-push %p'}. */
@Command(
    name = "wal-push",
    mixinStandardHelpOptions = true,
    description =
        "Archives one WAL file (for archive_command = 'walarchive wal-push %%p'). Never overwrites: an identical archived copy is success, a different one is an error.",
    exitCodeListHeading =
        "%nExit codes (all below 126, so PostgreSQL keeps the WAL and retries):%n",
    exitCodeList = {
      "0:archived and durable, or already archived with identical content",
      "1:storage or I/O error; retry later",
      "2:usage or configuration error: also a key or missing key that does not fit the archive, an"
          + " archive without a manifest",
      "3:not a valid WAL file (bad name, missing, not a regular file, header contradicts name,"
          + " changed while read, history file that does not parse)",
      "4:a different file is already archived under that name, or the archived object's"
          + " metadata is damaged (kept)",
      "5:the file belongs to another cluster or segment size than the archive"
    })
final class WalPushCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Parameters(paramLabel = "PATH", description = "The WAL file to archive (%%p).")
  Path path;

  @Override
  public Integer call() throws Exception {
    try (WalArchive archive = config.openArchive()) {
      archive.push(path);
      return 0;
    }
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    if (e instanceof CliException
        || e instanceof dev.walarchive.core.archive.ArchiveConfigurationException) {
      return 2;
    }
    if (e instanceof IllegalArgumentException || e instanceof InvalidWalFileException) {
      return 3;
    }
    if (e instanceof ArchiveConflictException) {
      return 4;
    }
    if (e instanceof ArchiveMismatchException) {
      return 5;
    }
    return 1;
  }
}
