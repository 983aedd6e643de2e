package dev.walarchive.core.async;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What {@link PushAhead} and {@link Prefetcher} are configured with (their builders' state, each
 * setter validating at once), and the worker pool both run on.
 */
final class WorkerSettings {
  private int parallelism = 4;
  private AsyncListener listener = AsyncListener.NONE;
  private int attempts = 3;
  private Duration retryDelay = Duration.ofSeconds(1);

  void parallelism(int parallelism) {
    if (parallelism < 1 || parallelism > 64) {
      throw new IllegalArgumentException("parallelism must be 1 to 64, not " + parallelism);
    }
    this.parallelism = parallelism;
  }

  void listener(AsyncListener listener) {
    this.listener = requireNonNull(listener, "listener is null");
  }

  void retries(int attempts, Duration delay) {
    if (attempts < 1 || attempts > 100) {
      throw new IllegalArgumentException("attempts must be 1 to 100, not " + attempts);
    }
    requireNonNull(delay, "delay is null");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    this.attempts = attempts;
    this.retryDelay = delay;
  }

  AsyncListener listener() {
    return listener;
  }

  Retries retries() {
    return new Retries(attempts, retryDelay, listener);
  }

  /** A pool of {@code parallelism} daemon threads named {@code threadName}. */
  ExecutorService pool(String threadName) {
    return pool(threadName, new LinkedBlockingQueue<>());
  }

  /** The same, taking its tasks from {@code queue} (a priority queue, for one). */
  ExecutorService pool(String threadName, BlockingQueue<Runnable> queue) {
    return new ThreadPoolExecutor(
        parallelism,
        parallelism,
        0L,
        TimeUnit.MILLISECONDS,
        queue,
        r -> {
          Thread t = new Thread(r, threadName);
          t.setDaemon(true);
          return t;
        });
  }

  /** Stops accepting work and waits up to a minute for what is under way. */
  static void shutDown(ExecutorService pool) {
    pool.shutdown();
    try {
      pool.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
