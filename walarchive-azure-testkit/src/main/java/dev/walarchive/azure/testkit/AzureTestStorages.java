package dev.walarchive.azure.testkit;

import dev.walarchive.azure.AzuriteServer;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import java.io.IOException;

/** Storage on an {@link AzuriteServer}, opened by URL as production code opens Azure. */
public final class AzureTestStorages {
  private AzureTestStorages() {}

  /**
   * Opens the archive storage under {@code prefix} in the server's container, with the options that
   * reach it ({@link AzuriteServer#options()}); the caller closes it.
   */
  public static ArchiveStorage open(AzuriteServer server, String prefix) throws IOException {
    return ArchiveStorages.open(server.url(prefix), server.options());
  }
}
