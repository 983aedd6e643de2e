package dev.walarchive.cli;

import dev.walarchive.core.ArchiveCopy;
import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectEntry;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * What {@code walarchive copy} and {@code walarchive sync} share: their options, copying one
 * archive into another (or listing what would be copied), and their exit codes.
 */
final class ArchiveCopying {
  private ArchiveCopying() {}

  /** {@code --dry-run} and {@code --parallelism}, mixed into both commands. */
  static final class Options {
    @Option(names = "--dry-run", description = "List what would be copied; change nothing.")
    boolean dryRun;

    @Option(
        names = "--parallelism",
        paramLabel = "N",
        description = "Objects copied at the same time, 1 to 64 (default 4).")
    int parallelism = 4;
  }

  /** Plans and copies {@code src} into {@code dst} (or lists, with --dry-run); the exit code. */
  static int run(WalArchive src, WalArchive dst, Options options, PrintWriter out)
      throws Exception {
    int parallelism = options.parallelism;
    if (parallelism < 1 || parallelism > 64) {
      throw new CliException("--parallelism must be from 1 to 64, not " + parallelism);
    }
    // what the copy refuses before copying anything (another cluster, another encryption), a dry
    // run refuses too
    ArchiveCopy.check(src, dst);
    ArchiveCopy.Plan plan = ArchiveCopy.plan(src, dst);
    String route =
        ArchiveStorages.redact(src.location()) + " to " + ArchiveStorages.redact(dst.location());
    if (options.dryRun) {
      for (ObjectEntry e : plan.toCopy()) {
        out.println("would copy " + e.key() + " (" + e.size() + " bytes)");
      }
      // what the real run refuses of the objects both hold with different sizes: the copy's
      // damaged ones (the source's are verified only when copied)
      java.util.Map<String, String> refused = new java.util.HashMap<>();
      for (ArchiveCopy.Refusal r : ArchiveCopy.differing(src, dst, plan)) {
        refused.put(r.key(), r.reason());
      }
      for (ObjectEntry e : plan.toCompare()) {
        String reason = refused.get(e.key());
        out.println(
            reason == null
                ? "would compare " + e.key() + " (present in both with different sizes)"
                : "would refuse " + e.key() + ": " + reason);
      }
      out.println(
          plan.toCopy().size()
              + " object(s) ("
              + plan.bytesToCopy()
              + " bytes) to copy from "
              + route
              + "; "
              + plan.present().size()
              + " already there"
              + (refused.isEmpty() ? "" : ", " + refused.size() + " would be refused")
              + "; nothing was changed (dry run)");
      out.flush();
      return refused.isEmpty() ? 0 : 1;
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

  /**
   * Exit code of either command for {@code e}: 2 for a usage or configuration error (also a
   * destination of another cluster), else 3 (storage or I/O).
   */
  static int forFailure(Exception e) {
    return e instanceof CliException
            || e instanceof IllegalArgumentException
            || e instanceof ArchiveConfigurationException
            || e instanceof ArchiveMismatchException
        ? 2
        : 3;
  }
}
