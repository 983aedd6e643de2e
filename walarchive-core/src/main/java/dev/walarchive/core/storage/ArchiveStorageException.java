package dev.walarchive.core.storage;

import dev.walarchive.core.WalArchiveException;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A storage operation failed for a reason other than a missing object ({@link
 * java.nio.file.NoSuchFileException}) or an existing one on create ({@link
 * java.nio.file.FileAlreadyExistsException}): the store refused or failed the request, could not be
 * reached, or the storage cannot work as configured. Thrown by every backend, after its own retries
 * of transient failures.
 *
 * <p>For a failure the store answered, {@link #statusCode()} is its HTTP status and {@link
 * #requestId()} the request id the store gave (what its operators ask for); both are also in the
 * message. Neither the message, the causes nor {@code toString()} hold a credential.
 */
public class ArchiveStorageException extends WalArchiveException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;
  private final String requestId;

  /**
   * @param message what failed (operation, key, location) and the store's answer; never a secret
   * @param kind what kind of failure it is
   * @param cause the underlying failure, or null
   */
  public ArchiveStorageException(String message, Kind kind, Throwable cause) {
    this(message, kind, 0, null, cause);
  }

  /**
   * @param message what failed (operation, key, location) and the store's answer; never a secret
   * @param kind what kind of failure it is
   * @param statusCode the store's HTTP status, or 0 if there was no answer
   * @param requestId the store's request id, or null if unknown
   * @param cause the underlying failure, or null
   */
  public ArchiveStorageException(
      String message, Kind kind, int statusCode, String requestId, Throwable cause) {
    super(message, kind, cause);
    if (statusCode < 0) {
      throw new IllegalArgumentException("statusCode is negative: " + statusCode);
    }
    this.statusCode = statusCode;
    this.requestId = requestId == null || requestId.isBlank() ? null : requestId;
  }

  /** The store's HTTP status, if it answered. */
  public OptionalInt statusCode() {
    return statusCode == 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
  }

  /** The request id the store gave its answer, if known. */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /**
   * The kind of a failure the store answered with HTTP {@code status} (0: no answer, e.g. a reset
   * connection or a timeout): 401/403 {@link Kind#PERMISSION}, 404 {@link Kind#NOT_FOUND}, 409/412
   * {@link Kind#CONFLICT}, 0, 408, 429 and 5xx (but 501) {@link Kind#TRANSIENT}, else {@link
   * Kind#OTHER}.
   */
  public static Kind kindOfStatus(int status) {
    if (status == 401 || status == 403) {
      return Kind.PERMISSION;
    }
    if (status == 404) {
      return Kind.NOT_FOUND;
    }
    if (status == 409 || status == 412) {
      return Kind.CONFLICT;
    }
    if (status == 0 || status == 408 || status == 429 || (status >= 500 && status != 501)) {
      return Kind.TRANSIENT;
    }
    return Kind.OTHER;
  }
}
