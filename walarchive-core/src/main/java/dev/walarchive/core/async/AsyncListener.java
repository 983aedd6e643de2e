package dev.walarchive.core.async;

import dev.walarchive.core.wal.WalFileName;
import java.time.Duration;

/**
 * Progress of {@link PushAhead} and {@link Prefetcher}. Methods are called from worker threads,
 * possibly at the same time; they must be quick and must not throw (what they throw is logged and
 * ignored). Every method does nothing by default.
 */
public interface AsyncListener {
  /** A listener that ignores everything. */
  AsyncListener NONE = new AsyncListener() {};

  /** Work on {@code name} starts (attempt 1). */
  default void started(WalFileName name) {}

  /**
   * Attempt {@code attempt} on {@code name} failed with a transient error and is retried after
   * {@code delay}.
   */
  default void retrying(WalFileName name, int attempt, Exception cause, Duration delay) {}

  /** A push finished, successfully or not. */
  default void pushed(PushOutcome outcome) {}

  /** A fetch finished: fetched, not in the archive, or failed. */
  default void fetched(FetchOutcome outcome) {}
}
