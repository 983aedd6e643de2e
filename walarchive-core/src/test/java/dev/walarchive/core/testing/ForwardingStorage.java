package dev.walarchive.core.testing;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.OpenedObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Map;

/**
 * A storage that hands every object operation to {@code delegate}; a test (in any module: core's
 * test-jar) overrides the one it breaks. What the archive records at creation ({@link
 * #initializeArchive}, {@link #checkArchive}) keeps the interface's defaults.
 */
public abstract class ForwardingStorage implements ArchiveStorage {
  protected final ArchiveStorage delegate;

  protected ForwardingStorage(ArchiveStorage delegate) {
    this.delegate = delegate;
  }

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    delegate.create(key, content, metadata);
  }

  @Override
  public InputStream open(String key) throws IOException {
    return delegate.open(key);
  }

  @Override
  public OpenedObject openWithStat(String key) throws IOException {
    return delegate.openWithStat(key);
  }

  @Override
  public ObjectStat stat(String key) throws IOException {
    return delegate.stat(key);
  }

  @Override
  public ObjectIterator list(String prefix) throws IOException {
    return delegate.list(prefix);
  }

  @Override
  public void delete(Collection<String> keys) throws IOException {
    delegate.delete(keys);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
