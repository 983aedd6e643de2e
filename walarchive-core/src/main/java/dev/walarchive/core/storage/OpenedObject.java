package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * What {@link ArchiveStorage#openWithStat(String)} returns: an object's content stream together
 * with its size, time and metadata, as answered by the same read where the store allows it.
 *
 * @param stat the object's size, modification time and user metadata
 * @param content the object's content from its first byte; the caller closes it
 */
public record OpenedObject(ObjectStat stat, InputStream content) implements Closeable {
  public OpenedObject {
    requireNonNull(stat, "stat is null");
    requireNonNull(content, "content is null");
  }

  /** Closes the content stream. */
  @Override
  public void close() throws IOException {
    content.close();
  }
}
