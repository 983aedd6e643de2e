package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.WalFileName;
import java.time.Duration;

/**
 * One archived file that a {@code WalArchive} pushed, fetched, deleted or verified, as its {@link
 * WalArchiveListener} hears of it.
 *
 * @param archive the archive's name ({@code WalArchive.Builder.name}; by default its storage's
 *     location, such as {@code s3://bucket/prefix}): a label for metrics
 * @param operation what was done
 * @param file the archived file
 * @param bytes the file's size: plaintext bytes pushed, fetched or verified; stored bytes freed by
 *     a delete; 0 for a failure
 * @param duration how long the operation took; for a delete, the whole batch's storage call
 */
public record ArchiveEvent(
    String archive, Operation operation, WalFileName file, long bytes, Duration duration) {

  /** What a {@code WalArchive} did with a file. */
  public enum Operation {
    /** {@code WalArchive.push} (archive_command). */
    PUSH,
    /** {@code WalArchive.fetch} (restore_command). */
    FETCH,
    /** A delete of {@code WalArchive.applyRetention}. */
    DELETE,
    /** {@code WalArchive.verifyObject}, also for each object {@code WalArchive.verify} checks. */
    VERIFY
  }

  /** Checks that no component is null and {@code bytes} is not negative. */
  public ArchiveEvent {
    requireNonNull(archive, "archive is null");
    requireNonNull(operation, "operation is null");
    requireNonNull(file, "file is null");
    requireNonNull(duration, "duration is null");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes is negative: " + bytes);
    }
  }
}
