package dev.walarchive.core.async;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fetches WAL segments ahead of recovery: a segment and the next ones on its timeline, in parallel,
 * into a directory.
 *
 * <pre>{@code
 * try (Prefetcher prefetcher = Prefetcher.builder(archive).parallelism(4).build()) {
 *   prefetcher.prefetch(WalFileName.parse("000000010000000000000010"), 8, segmentSize, spoolDir);
 * }
 * }</pre>
 *
 * <p>Each file goes through {@link WalArchive#fetch}: verified, written to a temporary file in the
 * directory, fsynced and renamed into place, so a file that exists under its name in the directory
 * is complete. A file the archive does not hold is reported {@link FetchOutcome.Status#NOT_FOUND}
 * and remembered nowhere: asking again asks the archive again. Transient storage errors are retried
 * with exponential back-off.
 *
 * <p>Instances are thread safe. Closing stops the threads (waiting for fetches under way).
 */
public final class Prefetcher implements AutoCloseable {
  private final WalArchive archive;
  private final ExecutorService pool;
  private final AsyncListener listener;
  private final Retries retries;
  private final AtomicLong sequence = new AtomicLong();

  private Prefetcher(Builder b) {
    this.archive = b.archive;
    this.listener = b.settings.listener();
    this.retries = b.settings.retries();
    this.pool = b.settings.pool("walarchive-fetch", new PriorityBlockingQueue<>());
  }

  /** Starts configuring a prefetcher on {@code archive} (which the caller keeps and closes). */
  public static Builder builder(WalArchive archive) {
    return new Builder(archive);
  }

  /**
   * {@code first} and the segments after it on the same timeline, {@code count} names in all; fewer
   * at the end of the WAL address space.
   *
   * @throws IllegalArgumentException if {@code first} is not a segment or {@code count < 1}
   */
  public static List<WalFileName> segmentsFrom(
      WalFileName first, int count, WalSegmentSize segmentSize) {
    requireNonNull(first, "first is null");
    requireNonNull(segmentSize, "segmentSize is null");
    if (!first.isSegment()) {
      throw new IllegalArgumentException(first + " is not a WAL segment; only segments are ahead");
    }
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, not " + count);
    }
    List<WalFileName> names = new ArrayList<>();
    long segNo = first.segmentNumber(segmentSize);
    long segmentCount = 1L << (64 - Long.numberOfTrailingZeros(segmentSize.bytes()));
    for (int i = 0; i < count && segNo + i < segmentCount; i++) {
      names.add(WalFileName.segment(first.timeline(), segNo + i, segmentSize));
    }
    return names;
  }

  /**
   * Fetches {@link #segmentsFrom segmentsFrom(first, count, segmentSize)} into {@code directory}
   * (each as {@code directory/<name>}) and waits for all; one outcome per name, in order.
   *
   * @throws InterruptedException if interrupted while waiting (fetches under way continue)
   */
  public List<FetchOutcome> prefetch(
      WalFileName first, int count, WalSegmentSize segmentSize, Path directory)
      throws InterruptedException {
    requireNonNull(directory, "directory is null");
    List<CompletableFuture<FetchOutcome>> futures = new ArrayList<>();
    for (WalFileName name : segmentsFrom(first, count, segmentSize)) {
      futures.add(submit(name, directory.resolve(name.name())));
    }
    List<FetchOutcome> outcomes = new ArrayList<>();
    for (CompletableFuture<FetchOutcome> f : futures) {
      try {
        outcomes.add(f.get());
      } catch (ExecutionException e) {
        throw new IllegalStateException("fetch task failed unexpectedly", e.getCause());
      }
    }
    return outcomes;
  }

  /**
   * Queues a fetch of {@code name} to {@code destination}; the future completes with its outcome
   * (never exceptionally).
   */
  public CompletableFuture<FetchOutcome> submit(WalFileName name, Path destination) {
    return queue(name, destination, false);
  }

  /**
   * Like {@link #submit}, but ahead of every fetch queued with {@link #submit} that has not
   * started: for a file someone waits for (recovery asking for it), which should not wait behind
   * fetches made ahead. Among themselves such fetches keep their order.
   */
  public CompletableFuture<FetchOutcome> submitFirst(WalFileName name, Path destination) {
    return queue(name, destination, true);
  }

  private CompletableFuture<FetchOutcome> queue(WalFileName name, Path destination, boolean first) {
    requireNonNull(name, "name is null");
    requireNonNull(destination, "destination is null");
    Task task = new Task(name, destination, first, sequence.getAndIncrement());
    pool.execute(task);
    return task.future;
  }

  /** A queued fetch: those asked for first run before the others, each group in order. */
  private final class Task implements Runnable, Comparable<Task> {
    final WalFileName name;
    final Path destination;
    final boolean first;
    final long sequence;
    final CompletableFuture<FetchOutcome> future = new CompletableFuture<>();

    Task(WalFileName name, Path destination, boolean first, long sequence) {
      this.name = name;
      this.destination = destination;
      this.first = first;
      this.sequence = sequence;
    }

    @Override
    public void run() {
      try {
        future.complete(fetchNow(name, destination));
      } catch (RuntimeException | Error e) {
        future.completeExceptionally(e); // (as CompletableFuture.supplyAsync would)
        throw e;
      }
    }

    @Override
    public int compareTo(Task o) {
      if (first != o.first) {
        return first ? -1 : 1;
      }
      return Long.compare(sequence, o.sequence);
    }
  }

  private FetchOutcome fetchNow(WalFileName name, Path destination) {
    long start = System.nanoTime();
    Retries.safely(() -> listener.started(name));
    int[] tries = {0};
    FetchOutcome outcome;
    try {
      long bytes = retries.run(name, tries, () -> archive.fetch(name.name(), destination));
      outcome =
          new FetchOutcome(
              name, destination, FetchOutcome.Status.FETCHED, bytes, null, PushAhead.since(start));
    } catch (WalFileNotFoundException e) {
      outcome =
          new FetchOutcome(
              name, destination, FetchOutcome.Status.NOT_FOUND, 0, null, PushAhead.since(start));
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      outcome =
          new FetchOutcome(
              name, destination, FetchOutcome.Status.FAILED, 0, e, PushAhead.since(start));
    }
    FetchOutcome done = outcome;
    Retries.safely(() -> listener.fetched(done));
    return done;
  }

  /** Stops accepting work and waits up to a minute for fetches under way. */
  @Override
  public void close() {
    WorkerSettings.shutDown(pool);
  }

  /** Configuration of {@link Prefetcher}; every setter validates at once. */
  public static final class Builder {
    private final WalArchive archive;
    private final WorkerSettings settings = new WorkerSettings();

    private Builder(WalArchive archive) {
      this.archive = requireNonNull(archive, "archive is null");
    }

    /** Fetches at the same time, 1 to 64; default 4. */
    public Builder parallelism(int parallelism) {
      settings.parallelism(parallelism);
      return this;
    }

    /** Who hears about progress; default none. */
    public Builder listener(AsyncListener listener) {
      settings.listener(listener);
      return this;
    }

    /**
     * Attempts per file for transient errors (1 to 100; default 3), the first retry after {@code
     * delay} (default 1 s), doubling after each further failure.
     */
    public Builder retries(int attempts, Duration delay) {
      settings.retries(attempts, delay);
      return this;
    }

    /** Builds it; the threads start on first use. */
    public Prefetcher build() {
      return new Prefetcher(this);
    }
  }
}
