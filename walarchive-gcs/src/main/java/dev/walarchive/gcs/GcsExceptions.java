package dev.walarchive.gcs;

import com.google.cloud.storage.StorageException;
import dev.walarchive.core.WalArchiveException;
import dev.walarchive.core.WalArchiveException.Kind;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.spi.SecretScrubber;
import dev.walarchive.core.storage.spi.StorageErrors;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * The one place where Cloud Storage client errors become the {@link IOException}s of the storage
 * SPI: {@link java.nio.file.NoSuchFileException}, {@link java.nio.file.FileAlreadyExistsException}
 * and {@link ArchiveStorageException}. Messages name the operation and the object ({@code
 * gs://bucket/key}) and keep the service's reason, but never a credential or a resumable upload
 * URL.
 */
final class GcsExceptions {
  static final int NOT_FOUND = 404;
  static final int PRECONDITION_FAILED = 412;

  private static final SecretScrubber SCRUBBER = SecretScrubber.patternsOnly();

  private GcsExceptions() {}

  /**
   * Translates a failure of {@code operation} on {@code key} (relative to the storage root; a
   * prefix for listings) at {@code location}. The client's exception is kept as the cause, with any
   * credential or upload URL removed from its messages; a failure the service answered keeps its
   * HTTP status ({@link ArchiveStorageException#statusCode()}).
   *
   * @param operation what was attempted, e.g. {@code create}, {@code open}
   * @param location the object or prefix, as {@code gs://bucket/name}
   * @param failure a {@link StorageException} or an {@link IOException} from the client
   */
  static IOException translate(String operation, String key, String location, Exception failure) {
    StorageException se = storageException(failure);
    Throwable cause = SCRUBBER.scrubbed(failure);
    if (se == null) {
      if (failure instanceof InterruptedIOException e) {
        return e;
      }
      if (failure instanceof ArchiveStorageException e) {
        return e;
      }
      return new ArchiveStorageException(
          "GCS " + operation + " of " + location + " failed: " + describe(failure),
          failure instanceof IOException ? Kind.TRANSIENT : WalArchiveException.kindOf(failure),
          cause);
    }
    int code = se.getCode();
    if (code == NOT_FOUND && isMissingBucket(se)) {
      return new ArchiveStorageException(
          "GCS "
              + operation
              + " of "
              + location
              + " failed: the bucket does not exist; check the archive URL ("
              + detail(se)
              + ")",
          Kind.CONFIGURATION,
          code,
          null,
          cause);
    }
    if (code == NOT_FOUND) {
      return StorageErrors.notFound(key, location, cause);
    }
    if (code == PRECONDITION_FAILED && operation.equals("create")) {
      return StorageErrors.alreadyExists(
          key, location + " (ifGenerationMatch=0 failed: " + detail(se) + ")", cause);
    }
    return new ArchiveStorageException(
        "GCS " + operation + " of " + location + " failed: " + detail(se),
        isTransient(se) ? Kind.TRANSIENT : ArchiveStorageException.kindOfStatus(code),
        code,
        null,
        cause);
  }

  /**
   * Whether a 404 is about the bucket rather than the object: a misspelt bucket must not look like
   * an archive that lacks a segment (restore would end early).
   */
  private static boolean isMissingBucket(StorageException se) {
    String message = se.getMessage();
    return message != null && message.contains("bucket does not exist");
  }

  /** The HTTP status of a client failure, or 0 if it carries none. */
  static int code(Exception failure) {
    StorageException se = storageException(failure);
    return se == null ? 0 : se.getCode();
  }

  /** Whether a failure is one the client would retry (throttling, 5xx, I/O). */
  static boolean isTransient(Exception failure) {
    StorageException se = storageException(failure);
    if (se == null) {
      return failure instanceof IOException;
    }
    int code = se.getCode();
    return se.isRetryable() || code == 0 || code == 408 || code == 429 || code >= 500;
  }

  /** A short, credential-free description of a failure. */
  static String describe(Exception failure) {
    StorageException se = storageException(failure);
    if (se != null) {
      return detail(se);
    }
    return sanitize(failure.getClass().getSimpleName() + ": " + failure.getMessage());
  }

  private static String detail(StorageException se) {
    StringBuilder sb = new StringBuilder();
    if (se.getCode() > 0) {
      sb.append("HTTP ").append(se.getCode());
    } else {
      sb.append("no HTTP response");
    }
    if (se.getReason() != null) {
      sb.append(' ').append(se.getReason());
    }
    String message = se.getMessage();
    if (message == null && se.getCause() != null) {
      message = se.getCause().toString();
    }
    if (message != null && !message.isBlank()) {
      sb.append(": ").append(sanitize(message));
    }
    return sb.toString();
  }

  /** The first line of {@code message}, without credentials or upload URLs. */
  static String sanitize(String message) {
    return SCRUBBER.oneLine(message);
  }

  private static StorageException storageException(Throwable t) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (t instanceof StorageException se) {
        return se;
      }
    }
    return null;
  }
}
