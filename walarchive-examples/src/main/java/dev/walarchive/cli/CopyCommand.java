package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walarchive copy --from URL --to URL}: what the destination lacks, verified, raw. */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description =
        "Copies every object the destination archive lacks (WAL, history and backup files, pins, base backups) from the source archive, byte for byte without re-encoding. Each archived WAL file is verified in transit (authenticated header and trailer, its name, digest, metadata) and refused if it fails; nothing is ever overwritten; objects already there are skipped, so running it again resumes. An empty destination gets its own manifest for the source's cluster. Works between any backends (file: to s3://, s3:// to gs://, ...): the migration tool. Storage options: a configured copy's URL takes that copy's options, any other URL the archive's options.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:copied (or nothing was missing)",
      "1:some objects were refused (failed verification, or different content in the"
          + " destination); the others were copied",
      "2:usage or configuration error (also: the destination belongs to another cluster)",
      "3:storage or I/O error; what was copied stays, run it again"
    })
final class CopyCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--from",
      paramLabel = "URL",
      description = "Source archive (default: the configured archive URL).")
  String from;

  @Option(names = "--to", required = true, paramLabel = "URL", description = "Destination.")
  String to;

  @Mixin ArchiveCopying.Options copying;

  @Override
  public Integer call() throws Exception {
    String source = from == null ? config.url() : from;
    if (source.equals(to)) {
      throw new CliException("--from and --to name the same archive; copy to another location");
    }
    try (WalArchive src = config.openArchive(source, config.optionsFor(source), "--from");
        WalArchive dst = config.openArchive(to, config.optionsFor(to), "--to")) {
      return ArchiveCopying.run(src, dst, copying, spec.commandLine().getOut());
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
