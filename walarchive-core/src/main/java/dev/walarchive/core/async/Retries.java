package dev.walarchive.core.async;

import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.wal.WalFileName;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Retry policy shared by push and fetch: only transient storage errors are retried. */
final class Retries {
  private static final Logger log = LoggerFactory.getLogger(Retries.class);

  interface Attempt<T> {
    T run() throws Exception;
  }

  private final int attempts;
  private final Duration delay;
  private final AsyncListener listener;

  Retries(int attempts, Duration delay, AsyncListener listener) {
    this.attempts = attempts;
    this.delay = delay;
    this.listener = listener;
  }

  /** A failure that another attempt cannot change (bad file, conflict, integrity, missing). */
  static boolean permanent(Exception e) {
    return !(e instanceof IOException)
        || e instanceof InvalidWalFileException
        || e instanceof ArchiveConflictException
        || e instanceof ArchiveMismatchException
        || e instanceof ObjectFormatException
        || e instanceof NoSuchFileException;
  }

  /** Runs {@code attempt}; returns its value; {@code tries[0]} receives the number of attempts. */
  <T> T run(WalFileName name, int[] tries, Attempt<T> attempt) throws Exception {
    for (int i = 1; ; i++) {
      tries[0] = i;
      try {
        return attempt.run();
      } catch (Exception e) {
        if (i >= attempts || permanent(e) || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        Duration wait = delay.multipliedBy(1L << Math.min(i - 1, 6));
        safely(() -> listener.retrying(name, tries[0], e, wait));
        Thread.sleep(wait.toMillis());
      }
    }
  }

  static void safely(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("listener failed: {}", e.toString());
    }
  }
}
