package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * The base type of the failures walarchive raises itself: archive configuration and conflicts,
 * object format and integrity, storage failures ({@link
 * dev.walarchive.core.storage.ArchiveStorageException}), retention. Each carries a {@link Kind} an
 * embedder can act on and says whether trying again later may succeed ({@link #isRetryable()}).
 *
 * <p>Two failures keep their JDK types because the storage SPI promises them: a missing object is a
 * {@link NoSuchFileException} (for WAL files the subclass {@code WalFileNotFoundException}) and an
 * existing one on create a {@link FileAlreadyExistsException}. {@link #kindOf(Throwable)} and
 * {@link #isRetryable(Throwable)} classify those and any other exception too, so one place can
 * decide:
 *
 * <pre>{@code
 * try {
 *   archive.fetch(name, target);
 * } catch (IOException e) {
 *   switch (WalArchiveException.kindOf(e)) {
 *     case NOT_FOUND -> ... // not in the archive
 *     case TRANSIENT -> ... // try again later
 *     default -> throw e;
 *   }
 * }
 * }</pre>
 *
 * <p>Messages and {@code toString()} never hold a secret (keys, tokens, passwords).
 */
public class WalArchiveException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure it is, and so what a caller can do about it. */
  public enum Kind {
    /** The object or file does not exist. Not retryable. */
    NOT_FOUND,
    /**
     * Something else is already there: an object exists where one was to be created, or the archive
     * holds a different file under the name being pushed. Not retryable.
     */
    CONFLICT,
    /**
     * walarchive cannot work as configured: a wrong URL or missing bucket, missing credentials or
     * region, a key the archive does not know, an archive of another cluster. Fix the set-up.
     */
    CONFIGURATION,
    /** The store refused the credentials or they lack a permission. Fix the credentials. */
    PERMISSION,
    /**
     * The archived bytes are not what was written: corrupt, truncated, tampered with, or an object
     * of another file. Not retryable; the object must not be used.
     */
    INTEGRITY,
    /**
     * The caller's input is unusable: a file that is not the WAL file its name claims, content that
     * does not have its declared length, an invalid name. Not retryable with the same input.
     */
    INVALID_INPUT,
    /**
     * The store is unreachable, throttling or failing (5xx, timeouts, resets), after the backend's
     * own retries. Trying again later may succeed.
     */
    TRANSIENT,
    /** The thread was interrupted; the operation stopped part way. */
    INTERRUPTED,
    /** The storage (or archive) was closed before the call. */
    CLOSED,
    /** Anything else; not retryable. */
    OTHER
  }

  private final Kind kind;

  /**
   * @param message what went wrong and what to do; never a secret
   * @param kind what kind of failure it is
   */
  public WalArchiveException(String message, Kind kind) {
    super(message);
    this.kind = requireNonNull(kind, "kind is null");
  }

  /**
   * @param message what went wrong and what to do; never a secret
   * @param kind what kind of failure it is
   * @param cause the underlying failure (its messages must hold no secret either)
   */
  public WalArchiveException(String message, Kind kind, Throwable cause) {
    super(message, cause);
    this.kind = requireNonNull(kind, "kind is null");
  }

  /** What kind of failure this is. */
  public Kind kind() {
    return kind;
  }

  /** Whether trying the same operation again later may succeed: true for {@link Kind#TRANSIENT}. */
  public boolean isRetryable() {
    return kind() == Kind.TRANSIENT;
  }

  /**
   * The kind of any failure: a {@link WalArchiveException}'s own kind; {@link Kind#NOT_FOUND} for
   * {@link NoSuchFileException}, {@link Kind#CONFLICT} for {@link FileAlreadyExistsException},
   * {@link Kind#PERMISSION} for {@link AccessDeniedException}, {@link Kind#TRANSIENT} for socket
   * errors and timeouts, {@link Kind#INTERRUPTED} for other {@link InterruptedIOException}s, {@link
   * Kind#INVALID_INPUT} for {@link IllegalArgumentException}; otherwise the kind of the first
   * walarchive failure among its causes, or {@link Kind#OTHER}.
   */
  public static Kind kindOf(Throwable failure) {
    requireNonNull(failure, "failure is null");
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
      Kind kind = ownKind(t);
      if (kind != null) {
        return kind;
      }
      if (t != failure && !(t instanceof IOException) && !(t instanceof UncheckedIOException)) {
        break;
      }
    }
    return Kind.OTHER;
  }

  /**
   * Whether trying again later may succeed: {@link #kindOf(Throwable)} is {@link Kind#TRANSIENT}.
   */
  public static boolean isRetryable(Throwable failure) {
    return kindOf(failure) == Kind.TRANSIENT;
  }

  private static Kind ownKind(Throwable t) {
    if (t instanceof WalArchiveException w) {
      return w.kind();
    }
    if (t instanceof NoSuchFileException) {
      return Kind.NOT_FOUND;
    }
    if (t instanceof FileAlreadyExistsException) {
      return Kind.CONFLICT;
    }
    if (t instanceof AccessDeniedException) {
      return Kind.PERMISSION;
    }
    if (t instanceof SocketTimeoutException
        || t instanceof ConnectException
        || t instanceof SocketException) {
      return Kind.TRANSIENT;
    }
    if (t instanceof InterruptedIOException) {
      return Kind.INTERRUPTED;
    }
    if (t instanceof IllegalArgumentException) {
      return Kind.INVALID_INPUT;
    }
    return null;
  }
}
