package dev.walarchive.core.async;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.WalFileName;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The result of fetching one file.
 *
 * @param name the WAL file
 * @param file where it was (or would have been) written
 * @param status fetched, not in the archive, or failed
 * @param bytes bytes written when fetched, else 0
 * @param failure the error when failed, else null
 * @param elapsed time from the first attempt's start to the end
 */
public record FetchOutcome(
    WalFileName name, Path file, Status status, long bytes, Exception failure, Duration elapsed) {
  /** How a fetch ended. */
  public enum Status {
    /** Verified, fsynced and renamed into place at {@link FetchOutcome#file()}. */
    FETCHED,
    /** The archive does not hold the file (this is not cached anywhere). Nothing was written. */
    NOT_FOUND,
    /** Any other failure (integrity, key, storage); see {@link FetchOutcome#failure()}. */
    FAILED
  }

  public FetchOutcome {
    requireNonNull(name, "name is null");
    requireNonNull(file, "file is null");
    requireNonNull(status, "status is null");
    requireNonNull(elapsed, "elapsed is null");
    if ((status == Status.FAILED) != (failure != null)) {
      throw new IllegalArgumentException("failure must be set exactly when the status is FAILED");
    }
  }
}
