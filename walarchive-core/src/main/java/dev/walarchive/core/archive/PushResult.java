package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.format.Digest;
import dev.walarchive.core.wal.WalFileName;

/**
 * What {@link dev.walarchive.core.WalArchive#push} did.
 *
 * @param fileName the archived file
 * @param outcome whether the object was written now or was already there with the same content
 * @param plaintextLength bytes of the local file
 * @param storedLength bytes stored (after compression and encryption); for {@link
 *     Outcome#ALREADY_ARCHIVED}, the size of the existing object
 * @param digest the content digest recorded in the object
 */
public record PushResult(
    WalFileName fileName, Outcome outcome, long plaintextLength, long storedLength, Digest digest) {
  /** Whether push wrote an object. */
  public enum Outcome {
    /** A new object was written and is durable. */
    ARCHIVED,
    /** An object with identical content already existed (a normal re-push after a crash). */
    ALREADY_ARCHIVED
  }

  public PushResult {
    requireNonNull(fileName, "fileName is null");
    requireNonNull(outcome, "outcome is null");
    requireNonNull(digest, "digest is null");
  }
}
