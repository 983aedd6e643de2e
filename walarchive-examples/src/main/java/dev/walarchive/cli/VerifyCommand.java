package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ContinuityCheck;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.TimelineHistory;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Checks continuity, integrity and freshness of the archive. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Checks that every base backup in the archive can be recovered to the end of the archived WAL of every timeline it can reach (continuity along the timeline history, per timeline: gaps are named exactly), that archived objects decrypt and match their digests (integrity: all, or a sample), and optionally that the newest segment is recent (freshness). Warns (without failing) when two timelines grow side by side, i.e. two servers archive into one archive. Prints one line per problem or warning.",
    exitCodeListHeading = "%nExit codes (for cron and monitoring checks):%n",
    exitCodeList = {
      "0:no problem found",
      "1:a problem was found (gap, integrity failure, stale archive, no backup)",
      "2:usage or configuration error",
      "3:the archive could not be read (storage error)"
    })
final class VerifyCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--sample",
      paramLabel = "N",
      description = "Check the integrity of N randomly chosen objects instead of all.")
  Integer sample;

  @Option(names = "--no-integrity", description = "Skip the integrity check.")
  boolean noIntegrity;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      description = "Objects checked at once (default: ${DEFAULT-VALUE}).",
      defaultValue = "4")
  int parallel;

  @Option(
      names = "--max-age",
      paramLabel = "DURATION",
      description = "Fail if the newest segment is older, e.g. PT1H or 90m.")
  String maxAge;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Duration freshness = maxAge == null ? null : Durations.parse(maxAge, "--max-age");
    if (parallel < 1 || parallel > 64) {
      throw new CliException("--parallel must be from 1 to 64, not " + parallel);
    }
    int problems = 0;
    int warnings = 0;
    try (WalArchive primary = config.openArchive()) {
      List<WalArchive> archives = new java.util.ArrayList<>(List.of(primary));
      archives.addAll(primary.copies());
      for (WalArchive archive : archives) {
        if (archive != primary) {
          // each copy is an archive of its own: the same checks, under a heading naming it
          out.println(
              "copy "
                  + dev.walarchive.core.storage.ArchiveStorages.redact(archive.location())
                  + ":");
        }
        ArchiveInventory inventory = archive.inventory();
        Map<Long, TimelineHistory> histories = archive.timelineHistories(inventory);
        List<BackupHistory> backups = archive.backups(inventory);
        if (backups.isEmpty()) {
          out.println("PROBLEM no base backup found in the archive (no .backup file)");
          problems++;
        }
        for (ContinuityCheck.Result r : ContinuityCheck.check(inventory, backups, histories)) {
          String what =
              "backup " + r.backup().fileName() + " to the end of timeline " + r.timeline();
          for (ContinuityCheck.Missing m : r.missing()) {
            out.println("GAP " + what + ": missing " + m);
            problems++;
          }
          for (String p : r.problems()) {
            out.println("PROBLEM " + what + ": " + p);
            problems++;
          }
          if (r.isComplete()) {
            out.println("ok " + what + " (" + r.end() + "): " + r.required() + " segments present");
          }
        }
        for (ContinuityCheck.Divergence d : ContinuityCheck.divergences(inventory, histories)) {
          out.println(warning(d));
          warnings++;
        }
        if (!noIntegrity) {
          problems += checkIntegrity(archive, inventory, out);
        }
        if (freshness != null) {
          var newest = inventory.newestSegment();
          if (newest.isEmpty()) {
            out.println("STALE no segment archived");
            problems++;
          } else {
            Duration age = Duration.between(newest.get().lastModified(), Instant.now());
            if (age.compareTo(freshness) > 0) {
              out.println(
                  "STALE newest segment "
                      + newest.get().name()
                      + " is "
                      + Durations.format(age)
                      + " old (limit "
                      + Durations.format(freshness)
                      + ")");
              problems++;
            }
          }
        }
      }
    }
    String warned = warnings == 0 ? "" : ", " + warnings + " warning(s)";
    out.println(
        problems == 0 ? "verify: ok" + warned : "verify: " + problems + " problem(s)" + warned);
    return problems == 0 ? 0 : 1;
  }

  /** One line: which timelines grow side by side, since when, and what to do about it. */
  static String warning(ContinuityCheck.Divergence d) {
    String newest = d.newest().name() + " at " + d.newest().lastModified();
    String branchNewest =
        d.branchNewest()
            .map(e -> "its newest is " + e.name() + " at " + e.lastModified())
            .orElse("it has no segment yet");
    return "WARNING timelines "
        + d.timeline()
        + " and "
        + d.branch()
        + " grow side by side: timeline "
        + d.branch()
        + " branched off timeline "
        + d.timeline()
        + " at "
        + d.branchPoint()
        + " (first archived "
        + d.branchArchived()
        + "; "
        + branchNewest
        + "), and timeline "
        + d.timeline()
        + " went on archiving after that ("
        + d.segmentsAfterBranch()
        + " segments past the branch point, newest "
        + newest
        + "). Two servers archive into this archive, such as a test restore promoted while the"
        + " primary runs: give test restores archive_mode=off or an archive of their own;"
        + " restores and standbys that must follow timeline "
        + d.timeline()
        + " need recovery_target_timeline='current' (or '"
        + d.timeline()
        + "'), as the default 'latest' follows timeline "
        + d.branch();
  }

  private int checkIntegrity(WalArchive archive, ArchiveInventory inventory, PrintWriter out)
      throws Exception {
    // a view over the listing, and a bounded window of checks in flight: memory stays small
    List<ArchiveInventory.Entry> objects = inventory.entries();
    if (sample != null) {
      if (sample < 1) {
        throw new CliException("--sample must be at least 1");
      }
      objects = sample(objects, sample, new Random());
    }
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    int failures = 0;
    try {
      java.util.ArrayDeque<Future<String>> results = new java.util.ArrayDeque<>();
      for (int i = 0; i <= objects.size(); i++) {
        if (i < objects.size()) {
          ArchiveInventory.Entry e = objects.get(i);
          results.add(
              pool.submit(
                  () -> {
                    try {
                      archive.verifyObject(e.name());
                      return null;
                    } catch (ObjectFormatException ex) {
                      return "CORRUPT " + e.name() + ": " + Errors.oneLine(ex);
                    }
                  }));
          if (results.size() < 4 * parallel) {
            continue;
          }
        }
        while (!results.isEmpty() && (i == objects.size() || results.size() >= 4 * parallel)) {
          String problem;
          try {
            problem = results.poll().get();
          } catch (java.util.concurrent.ExecutionException ex) {
            if (ex.getCause() instanceof IOException io) {
              throw io;
            }
            throw ex;
          }
          if (problem != null) {
            out.println(problem);
            failures++;
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    out.println(
        "integrity: "
            + (objects.size() - failures)
            + " of "
            + objects.size()
            + " objects verified");
    return failures;
  }

  /** {@code n} entries chosen at random (all if there are fewer), in name order. */
  private static List<ArchiveInventory.Entry> sample(
      List<ArchiveInventory.Entry> all, int n, Random random) {
    if (n >= all.size()) {
      return all;
    }
    java.util.TreeSet<Integer> chosen = new java.util.TreeSet<>();
    for (int j = all.size() - n; j < all.size(); j++) { // Floyd's algorithm
      int candidate = random.nextInt(j + 1);
      chosen.add(chosen.contains(candidate) ? j : candidate);
    }
    List<ArchiveInventory.Entry> result = new ArrayList<>(n);
    chosen.forEach(i -> result.add(all.get(i)));
    return result;
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
        ? 2
        : 3;
  }
}
