package dev.walarchive.s3;

import dev.walarchive.core.WalArchiveException.Kind;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.spi.ContentLengthException;
import dev.walarchive.core.storage.spi.SecretScrubber;
import dev.walarchive.core.storage.spi.StorageErrors;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The one place where AWS SDK exceptions become the {@link IOException}s of the storage SPI: {@link
 * java.nio.file.NoSuchFileException}, {@link java.nio.file.FileAlreadyExistsException} and {@link
 * ArchiveStorageException}. Each message names the operation, the key and the location, and the
 * store's answer; never a credential.
 */
final class S3Exceptions {
  static final int PRECONDITION_FAILED = 412;
  static final int CONFLICT = 409;

  private S3Exceptions() {}

  /**
   * Translates a failure of {@code operation} on {@code key} (relative to the storage root) whose
   * full location is {@code location} ({@code s3://bucket/objectKey}). The SDK's exception is kept
   * as the cause ({@code scrubber} removes any credential from its messages); a failure the store
   * answered keeps its HTTP status and request id ({@link ArchiveStorageException}).
   */
  static IOException translate(
      String operation, String key, String location, SdkException e, SecretScrubber scrubber) {
    IOException own = ownCause(e);
    if (own != null) {
      return own;
    }
    Throwable cause = scrubber.scrubbed(e);
    if (e instanceof S3Exception s3) {
      String code = errorCode(s3);
      int status = s3.statusCode();
      if (e instanceof NoSuchBucketException || "NoSuchBucket".equals(code)) {
        return new ArchiveStorageException(
            operation
                + " "
                + key
                + " failed: the bucket of "
                + location
                + " does not exist (check the archive URL, s3.endpoint and s3.region)",
            Kind.CONFIGURATION,
            status,
            s3.requestId(),
            cause);
      }
      if (e instanceof NoSuchKeyException || "NoSuchKey".equals(code) || status == 404) {
        return StorageErrors.notFound(key, location, cause);
      }
      if (status == PRECONDITION_FAILED) {
        return StorageErrors.alreadyExists(key, location, cause);
      }
      return new ArchiveStorageException(
          operation + " " + key + " (" + location + ") failed: " + describe(s3, scrubber),
          kind(status, code),
          status,
          s3.requestId(),
          cause);
    }
    String reason;
    if (e instanceof ApiCallTimeoutException) {
      reason = "timed out (s3.api-timeout): " + scrubber.oneLine(e.getMessage());
    } else if (e instanceof ApiCallAttemptTimeoutException) {
      reason = "an attempt timed out (s3.attempt-timeout): " + scrubber.oneLine(e.getMessage());
    } else if (e instanceof AbortedException) {
      InterruptedIOException interrupted =
          new InterruptedIOException(operation + " " + key + " (" + location + ") interrupted");
      interrupted.initCause(cause);
      return interrupted;
    } else {
      reason = scrubber.oneLine(e.getMessage());
    }
    // no answer from the store (connection refused or reset, timeouts) after the SDK's retries
    return new ArchiveStorageException(
        operation + " " + key + " (" + location + ") failed: " + reason, Kind.TRANSIENT, cause);
  }

  private static Kind kind(int status, String code) {
    if (status == 301
        || "PermanentRedirect".equals(code)
        || "AuthorizationHeaderMalformed".equals(code)
        || "IllegalLocationConstraintException".equals(code)) {
      return Kind.CONFIGURATION;
    }
    return ArchiveStorageException.kindOfStatus(status);
  }

  /** The store's reason for a per-key failure of DeleteObjects. */
  static String deleteError(String code, String message) {
    return (code == null ? "error" : code) + (message == null ? "" : ": " + message);
  }

  /** Whether the store reports a concurrent conditional write to the same key (retry it). */
  static boolean isConditionalConflict(SdkException e) {
    return e instanceof S3Exception s3
        && s3.statusCode() == CONFLICT
        && "ConditionalRequestConflict".equals(errorCode(s3));
  }

  /** Whether the store refused a conditional write because the object exists. */
  static boolean isPreconditionFailed(SdkException e) {
    return e instanceof S3Exception s3 && s3.statusCode() == PRECONDITION_FAILED;
  }

  /** Whether the store says the multipart upload does not exist (any more). */
  static boolean isNoSuchUpload(SdkException e) {
    return e instanceof S3Exception s3 && "NoSuchUpload".equals(errorCode(s3));
  }

  /** Whether the store says the object does not exist. */
  static boolean isNoSuchKey(SdkException e) {
    if (!(e instanceof S3Exception s3)) {
      return false;
    }
    String code = errorCode(s3);
    return e instanceof NoSuchKeyException
        || "NoSuchKey".equals(code)
        || (s3.statusCode() == 404 && !"NoSuchBucket".equals(code));
  }

  private static String describe(S3Exception e, SecretScrubber scrubber) {
    String code = errorCode(e);
    String message =
        Optional.ofNullable(e.awsErrorDetails())
            .map(AwsErrorDetails::errorMessage)
            .map(scrubber::oneLine)
            .orElse(null);
    StringBuilder sb = new StringBuilder("HTTP ").append(e.statusCode());
    if (code != null) {
      sb.append(' ').append(code);
    }
    if (message != null && !message.isBlank()) {
      sb.append(": ").append(message);
    }
    if (e.requestId() != null) {
      sb.append(" (request id ").append(e.requestId()).append(')');
    }
    String hint = hint(e.statusCode(), code);
    if (hint != null) {
      sb.append("; ").append(hint);
    }
    return sb.toString();
  }

  private static String hint(int status, String code) {
    if (code == null) {
      code = "";
    }
    if (List.of("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken")
        .contains(code)) {
      return "the store rejected the credentials: check s3.access-key-id/s3.secret-access-key,"
          + " s3.profile or the AWS environment";
    }
    if (status == 403 || code.equals("AccessDenied")) {
      return "the credentials lack a permission for this request (walarchive needs"
          + " s3:PutObject, s3:GetObject and s3:ListBucket on the archive prefix,"
          + " s3:DeleteObject to apply retention, s3:AbortMultipartUpload for large objects)";
    }
    if (status == 301
        || code.equals("PermanentRedirect")
        || code.equals("AuthorizationHeaderMalformed")
        || code.equals("IllegalLocationConstraintException")) {
      return "the bucket is in another region: set s3.region to the bucket's region";
    }
    if (status == 501 || code.equals("NotImplemented")) {
      return "the store does not implement this request";
    }
    return null;
  }

  private static String errorCode(S3Exception e) {
    AwsErrorDetails details = e.awsErrorDetails();
    return details == null ? null : details.errorCode();
  }

  /** An IOException of ours (content length mismatch) carried through the SDK. */
  static IOException ownCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof S3UploadBody.ContentMismatchException mismatch) {
        return mismatch.exception();
      }
      if (t instanceof ContentLengthException own) {
        return own;
      }
    }
    return null;
  }
}
