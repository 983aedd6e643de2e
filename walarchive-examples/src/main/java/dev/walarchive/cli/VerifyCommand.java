package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ContinuityCheck;
import dev.walarchive.core.archive.VerifyOptions;
import dev.walarchive.core.archive.VerifyReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Checks continuity, integrity and freshness of the archive: a printer over {@link
 * WalArchive#verify}.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Checks that every base backup in the archive can be recovered to the end of the archived WAL of every timeline it can reach (continuity along the timeline history, per timeline: gaps are named exactly), that every complete walarchive base backup's manifest and data objects are there and its WAL from start to consistency is archived, that archived objects (WAL and base backup data, every backed-up file's SHA-256) decrypt and match their digests (integrity: all, or a sample drawn from both together), and optionally that the newest segment is recent (freshness). Warns (without failing) when two timelines grow side by side, i.e. two servers archive into one archive, and for each incomplete base backup (debris of an interrupted push). Prints one line per problem or warning.",
    exitCodeListHeading = "%nExit codes (for cron and monitoring checks):%n",
    exitCodeList = {
      "0:no problem found",
      "1:a problem was found (gap, integrity failure, missing or damaged base backup object, stale archive, no backup)",
      "2:usage or configuration error",
      "3:the archive could not be read (storage error)"
    })
final class VerifyCommand implements Callable<Integer>, ExitCodes.Admin {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--sample",
      paramLabel = "N",
      description =
          "Check the integrity of N objects chosen at random from the WAL objects and the base backups' data objects together, instead of all (manifests are always read).")
  Integer sample;

  @Option(
      names = "--no-integrity",
      description =
          "Skip the integrity check (base backups' manifests are still read and their data objects"
              + " checked to exist).")
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
    VerifyOptions options = options();
    long problems = 0;
    long warnings = 0;
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
        VerifyReport report = archive.verify(options);
        printFindings(report, out);
        problems += report.problems().size();
        warnings += report.warnings().size();
      }
    }
    String warned = warnings == 0 ? "" : ", " + warnings + " warning(s)";
    out.println(
        problems == 0 ? "verify: ok" + warned : "verify: " + problems + " problem(s)" + warned);
    return problems == 0 ? 0 : 1;
  }

  private VerifyOptions options() throws CliException {
    VerifyOptions.Builder options = VerifyOptions.builder();
    if (maxAge != null) {
      Duration freshness = Durations.parse(maxAge, "--max-age");
      if (freshness.isNegative() || freshness.isZero()) {
        throw new CliException("--max-age must be positive, not '" + maxAge + "'");
      }
      options.maxAge(freshness);
    }
    if (parallel < 1 || parallel > VerifyOptions.MAX_PARALLELISM) {
      throw new CliException(
          "--parallel must be from 1 to " + VerifyOptions.MAX_PARALLELISM + ", not " + parallel);
    }
    options.parallelism(parallel);
    if (noIntegrity) {
      options.noIntegrity();
    } else if (sample != null) {
      if (sample < 1) {
        throw new CliException("--sample must be at least 1");
      }
      options.sample(sample);
    }
    return options.build();
  }

  /**
   * One line per finding, with the continuity results' "ok" lines among them and the integrity
   * count after the integrity findings (the summary line is printed by the caller).
   */
  static void printFindings(VerifyReport report, PrintWriter out) {
    List<VerifyReport.Finding> findings = report.findings();
    int next = 0;
    while (next < findings.size() && isBeforeContinuity(findings.get(next).kind())) {
      out.println(line(findings.get(next++)));
    }
    java.util.Map<dev.walarchive.core.wal.WalFileName, String> baseBackups =
        new java.util.HashMap<>();
    for (VerifyReport.BaseBackup b : report.baseBackups()) {
      b.backupHistoryFile().ifPresent(h -> baseBackups.putIfAbsent(h, b.name().toString()));
    }
    for (ContinuityCheck.Result r : report.continuity()) {
      for (int k = r.missing().size() + r.problems().size(); k > 0; k--) {
        out.println(line(findings.get(next++)));
      }
      if (r.isComplete()) {
        out.println(
            "ok backup "
                + r.backup().fileName()
                + (baseBackups.containsKey(r.backup().fileName())
                    ? " (base backup " + baseBackups.get(r.backup().fileName()) + ")"
                    : "")
                + " to the end of timeline "
                + r.timeline()
                + " ("
                + r.end()
                + "): "
                + r.required()
                + " segments present");
      }
    }
    while (next < findings.size() && findings.get(next).kind() != VerifyReport.Kind.STALE) {
      out.println(line(findings.get(next++)));
    }
    report
        .integrity()
        .ifPresent(
            i ->
                out.println(
                    "integrity: " + i.verified() + " of " + i.checked() + " objects verified"));
    for (VerifyReport.BaseBackup b : report.baseBackups()) {
      if (b.ok()) {
        out.println(okLine(b, report.integrity().isPresent()));
      }
    }
    while (next < findings.size()) {
      out.println(line(findings.get(next++)));
    }
  }

  /**
   * Such as {@code ok base backup base_...: 8 files in 4 data objects, 4 decoded and verified; WAL
   * 000000010000000000000002..000000010000000000000003 present}.
   */
  private static String okLine(VerifyReport.BaseBackup b, boolean integrity) {
    String checked;
    if (!integrity) {
      checked = "present (not decoded: --no-integrity)";
    } else if (b.decoded() == b.dataObjects()) {
      checked = "all decoded and verified";
    } else {
      checked = b.decoded() + " decoded and verified (sample), the others present";
    }
    return "ok base backup "
        + b.name()
        + ": "
        + b.files()
        + " files in "
        + b.dataObjects()
        + " data objects "
        + checked
        + "; WAL "
        + b.startSegment().map(Object::toString).orElse("?")
        + ".."
        + b.stopSegment().map(Object::toString).orElse("?")
        + " present";
  }

  private static boolean isBeforeContinuity(VerifyReport.Kind kind) {
    return kind == VerifyReport.Kind.UNREADABLE_HISTORY || kind == VerifyReport.Kind.NO_BACKUP;
  }

  private static String line(VerifyReport.Finding f) {
    String label =
        switch (f.kind()) {
          case GAP -> "GAP";
          case CORRUPT -> "CORRUPT";
          case STALE -> "STALE";
          case BACKUP_CORRUPT -> "CORRUPT";
          case BACKUP_MISSING_OBJECT -> "MISSING";
          case DIVERGENCE, BACKUP_INCOMPLETE -> "WARNING";
          case NO_BACKUP, UNREADABLE_HISTORY, CONTINUITY -> "PROBLEM";
        };
    return label + " " + f.message();
  }
}
