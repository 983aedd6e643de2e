package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code walarchive sync}: brings every configured copy level with the archive. */
@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description =
        "Brings every configured copy (copy-url) level with the archive: copies what a copy lacks, as 'walarchive copy' does (raw, verified in transit, never overwriting, resumable).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every copy is level",
      "1:some objects were refused (failed verification, or different content in a copy)",
      "2:usage or configuration error (also: no copy configured, a copy of another cluster)",
      "3:storage or I/O error; run it again"
    })
final class SyncCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ArchiveCopying.Options copying;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (WalArchive archive = config.openArchive()) {
      if (archive.copies().isEmpty()) {
        throw new CliException(
            "no copy is configured; set copy-url (or WALARCHIVE_COPY_URL, --copy-url), or use"
                + " 'walarchive copy --to URL'");
      }
      int code = 0;
      for (WalArchive copy : archive.copies()) {
        code = Math.max(code, ArchiveCopying.run(archive, copy, copying, out));
      }
      return code;
    }
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    return ArchiveCopying.forFailure(e);
  }
}
