package dev.walarchive.gcs;

import com.google.cloud.storage.StorageException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;

/**
 * The one place where Cloud Storage client errors become the {@link IOException}s of the storage
 * SPI. Messages name the operation and the object ({@code gs://bucket/key}) and keep the service's
 * reason, but never a credential or a resumable upload URL.
 */
final class GcsExceptions {
  static final int NOT_FOUND = 404;
  static final int PRECONDITION_FAILED = 412;

  private static final Pattern UPLOAD_ID = Pattern.compile("upload_id=[^&\\s\"]+");
  private static final Pattern BEARER = Pattern.compile("(?i)bearer\\s+[A-Za-z0-9._~+/=-]+");
  private static final int MAX_DETAIL = 300;

  private GcsExceptions() {}

  /** The object is missing: the SPI's {@link NoSuchFileException}. */
  static NoSuchFileException noSuchObject(String location) {
    return new NoSuchFileException(location, null, "no such object");
  }

  /**
   * Translates a failure of {@code operation} on {@code location}.
   *
   * @param operation what was attempted, e.g. {@code create}, {@code open}
   * @param location the object or prefix, as {@code gs://bucket/name}
   * @param failure a {@link StorageException} or an {@link IOException} from the client
   */
  static IOException translate(String operation, String location, Exception failure) {
    StorageException se = storageException(failure);
    if (se == null) {
      if (failure instanceof InterruptedIOException e) {
        return e;
      }
      IOException e =
          new IOException(
              "GCS " + operation + " of " + location + " failed: " + describe(failure),
              safeCause(failure));
      return e;
    }
    int code = se.getCode();
    if (code == NOT_FOUND && isMissingBucket(se)) {
      return new IOException(
          "GCS "
              + operation
              + " of "
              + location
              + " failed: the bucket does not exist; check the archive URL ("
              + detail(se)
              + ")",
          safeCause(failure));
    }
    if (code == NOT_FOUND) {
      NoSuchFileException e =
          new NoSuchFileException(location, null, "no such object (" + detail(se) + ")");
      e.initCause(safeCause(failure));
      return e;
    }
    if (code == PRECONDITION_FAILED && operation.equals("create")) {
      FileAlreadyExistsException e =
          new FileAlreadyExistsException(
              location,
              null,
              "object already exists (ifGenerationMatch=0 failed: " + detail(se) + ")");
      e.initCause(safeCause(failure));
      return e;
    }
    return new IOException(
        "GCS " + operation + " of " + location + " failed: " + detail(se), safeCause(failure));
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

  static String sanitize(String message) {
    if (message == null) {
      return "";
    }
    String s = message.strip();
    int newline = s.indexOf('\n');
    if (newline >= 0) {
      s = s.substring(0, newline).strip();
    }
    s = UPLOAD_ID.matcher(s).replaceAll("upload_id=***");
    s = BEARER.matcher(s).replaceAll("Bearer ***");
    if (s.length() > MAX_DETAIL) {
      s = s.substring(0, MAX_DETAIL) + "...";
    }
    return s;
  }

  /**
   * The failure itself, or, if a message in its cause chain holds a resumable upload URL (which
   * works like a bearer token for that upload), a copy of the chain with the upload ids masked.
   */
  static Throwable safeCause(Throwable failure) {
    boolean leaks = false;
    for (Throwable t = failure; t != null && !leaks; t = t.getCause()) {
      leaks = t.getMessage() != null && UPLOAD_ID.matcher(t.getMessage()).find();
    }
    return leaks ? maskedCopy(failure, 0) : failure;
  }

  private static Throwable maskedCopy(Throwable t, int depth) {
    String text = t.getMessage() == null ? "" : ": " + t.getMessage();
    IOException copy =
        new IOException(
            t.getClass().getName() + UPLOAD_ID.matcher(text).replaceAll("upload_id=***"));
    copy.setStackTrace(t.getStackTrace());
    if (t.getCause() != null && t.getCause() != t && depth < 10) {
      copy.initCause(maskedCopy(t.getCause(), depth + 1));
    }
    return copy;
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
