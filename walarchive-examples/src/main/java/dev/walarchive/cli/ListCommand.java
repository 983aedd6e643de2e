package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists every archived file. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists every archived WAL file with its stored size and time, in name order.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed", "2:usage or configuration error", "3:storage or I/O error"})
final class ListCommand implements Callable<Integer>, ExitCodes.Admin {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "One JSON object per line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (WalArchive archive = config.openArchive()) {
      ArchiveInventory inventory = archive.inventory();
      for (ArchiveInventory.Entry e : inventory.entries()) {
        if (json) {
          out.println(
              Json.object(
                  "name", e.name().name(),
                  "kind", e.name().kind().name().toLowerCase(),
                  "timeline", e.name().timeline(),
                  "storedBytes", e.storedSize(),
                  "archived", e.lastModified().toString()));
        } else {
          out.printf("%-40s %12d  %s%n", e.name(), e.storedSize(), e.lastModified());
        }
      }
      for (String key : inventory.unrecognizedKeys()) {
        spec.commandLine().getErr().println("list: ignoring unrecognized object " + key);
      }
    }
    return 0;
  }
}
