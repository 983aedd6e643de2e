package dev.walarchive.s3.testkit;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.s3.S3TestServer;
import java.io.IOException;

/** Storage on an {@link S3TestServer}, opened by URL as production code opens S3. */
public final class S3TestStorages {
  private S3TestStorages() {}

  /**
   * Opens the archive storage under {@code prefix} in the server's bucket, with the options that
   * reach it ({@link S3TestServer#options()}); the caller closes it.
   */
  public static ArchiveStorage open(S3TestServer server, String prefix) throws IOException {
    return ArchiveStorages.open(server.url(prefix), server.options());
  }
}
