package dev.walarchive.cli;

import dev.walarchive.s3.S3TestServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The PITR drill through the CLI on an {@code s3://} archive served by s3proxy on 127.0.0.1. */
class S3PitrDrillTest extends AbstractPitrDrillTest {
  private S3TestServer server;

  @Override
  protected void startArchiveServer() throws Exception {
    server = S3TestServer.start();
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
