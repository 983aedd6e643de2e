package dev.walarchive.cli;

import dev.walarchive.gcs.FakeGcsServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The PITR drill through the CLI on a {@code gs://} archive served by the test fake of the GCS JSON
 * API on 127.0.0.1, reached through the real Google Cloud Storage client.
 */
class GcsPitrDrillTest extends AbstractPitrDrillTest {
  private FakeGcsServer server;

  @Override
  protected void startArchiveServer() throws Exception {
    server = FakeGcsServer.start();
  }

  @Override
  protected void stopArchiveServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected Map<String, String> archiveSettings(Path base) {
    Map<String, String> settings = new HashMap<>(server.options());
    settings.put("url", server.url("drill"));
    return settings;
  }
}
