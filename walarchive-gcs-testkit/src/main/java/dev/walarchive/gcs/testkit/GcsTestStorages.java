package dev.walarchive.gcs.testkit;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.gcs.FakeGcsServer;
import java.io.IOException;

/** Storage on a {@link FakeGcsServer}, opened by URL as production code opens GCS. */
public final class GcsTestStorages {
  private GcsTestStorages() {}

  /**
   * Opens the archive storage under {@code prefix} in the server's bucket, with the options that
   * reach it ({@link FakeGcsServer#options()}); the caller closes it.
   */
  public static ArchiveStorage open(FakeGcsServer server, String prefix) throws IOException {
    return ArchiveStorages.open(server.url(prefix), server.options());
  }
}
