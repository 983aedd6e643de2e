package dev.walarchive.core.async;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.wal.WalFileName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The result of pushing one file: exactly one of {@code result} (durable in the archive) and {@code
 * failure} is set.
 *
 * @param name the WAL file
 * @param file the local file that was pushed
 * @param result what {@link dev.walarchive.core.WalArchive#push} returned, or null on failure
 * @param failure why the push failed (the exception {@code WalArchive.push} threw after the last
 *     attempt), or null on success
 * @param attempts how many attempts were made (1 unless transient errors were retried)
 * @param elapsed time from the first attempt's start to the end
 */
public record PushOutcome(
    WalFileName name,
    Path file,
    PushResult result,
    Exception failure,
    int attempts,
    Duration elapsed) {
  public PushOutcome {
    requireNonNull(name, "name is null");
    requireNonNull(file, "file is null");
    requireNonNull(elapsed, "elapsed is null");
    if ((result == null) == (failure == null)) {
      throw new IllegalArgumentException("exactly one of result and failure must be set");
    }
  }

  /** Whether the file is durable in the archive (written now or already there, identical). */
  public boolean succeeded() {
    return result != null;
  }

  /** The push result, if it succeeded. */
  public Optional<PushResult> pushResult() {
    return Optional.ofNullable(result);
  }
}
