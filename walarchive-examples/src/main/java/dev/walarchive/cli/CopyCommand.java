package dev.walarchive.cli;

import dev.walarchive.core.ArchiveCopy;
import dev.walarchive.core.WalArchive;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectEntry;
import java.io.PrintStream;
import java.io.PrintWriter;
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

  @Option(names = "--dry-run", description = "List what would be copied; change nothing.")
  boolean dryRun;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      description = "Objects copied at the same time, 1 to 64 (default 4).")
  int parallelism = 4;

  @Override
  public Integer call() throws Exception {
    String source = from == null ? config.url() : from;
    if (source.equals(to)) {
      throw new CliException("--from and --to name the same archive; copy to another location");
    }
    try (WalArchive src = config.openArchive(source, config.optionsFor(source), "--from");
        WalArchive dst = config.openArchive(to, config.optionsFor(to), "--to")) {
      return run(src, dst, dryRun, parallelism, spec.commandLine().getOut());
    }
  }

  /** Plans and copies (or lists, with {@code dryRun}); returns the exit code. */
  static int run(WalArchive src, WalArchive dst, boolean dryRun, int parallelism, PrintWriter out)
      throws Exception {
    if (parallelism < 1 || parallelism > 64) {
      throw new CliException("--parallelism must be from 1 to 64, not " + parallelism);
    }
    src.requireManifest();
    ArchiveCopy.Plan plan = ArchiveCopy.plan(src, dst);
    String route =
        ArchiveStorages.redact(src.location()) + " to " + ArchiveStorages.redact(dst.location());
    if (dryRun) {
      for (ObjectEntry e : plan.toCopy()) {
        out.println("would copy " + e.key() + " (" + e.size() + " bytes)");
      }
      for (ObjectEntry e : plan.toCompare()) {
        out.println("would compare " + e.key() + " (present in both with different sizes)");
      }
      out.println(
          plan.toCopy().size()
              + " object(s) ("
              + plan.bytesToCopy()
              + " bytes) to copy from "
              + route
              + "; "
              + plan.present().size()
              + " already there; nothing was changed (dry run)");
      out.flush();
      return 0;
    }
    int total = plan.toCopy().size() + plan.toCompare().size();
    PrintStream progress = System.console() == null ? null : System.err;
    PrintStream err = System.err;
    ArchiveCopy.Result result =
        ArchiveCopy.copy(
            src,
            dst,
            plan,
            parallelism,
            new ArchiveCopy.Listener() {
              @Override
              public void copied(ObjectEntry entry, long done) {
                if (progress != null) {
                  synchronized (progress) {
                    progress.print("\rcopied " + done + "/" + total + " ");
                    progress.flush();
                  }
                }
              }

              @Override
              public void refused(ArchiveCopy.Refusal refusal) {
                synchronized (err) {
                  err.println(
                      (progress != null ? "\r" : "")
                          + "walarchive copy: refused "
                          + refusal.key()
                          + ": "
                          + refusal.reason());
                }
              }
            });
    if (progress != null && total > 0) {
      progress.println();
    }
    out.println(
        "copied "
            + result.copied()
            + " object(s) ("
            + result.bytes()
            + " bytes) from "
            + route
            + "; "
            + result.identical()
            + " already there"
            + (result.refused().isEmpty()
                ? ""
                : ", " + result.refused().size() + " refused (see above; not copied)"));
    out.flush();
    return result.refused().isEmpty() ? 0 : 1;
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    return e instanceof CliException
            || e instanceof IllegalArgumentException
            || e instanceof dev.walarchive.core.archive.ArchiveConfigurationException
            || e instanceof dev.walarchive.core.archive.ArchiveMismatchException
        ? 2
        : 3;
  }
}
