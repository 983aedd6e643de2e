package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveManifest;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** Rebuilds a lost archive manifest, or upgrades one of an older walarchive. */
@Command(
    name = "repair-manifest",
    mixinStandardHelpOptions = true,
    description =
        "Rebuilds the archive manifest from the archived objects when it was lost or damaged, or records encryption in a manifest written by an older walarchive. Reads every archived object in full with the configured keys and writes a new manifest revision only if all segments agree on system identifier and segment size (and with the old manifest, if any) and every key id used is configured; otherwise it changes nothing and says why. A valid, current manifest is left alone.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the manifest is valid (repaired, upgraded, or nothing to do)",
      "2:usage or configuration error, or the objects do not allow a repair",
      "3:storage or I/O error"
    })
final class RepairManifestCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (WalArchive archive = config.openArchive()) {
      Optional<Long> before;
      try {
        before = archive.manifest().map(ArchiveManifest::revision);
      } catch (dev.walarchive.core.archive.ArchiveConfigurationException e) {
        before = Optional.empty();
      }
      ArchiveManifest m = archive.repairManifest();
      if (before.isPresent() && before.get() == m.revision()) {
        out.println("the archive manifest is valid; nothing to repair");
      } else {
        out.printf(
            "wrote archive manifest revision %d: system identifier %s, %d-byte segments,"
                + " encryption: %s%n",
            m.revision(),
            Long.toUnsignedString(m.systemIdentifier()),
            m.segmentSize().bytes(),
            KeysCommand.describe(m));
      }
    }
    out.flush();
    return 0;
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    return KeysCommand.failure(e);
  }
}
