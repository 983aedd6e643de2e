package dev.walarchive.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
    try {
      if (base != null) {
        Spools.killWorkers(base.resolve("spool"));
        Spools.assertServedPushesAndFetches(base.resolve("spool"));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      super.stopArchiveServer();
    }
  }
}
