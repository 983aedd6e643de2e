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
import java.util.Collections;
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
        "Checks that every base backup in the archive can be recovered to the newest archived WAL (continuity along the timeline history: gaps are named exactly), that archived objects decrypt and match their digests (integrity: all, or a sample), and optionally that the newest segment is recent (freshness). Prints one line per problem.",
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
    try (WalArchive archive = config.openArchive()) {
      ArchiveInventory inventory = archive.inventory();
      Map<Long, TimelineHistory> histories = archive.timelineHistories(inventory);
      List<BackupHistory> backups = archive.backups(inventory);
      if (backups.isEmpty()) {
        out.println("PROBLEM no base backup found in the archive (no .backup file)");
        problems++;
      }
      for (ContinuityCheck.Result r : ContinuityCheck.check(inventory, backups, histories)) {
        String what = "backup " + r.backup().fileName() + " to the end of timeline " + r.timeline();
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
    out.println(problems == 0 ? "verify: ok" : "verify: " + problems + " problem(s)");
    return problems == 0 ? 0 : 1;
  }

  private int checkIntegrity(WalArchive archive, ArchiveInventory inventory, PrintWriter out)
      throws Exception {
    List<ArchiveInventory.Entry> objects = new ArrayList<>(inventory.entries());
    if (sample != null) {
      if (sample < 1) {
        throw new CliException("--sample must be at least 1");
      }
      Collections.shuffle(objects, new Random());
      objects = objects.subList(0, Math.min(sample, objects.size()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    int failures = 0;
    try {
      List<Future<String>> results = new ArrayList<>();
      for (ArchiveInventory.Entry e : objects) {
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
      }
      for (Future<String> f : results) {
        String problem;
        try {
          problem = f.get();
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
