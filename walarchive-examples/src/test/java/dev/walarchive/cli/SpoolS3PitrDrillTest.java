package dev.walarchive.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code s3://} PITR drill (s3proxy on 127.0.0.1) in async mode, through one spool. */
class SpoolS3PitrDrillTest extends S3PitrDrillTest {
  @Override
  protected Map<String, String> archiveSettings(Path base) {
    Map<String, String> settings = new HashMap<>(super.archiveSettings(base));
    settings.put("spool-dir", base.resolve("spool").toString());
    return settings;
  }

  @Override
  protected void stopArchiveServer() {
    if (base != null) {
      try {
        Spools.killWorkers(base.resolve("spool"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    super.stopArchiveServer();
  }

  @Override
  @Test
  void recoversToATargetTimeThenFollowsTheNewTimeline() throws Exception {
    super.recoversToATargetTimeThenFollowsTheNewTimeline();
    Spools.assertServedPushesAndFetches(base.resolve("spool"));
  }
}
