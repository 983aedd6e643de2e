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
    return ArchiveStorages.memory();
  }
}
