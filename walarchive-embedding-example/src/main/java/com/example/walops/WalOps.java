package com.example.walops;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveEvent;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.VerifyOptions;
import dev.walarchive.core.archive.VerifyReport;
import dev.walarchive.core.archive.WalArchiveListener;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorages;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A platform team's own WAL tool, written against walarchive's public API only: it opens the
 * team's archive by URL with the team's key, runs the nightly retention job and the hourly verify
 * job, and counts what the archive does for the team's metrics.
 */
public final class WalOps {
  private WalOps() {}

  /**
   * Opens an encrypted archive by URL ({@code file:}, {@code s3://}, {@code gs://}, {@code az://},
   * whichever backend is on the class path).
   */
  public static WalArchive open(String url, byte[] key) throws IOException {
    return open(url, Map.of(), key);
  }

  /**
   * Opens an encrypted archive by URL with backend options, such as {@code s3.endpoint} and {@code
   * s3.region}.
   */
  public static WalArchive open(String url, Map<String, String> options, byte[] key)
      throws IOException {
    return open(url, options, key, WalArchiveListener.NONE);
  }

  /** Opens an encrypted archive by URL, telling {@code listener} of every file it handles. */
  public static WalArchive open(
      String url, Map<String, String> options, byte[] key, WalArchiveListener listener)
      throws IOException {
    return WalArchive.builder(ArchiveStorages.open(url, options))
        .keyring(Keyring.builder().addKey("team-key-1", key).activeKeyId("team-key-1").build())
        .name(url)
        .listener(listener)
        .build();
  }

  /**
   * What the hourly verify job found.
   *
   * @param ok no problem (warnings allowed)
   * @param alerts one line per problem, for the pager
   * @param warnings one line per warning, for the team channel
   * @param objectsVerified objects that decoded and matched their digests
   */
  public record Health(boolean ok, List<String> alerts, List<String> warnings, long objectsVerified) {}

  /**
   * The hourly verify job: continuity of every backup along every timeline, the integrity of a
   * random sample of objects, and that the newest segment is at most {@code maxAge} old.
   */
  public static Health hourlyVerify(WalArchive archive, int sample, Duration maxAge)
      throws IOException {
    VerifyReport report =
        archive.verify(VerifyOptions.builder().sample(sample).parallelism(8).maxAge(maxAge).build());
    List<String> alerts = new ArrayList<>();
    for (VerifyReport.Finding problem : report.problems()) {
      alerts.add(problem.kind() + ": " + problem.message());
    }
    List<String> warnings = report.warnings().stream().map(VerifyReport.Finding::message).toList();
    long verified = report.integrity().map(VerifyReport.Integrity::verified).orElse(0L);
    return new Health(report.isOk(), alerts, warnings, verified);
  }

  /** Counters for the team's metrics system, per archive and operation: files, bytes, failures. */
  public static final class Metrics implements WalArchiveListener {
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    /** The value of counter {@code name}, such as {@code push.bytes{archive=file:/x}}. */
    public long get(String name) {
      LongAdder counter = counters.get(name);
      return counter == null ? 0 : counter.sum();
    }

    private void count(ArchiveEvent event, String what) {
      String labels = "{archive=" + event.archive() + "}";
      String operation = event.operation().name().toLowerCase(java.util.Locale.ROOT);
      counters.computeIfAbsent(operation + "." + what + labels, k -> new LongAdder()).increment();
      counters
          .computeIfAbsent(operation + ".bytes" + labels, k -> new LongAdder())
          .add(event.bytes());
    }

    @Override
    public void pushed(ArchiveEvent event, PushResult result) {
      count(event, result.outcome() == PushResult.Outcome.ARCHIVED ? "files" : "repushes");
    }

    @Override
    public void fetched(ArchiveEvent event) {
      count(event, "files");
    }

    @Override
    public void deleted(ArchiveEvent event) {
      count(event, "files");
    }

    @Override
    public void verified(ArchiveEvent event) {
      count(event, "files");
    }

    @Override
    public void failed(ArchiveEvent event, Exception cause) {
      count(event, "failures");
    }
  }

  /**
   * What the nightly job did.
   *
   * @param retained backups retained, pinned ones included
   * @param deleted files deleted
   * @param notes warnings of the plan and files that could not be deleted
   */
  public record Report(List<String> retained, long deleted, List<String> notes) {}

  /**
   * The nightly retention job: plans (the archive's pins are always honoured), applies, and
   * reports. Safe to run again after a failure.
   */
  public static Report nightlyRetention(WalArchive archive, RetentionPolicy policy)
      throws IOException {
    RetentionPlan plan = archive.planRetention(policy);
    List<String> notes = new ArrayList<>(plan.warnings());
    long deleted =
        archive.applyRetention(
            plan,
            new RetentionListener() {
              @Override
              public void failed(RetentionPlan.Deletion deletion, String reason) {
                notes.add("not deleted: " + deletion.name() + " (" + reason + ")");
              }
            });
    List<String> retained =
        plan.retainedBackups().stream().map(b -> b.name().name()).toList();
    return new Report(retained, deleted, notes);
  }
}
