package dev.walarchive.core.async;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.wal.WalFileName;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

/**
 * Pushes the WAL files PostgreSQL has marked ready for archiving, in parallel, oldest first.
 *
 * <pre>{@code
 * try (PushAhead pushAhead = PushAhead.builder(archive).parallelism(4).build()) {
 *   for (PushOutcome o : pushAhead.pushReady(Path.of("/var/lib/postgresql/15/main"))) {
 *     if (!o.succeeded()) System.err.println(o.name() + ": " + o.failure().getMessage());
 *   }
 * }
 * }</pre>
 *
 * <p>A push goes through {@link WalArchive#push}, so it validates the file and its header, never
 * overwrites, and succeeds only once the object is durable. This class never writes to {@code
 * archive_status} and never deletes WAL: a file is marked done only by PostgreSQL, after its own
 * {@code archive_command} succeeded. Transient storage errors are retried with exponential
 * back-off; a bad file, a conflict or a cluster mismatch fails at once.
 *
 * <p>Instances are thread safe. Closing stops the threads (waiting for pushes under way).
 */
public final class PushAhead implements AutoCloseable {
  private final WalArchive archive;
  private final ExecutorService pool;
  private final AsyncListener listener;
  private final Retries retries;

  private PushAhead(Builder b) {
    this.archive = b.archive;
    this.listener = b.settings.listener();
    this.retries = b.settings.retries();
    this.pool = b.settings.pool("walarchive-push");
  }

  /** Starts configuring push-ahead on {@code archive} (which the caller keeps and closes). */
  public static Builder builder(WalArchive archive) {
    return new Builder(archive);
  }

  /**
   * The files of {@code dataDirectory} that PostgreSQL has marked ready ({@code
   * pg_wal/archive_status/<name>.ready}) and that still exist, in the order PostgreSQL's archiver
   * would take them: timeline history files first, then by name (oldest first).
   *
   * @throws NoSuchFileException if {@code dataDirectory/pg_wal/archive_status} does not exist
   */
  public static List<Path> readyFiles(Path dataDirectory) throws IOException {
    Path walDir = dataDirectory.resolve("pg_wal");
    Path status = walDir.resolve("archive_status");
    if (!Files.isDirectory(status)) {
      throw new NoSuchFileException(
          status.toString(), null, "not a PostgreSQL data directory (no pg_wal/archive_status)");
    }
    List<WalFileName> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(status, "*.ready")) {
      for (Path p : ds) {
        String f = p.getFileName().toString();
        String name = f.substring(0, f.length() - ".ready".length());
        try {
          names.add(WalFileName.parse(name));
        } catch (IllegalArgumentException e) {
          // not a WAL file name: PostgreSQL never writes such a marker; leave it alone
        }
      }
    }
    names.sort(
        Comparator.comparing((WalFileName n) -> n.kind() != WalFileName.Kind.TIMELINE_HISTORY)
            .thenComparing(Comparator.naturalOrder()));
    List<Path> files = new ArrayList<>();
    for (WalFileName n : names) {
      Path file = walDir.resolve(n.name());
      if (Files.exists(file)) {
        files.add(file);
      }
    }
    return files;
  }

  /**
   * Pushes every ready file of {@code dataDirectory} (see {@link #readyFiles}) and waits for all of
   * them; returns one outcome per file, in the order of {@link #readyFiles}. Failures are in the
   * outcomes, not thrown.
   *
   * @throws IOException if the ready files cannot be listed
   * @throws InterruptedException if interrupted while waiting (pushes under way continue)
   */
  public List<PushOutcome> pushReady(Path dataDirectory) throws IOException, InterruptedException {
    List<CompletableFuture<PushOutcome>> futures = new ArrayList<>();
    for (Path file : readyFiles(dataDirectory)) {
      futures.add(submit(file));
    }
    List<PushOutcome> outcomes = new ArrayList<>();
    for (CompletableFuture<PushOutcome> f : futures) {
      try {
        outcomes.add(f.get());
      } catch (ExecutionException e) {
        throw new IllegalStateException("push task failed unexpectedly", e.getCause());
      }
    }
    return outcomes;
  }

  /**
   * Queues a push of {@code file}; the future completes with its outcome (never exceptionally).
   *
   * @throws IllegalArgumentException if the file name is not a WAL file name
   */
  public CompletableFuture<PushOutcome> submit(Path file) {
    requireNonNull(file, "file is null");
    Path fileName = file.getFileName();
    if (fileName == null) {
      throw new IllegalArgumentException("'" + file + "' has no file name");
    }
    WalFileName name = WalFileName.parse(fileName.toString());
    return CompletableFuture.supplyAsync(() -> pushNow(name, file), pool);
  }

  private PushOutcome pushNow(WalFileName name, Path file) {
    long start = System.nanoTime();
    Retries.safely(() -> listener.started(name));
    int[] tries = {0};
    PushOutcome outcome;
    try {
      PushResult result = retries.run(name, tries, () -> archive.push(file));
      outcome = new PushOutcome(name, file, result, null, tries[0], since(start));
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      outcome = new PushOutcome(name, file, null, e, tries[0], since(start));
    }
    PushOutcome done = outcome;
    Retries.safely(() -> listener.pushed(done));
    return done;
  }

  static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Stops accepting work and waits up to a minute for pushes under way. */
  @Override
  public void close() {
    WorkerSettings.shutDown(pool);
  }

  /** Configuration of {@link PushAhead}; every setter validates at once. */
  public static final class Builder {
    private final WalArchive archive;
    private final WorkerSettings settings = new WorkerSettings();

    private Builder(WalArchive archive) {
      this.archive = requireNonNull(archive, "archive is null");
    }

    /** Pushes at the same time, 1 to 64; default 4. */
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
    public PushAhead build() {
      return new PushAhead(this);
    }
  }
}
