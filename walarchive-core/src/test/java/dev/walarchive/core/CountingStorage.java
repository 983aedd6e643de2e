package dev.walarchive.core;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.OpenedObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the calls made to a storage, by operation and key. */
final class CountingStorage implements ArchiveStorage {
  private final ArchiveStorage delegate;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  CountingStorage(ArchiveStorage delegate) {
    this.delegate = delegate;
  }

  int calls(String operation) {
    return calls.entrySet().stream()
        .filter(e -> e.getKey().startsWith(operation + " "))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }

  int calls(String operation, String key) {
    AtomicInteger n = calls.get(operation + " " + key);
    return n == null ? 0 : n.get();
  }

  void reset() {
    calls.clear();
  }

  private void count(String operation, String key) {
    calls.computeIfAbsent(operation + " " + key, k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    count("create", key);
    delegate.create(key, content, metadata);
  }

  @Override
  public InputStream open(String key) throws IOException {
    count("open", key);
    return delegate.open(key);
  }

  @Override
  public OpenedObject openWithStat(String key) throws IOException {
    count("open", key);
    return delegate.openWithStat(key);
  }

  @Override
  public ObjectStat stat(String key) throws IOException {
    count("stat", key);
    return delegate.stat(key);
  }

  @Override
  public ObjectIterator list(String prefix) throws IOException {
    count("list", prefix);
    return delegate.list(prefix);
  }

  @Override
  public void delete(Collection<String> keys) throws IOException {
    for (String key : keys) {
      count("delete", key);
    }
    delegate.delete(keys);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
