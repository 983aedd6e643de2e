package dev.walarchive.core.storage;

import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * A streaming listing whose pages are fetched as it advances; both methods may do I/O and throw
 * {@link IOException}.
 */
public interface ObjectIterator {
  /** Whether another entry follows. */
  boolean hasNext() throws IOException;

  /**
   * The next entry.
   *
   * @throws NoSuchElementException if there is none
   */
  ObjectEntry next() throws IOException;
}
