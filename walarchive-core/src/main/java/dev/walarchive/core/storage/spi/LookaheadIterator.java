package dev.walarchive.core.storage.spi;

import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * An {@link ObjectIterator} written as one method: {@link #advance()} yields the entries one by one
 * (fetching pages as it needs them) and null at the end; {@link #hasNext()} and {@link #next()}
 * follow the {@link ObjectIterator} contract. For backend authors.
 */
public abstract class LookaheadIterator implements ObjectIterator {
  private ObjectEntry next;
  private boolean ended;

  /** For subclasses. */
  protected LookaheadIterator() {}

  /** The next entry, or null if there is none; not called again after it returned null. */
  protected abstract ObjectEntry advance() throws IOException;

  @Override
  public final boolean hasNext() throws IOException {
    if (next == null && !ended) {
      next = advance();
      ended = next == null;
    }
    return next != null;
  }

  @Override
  public final ObjectEntry next() throws IOException {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    ObjectEntry entry = next;
    next = null;
    return entry;
  }
}
