package dev.walarchive.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code file:} PITR drills (target time, timeline switch, damaged segment) in async mode: one
 * spool serves archive_command and restore_command of every server of the drill.
 */
class SpoolFilePitrDrillTest extends FilePitrDrillTest {
  @Override
  protected Map<String, String> archiveSettings(Path base) {
    Map<String, String> settings = new HashMap<>(super.archiveSettings(base));
    settings.put("spool-dir", base.resolve("spool").toString());
    return settings;
  }

  @Override
  protected void stopArchiveServer() throws Exception {
    if (base != null) {
      Spools.killWorkers(base.resolve("spool"));
      Spools.assertServedPushesAndFetches(base.resolve("spool"));
    }
    super.stopArchiveServer();
  }
}
