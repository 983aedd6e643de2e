package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.wal.WalFileName;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Pins or unpins a base backup, or lists the pins. */
@Command(
    name = "pin",
    mixinStandardHelpOptions = true,
    description =
        "Pins a base backup so that 'retain' never expires it (--remove unpins it). Without a name, lists the pinned backups. A backup is named by its backup history file, as 'walarchive show' prints it (e.g. 000000010000000000000002.00000028.backup).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:no such backup in the archive",
      "2:usage or configuration error",
      "3:storage or I/O error"
    })
final class PinCommand implements Callable<Integer>, ExitCodes.Admin {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--remove", description = "Unpin the backup instead.")
  boolean remove;

  @Parameters(arity = "0..1", paramLabel = "BACKUP", description = "Backup history file name.")
  String backup;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (WalArchive archive = config.openArchive()) {
      if (backup == null) {
        if (remove) {
          throw new CliException("--remove needs the name of the backup to unpin");
        }
        java.util.SortedSet<WalFileName> pins = archive.pinnedBackups();
        if (pins.isEmpty()) {
          out.println(
              "no backup is pinned (pin one with 'walarchive pin BACKUP'; 'walarchive show' lists"
                  + " the backups)");
        }
        for (WalFileName pinned : pins) {
          out.println(pinned);
        }
        return 0;
      }
      WalFileName name = WalFileName.parse(backup);
      if (remove) {
        archive.unpin(name);
        out.println("unpinned " + name);
      } else {
        archive.pin(name);
        out.println("pinned " + name);
      }
    }
    return 0;
  }

  @Override
  public int forFailure(Exception e) {
    if (e instanceof dev.walarchive.core.archive.WalFileNotFoundException) {
      return 1;
    }
    return ExitCodes.adminFailure(e);
  }
}
