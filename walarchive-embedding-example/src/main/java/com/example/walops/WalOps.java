package com.example.walops;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorages;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A platform team's own WAL tool, written against walarchive's public API only: it opens the
 * team's archive by URL with the team's key, and runs the nightly retention job.
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
    return WalArchive.builder(ArchiveStorages.open(url, options))
        .keyring(Keyring.builder().addKey("team-key-1", key).activeKeyId("team-key-1").build())
        .build();
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
