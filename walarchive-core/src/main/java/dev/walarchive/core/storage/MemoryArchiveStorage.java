package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListMap;

/** Objects held in memory; for tests and as a fake archive. */
final class MemoryArchiveStorage implements ArchiveStorage {
  private record Blob(byte[] content, Instant created, Map<String, String> metadata) {}

  private final ConcurrentSkipListMap<String, Blob> objects = new ConcurrentSkipListMap<>();
  private final Clock clock;

  MemoryArchiveStorage(Clock clock) {
    this.clock = requireNonNull(clock, "clock is null");
  }

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    StorageKeys.checkKey(key);
    Map<String, String> meta = StorageKeys.checkMetadata(metadata);
    byte[] bytes;
    try (InputStream in = content.openStream()) {
      bytes = in.readAllBytes();
    }
    if (bytes.length != content.length()) {
      throw new IOException(
          "content of " + key + " has " + bytes.length + " bytes, expected " + content.length());
    }
    if (objects.putIfAbsent(key, new Blob(bytes, clock.instant(), meta)) != null) {
      throw new FileAlreadyExistsException(key, null, "object already exists");
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
  public ObjectIterator list(String prefix) {
    StorageKeys.checkPrefix(prefix);
    Iterator<Map.Entry<String, Blob>> it =
        objects.tailMap(prefix, true).entrySet().stream()
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
  public void delete(Collection<String> keys) {
    List<String> checked = new ArrayList<>(keys.size());
    for (String key : keys) {
      checked.add(StorageKeys.checkKey(key));
    }
    checked.forEach(objects::remove);
  }

  @Override
  public void close() {}

  private Blob get(String key) throws NoSuchFileException {
    StorageKeys.checkKey(key);
    Blob blob = objects.get(key);
    if (blob == null) {
      throw new NoSuchFileException(key, null, "no such object");
    }
    return blob;
  }

  @Override
  public String toString() {
    return "mem:[" + objects.size() + " objects]";
  }
}
