package dev.walarchive.cli;

import dev.walarchive.azure.AzuriteServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The PITR drill through the CLI on an {@code az://} archive served by Azurite on 127.0.0.1. */
class AzurePitrDrillTest extends AbstractPitrDrillTest {
  private AzuriteServer server;

  @Override
  protected void startArchiveServer() throws Exception {
    server = AzuriteServer.start();
  }

  @Override
  protected void stopArchiveServer() throws Exception {
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
