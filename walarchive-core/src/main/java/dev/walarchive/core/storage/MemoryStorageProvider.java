package dev.walarchive.core.storage;

import java.net.URI;
import java.util.Map;

/**
 * {@code mem:} URLs: every open returns a new, empty in-memory storage (nothing is shared or kept
 * after close). Useful for dry runs and tests.
 */
public final class MemoryStorageProvider implements ArchiveStorageProvider {
  /** Used by {@link java.util.ServiceLoader}. */
  public MemoryStorageProvider() {}

  @Override
  public String scheme() {
    return "mem";
  }

  @Override
  public ArchiveStorage open(URI url, Map<String, String> options) {
    // named by its URL ("mem:" or "mem:team"), the stable default name of a WalArchive on it
    String ssp = url.getRawSchemeSpecificPart();
    return new MemoryArchiveStorage(
        java.time.Clock.systemUTC(), "mem:" + (ssp == null || ssp.equals("/") ? "" : ssp));
  }
}
