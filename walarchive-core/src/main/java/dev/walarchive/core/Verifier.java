package dev.walarchive.core;

import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ContinuityCheck;
import dev.walarchive.core.archive.VerifyOptions;
import dev.walarchive.core.archive.VerifyReport;
import dev.walarchive.core.archive.VerifyReport.Finding;
import dev.walarchive.core.archive.VerifyReport.Kind;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.wal.WalFileName;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** {@link WalArchive#verify(VerifyOptions)}: continuity, divergence, integrity, freshness. */
final class Verifier {
  private final WalArchive archive;
  private final VerifyOptions options;
  private final Instant now;
  private final List<Finding> findings = new ArrayList<>();

  Verifier(WalArchive archive, VerifyOptions options, Instant now) {
    this.archive = archive;
    this.options = options;
    this.now = now;
  }

  VerifyReport run() throws IOException {
    ArchiveInventory inventory = archive.inventory();
    ArchiveHistories histories = archive.histories(inventory);
    for (ArchiveHistories.Skipped s : histories.skipped()) {
      findings.add(
          new Finding(
              Kind.UNREADABLE_HISTORY,
              s.toString(),
              Optional.of(s.name()),
              Optional.empty(),
              OptionalLong.empty()));
    }
    if (histories.backups().isEmpty()) {
      int unreadable = inventory.backupHistoryFiles().size();
      findings.add(
          new Finding(
              Kind.NO_BACKUP,
              unreadable == 0
                  ? "no base backup found in the archive (no .backup file)"
                  : "no readable base backup in the archive ("
                      + unreadable
                      + " .backup file(s) cannot be read)",
              Optional.empty(),
              Optional.empty(),
              OptionalLong.empty()));
    }
    List<ContinuityCheck.Result> continuity =
        ContinuityCheck.check(inventory, histories.backups(), histories.timelines());
    for (ContinuityCheck.Result r : continuity) {
      String what = "backup " + r.backup().fileName() + " to the end of timeline " + r.timeline();
      Optional<WalFileName> backup = Optional.of(r.backup().fileName());
      OptionalLong timeline = OptionalLong.of(r.timeline());
      for (ContinuityCheck.Missing m : r.missing()) {
        findings.add(
            new Finding(
                Kind.GAP, what + ": missing " + m, Optional.of(m.first()), backup, timeline));
      }
      for (String p : r.problems()) {
        findings.add(
            new Finding(Kind.CONTINUITY, what + ": " + p, Optional.empty(), backup, timeline));
      }
    }
    List<ContinuityCheck.Divergence> divergences =
        ContinuityCheck.divergences(inventory, histories.timelines());
    for (ContinuityCheck.Divergence d : divergences) {
      findings.add(
          new Finding(
              Kind.DIVERGENCE,
              warning(d),
              Optional.of(d.newest().name()),
              Optional.empty(),
              OptionalLong.of(d.timeline())));
    }
    Optional<VerifyReport.Integrity> integrity =
        options.integrity() ? Optional.of(checkIntegrity(inventory)) : Optional.empty();
    if (options.maxAge().isPresent()) {
      checkFreshness(inventory, options.maxAge().get());
    }
    return new VerifyReport(continuity, divergences, integrity, findings);
  }

  private void checkFreshness(ArchiveInventory inventory, Duration limit) {
    Optional<ArchiveInventory.Entry> newest = inventory.newestSegment();
    if (newest.isEmpty()) {
      findings.add(
          new Finding(
              Kind.STALE,
              "no segment archived",
              Optional.empty(),
              Optional.empty(),
              OptionalLong.empty()));
      return;
    }
    Duration age = Duration.between(newest.get().lastModified(), now);
    if (age.compareTo(limit) > 0) {
      findings.add(
          new Finding(
              Kind.STALE,
              "newest segment "
                  + newest.get().name()
                  + " is "
                  + format(age)
                  + " old (limit "
                  + format(limit)
                  + ")",
              Optional.of(newest.get().name()),
              Optional.empty(),
              OptionalLong.of(newest.get().name().timeline())));
    }
  }

  /** An age in the largest unit that keeps it readable: {@code 90s}, {@code 45m}, {@code 2h}. */
  static String format(Duration d) {
    long s = d.getSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return (s / 60) + "m";
    }
    if (s < 172800) {
      return (s / 3600) + "h";
    }
    return (s / 86400) + "d";
  }

  /** One line: which timelines grow side by side, since when, and what to do about it. */
  static String warning(ContinuityCheck.Divergence d) {
    String newest = d.newest().name() + " at " + d.newest().lastModified();
    String branchNewest =
        d.branchNewest()
            .map(e -> "its newest is " + e.name() + " at " + e.lastModified())
            .orElse("it has no segment yet");
    return "timelines "
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

  /**
   * Verifies every object (or a sample) with a bounded window of checks in flight, so that memory
   * stays small at a million objects; failures are reported in listing order.
   */
  private VerifyReport.Integrity checkIntegrity(ArchiveInventory inventory) throws IOException {
    List<ArchiveInventory.Entry> objects = inventory.entries();
    if (options.sample().isPresent()) {
      objects = sample(objects, options.sample().getAsInt(), new Random());
    }
    int parallelism = options.parallelism();
    int window = 4 * parallelism;
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallelism,
            r -> {
              Thread t = new Thread(r, "walarchive-verify");
              t.setDaemon(true);
              return t;
            });
    long failures = 0;
    try {
      ArrayDeque<Future<Finding>> inFlight = new ArrayDeque<>();
      for (int i = 0; i <= objects.size(); i++) {
        if (i < objects.size()) {
          WalFileName name = objects.get(i).name();
          inFlight.add(pool.submit(() -> verifyOne(name)));
          if (inFlight.size() < window) {
            continue;
          }
        }
        while (!inFlight.isEmpty() && (i == objects.size() || inFlight.size() >= window)) {
          Finding corrupt = await(inFlight.poll());
          if (corrupt != null) {
            findings.add(corrupt);
            failures++;
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new VerifyReport.Integrity(objects.size(), objects.size() - failures);
  }

  private Finding verifyOne(WalFileName name) {
    try {
      archive.verifyObject(name);
      return null;
    } catch (ObjectFormatException e) {
      return new Finding(
          Kind.CORRUPT,
          name + ": " + oneLine(e),
          Optional.of(name),
          Optional.empty(),
          OptionalLong.of(name.timeline()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Finding await(Future<Finding> result) throws IOException {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("verify was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage();
    return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m)
        .replace('\n', ' ')
        .replace('\r', ' ');
  }

  /** {@code n} entries chosen at random (all if there are fewer), in name order. */
  static List<ArchiveInventory.Entry> sample(
      List<ArchiveInventory.Entry> all, int n, Random random) {
    if (n >= all.size()) {
      return all;
    }
    TreeSet<Integer> chosen = new TreeSet<>();
    for (int j = all.size() - n; j < all.size(); j++) { // Floyd's algorithm
      int candidate = random.nextInt(j + 1);
      chosen.add(chosen.contains(candidate) ? j : candidate);
    }
    List<ArchiveInventory.Entry> result = new ArrayList<>(n);
    chosen.forEach(i -> result.add(all.get(i)));
    return result;
  }
}
