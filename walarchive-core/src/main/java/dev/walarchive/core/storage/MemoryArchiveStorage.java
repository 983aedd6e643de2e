package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.spi.DeleteBatches;
import dev.walarchive.core.storage.spi.ExactLength;
import dev.walarchive.core.storage.spi.LazyClient;
import dev.walarchive.core.storage.spi.StorageErrors;
import dev.walarchive.core.storage.spi.StorageKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListMap;

/** Objects held in memory; for tests and as a fake archive. */
final class MemoryArchiveStorage implements ArchiveStorage {
  private record Blob(byte[] content, Instant created, Map<String, String> metadata) {}

  private final ConcurrentSkipListMap<String, Blob> objects = new ConcurrentSkipListMap<>();
  private final LazyClient<ConcurrentSkipListMap<String, Blob>> open =
      LazyClient.injected("mem:", objects);
  private final Clock clock;
  private final String name;

  MemoryArchiveStorage(Clock clock) {
    this(clock, "mem:");
  }

  /** {@code name}: what {@link #toString()} returns, fixed for the storage's life. */
  MemoryArchiveStorage(Clock clock, String name) {
    this.clock = requireNonNull(clock, "clock is null");
    this.name = requireNonNull(name, "name is null");
  }

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    StorageKeys.checkKey(key);
    Map<String, String> meta = StorageKeys.checkMetadata(metadata);
    requireNonNull(content, "content is null");
    open.checkOpen();
    byte[] bytes = ExactLength.readAll(key, content);
    if (open.get().putIfAbsent(key, new Blob(bytes, clock.instant(), meta)) != null) {
      throw StorageErrors.alreadyExists(key, "mem:" + key, null);
    }
  }

  @Override
  public InputStream open(String key) throws IOException {
    return new ByteArrayInputStream(get(key).content());
  }

  @Override
  public OpenedObject openWithStat(String key) throws IOException {
    Blob blob = get(key);
    return new OpenedObject(
        new ObjectStat(key, blob.content().length, blob.created(), blob.metadata()),
        new ByteArrayInputStream(blob.content()));
  }

  @Override
  public ObjectStat stat(String key) throws IOException {
    Blob blob = get(key);
    return new ObjectStat(key, blob.content().length, blob.created(), blob.metadata());
  }

  @Override
  public ObjectIterator list(String prefix) throws IOException {
    StorageKeys.checkPrefix(prefix);
    Iterator<Map.Entry<String, Blob>> it =
        open.get().tailMap(prefix, true).entrySet().stream()
            .takeWhile(e -> e.getKey().startsWith(prefix))
            .iterator();
    return new ObjectIterator() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public ObjectEntry next() {
        if (!it.hasNext()) {
          throw new NoSuchElementException();
        }
        Map.Entry<String, Blob> e = it.next();
        return new ObjectEntry(e.getKey(), e.getValue().content().length, e.getValue().created());
      }
    };
  }

  @Override
  public void delete(Collection<String> keys) throws IOException {
    open.checkOpen();
    DeleteBatches.delete(
        keys,
        Integer.MAX_VALUE,
        batch -> {
          batch.forEach(open.get()::remove);
          return Map.of();
        });
  }

  @Override
  public void close() throws IOException {
    open.close();
  }

  private Blob get(String key) throws IOException {
    StorageKeys.checkKey(key);
    Blob blob = open.get().get(key);
    if (blob == null) {
      throw StorageErrors.notFound(key, "mem:" + key, null);
    }
    return blob;
  }

  @Override
  public String toString() {
    // stable: WalArchive takes it as its default name (a metrics label), so no object count here
    return name;
  }
}
