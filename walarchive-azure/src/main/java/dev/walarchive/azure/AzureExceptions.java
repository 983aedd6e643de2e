package dev.walarchive.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import dev.walarchive.core.WalArchiveException;
import dev.walarchive.core.WalArchiveException.Kind;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.spi.SecretScrubber;
import dev.walarchive.core.storage.spi.StorageErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where Azure SDK errors become the {@link IOException}s of the storage SPI: a
 * missing blob is {@link java.nio.file.NoSuchFileException}, an existing one on create (409 {@code
 * BlobAlreadyExists} or 412) is {@link java.nio.file.FileAlreadyExistsException}, both with the
 * SDK's exception as cause; everything else is an {@link ArchiveStorageException} naming the
 * operation, the key, the HTTP status, the service's error code and request id.
 *
 * <p>No credential ever leaves through here: SDK messages can quote request URLs, and a SAS token
 * travels in the URL. Every message is scrubbed of the configured secrets and of anything that
 * looks like a signature or key, and a cause chain that contains such text is replaced by a
 * scrubbed copy.
 */
final class AzureExceptions {
  private static final String REQUEST_ID = "x-ms-request-id";

  private final String location;
  private final SecretScrubber scrubber;

  /**
   * @param location the storage location for messages, e.g. {@code az://acct/container/prefix}
   * @param secrets literal secret values (keys, tokens, their parts) to scrub wherever they appear
   */
  AzureExceptions(String location, Set<String> secrets) {
    this.location = location;
    this.scrubber = SecretScrubber.of(secrets);
  }

  /** Secrets of a configuration to scrub: the credential and its parts. */
  static Set<String> secretsOf(AzureStorageConfig config) {
    Set<String> secrets = new java.util.HashSet<>();
    if (config.accountKey() != null) {
      secrets.add(config.accountKey());
    }
    if (config.sasToken() != null) {
      addSasParts(secrets, config.sasToken());
    }
    if (config.connectionString() != null) {
      secrets.add(config.connectionString());
      AzureStorageConfig.connectionStringParts(config.connectionString())
          .forEach(
              (name, value) -> {
                if (name.equals("accountkey")) {
                  secrets.add(value);
                } else if (name.equals("sharedaccesssignature")) {
                  addSasParts(secrets, value);
                }
              });
    }
    return secrets;
  }

  private static void addSasParts(Set<String> secrets, String sas) {
    String token = sas.startsWith("?") ? sas.substring(1) : sas;
    secrets.add(token);
    for (String pair : token.split("&")) {
      if (pair.startsWith("sig=")) {
        String sig = pair.substring(4);
        secrets.add(sig);
        secrets.add(java.net.URLDecoder.decode(sig, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  String location() {
    return location;
  }

  /**
   * Translates an exception thrown by the SDK while doing {@code operation} (e.g. "create") on
   * {@code key} (null for container-wide operations).
   */
  IOException translate(String operation, String key, Throwable e) {
    Throwable cause = unwrap(e);
    Throwable safeCause = sanitize(cause);
    if (cause instanceof BlobStorageException bse) {
      int status = bse.getStatusCode();
      BlobErrorCode code = bse.getErrorCode();
      String requestId = requestId(bse);
      if (key != null && status == 404 && BlobErrorCode.BLOB_NOT_FOUND.equals(code)) {
        return StorageErrors.notFound(key, location + "/" + key, safeCause);
      }
      if (key != null
          && (status == 412 || (status == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code)))) {
        return StorageErrors.alreadyExists(key, location + "/" + key, safeCause);
      }
      String what = describe(bse);
      if (status == 404 && BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
        return new ArchiveStorageException(
            "Azure "
                + operation
                + subject(key)
                + " failed: the container of "
                + location
                + " does not exist; create it (e.g. az storage container create) or fix the"
                + " archive URL ("
                + what
                + ")",
            Kind.CONFIGURATION,
            status,
            requestId,
            safeCause);
      }
      if (status == 401 || status == 403) {
        return new ArchiveStorageException(
            "Azure "
                + operation
                + subject(key)
                + " was refused ("
                + what
                + "); check the credential (azure.account-key, azure.sas-token or"
                + " azure.connection-string), its expiry and its permissions on "
                + location,
            Kind.PERMISSION,
            status,
            requestId,
            safeCause);
      }
      return new ArchiveStorageException(
          "Azure " + operation + subject(key) + " failed: " + what,
          ArchiveStorageException.kindOfStatus(status),
          status,
          requestId,
          safeCause);
    }
    if (cause instanceof HttpResponseException hre) {
      int status = hre.getResponse() == null ? 0 : hre.getResponse().getStatusCode();
      return new ArchiveStorageException(
          "Azure "
              + operation
              + subject(key)
              + " failed: HTTP "
              + (status == 0 ? "?" : String.valueOf(status))
              + ": "
              + scrubber.oneLine(hre.getMessage()),
          ArchiveStorageException.kindOfStatus(status),
          status,
          hre.getResponse() == null ? null : hre.getResponse().getHeaderValue(REQUEST_ID),
          safeCause);
    }
    if (cause instanceof IOException own && !(cause instanceof UncheckedIOException)) {
      Kind kind = WalArchiveException.kindOf(own);
      if (kind == Kind.INTERRUPTED || own instanceof WalArchiveException) {
        return own;
      }
    }
    return new ArchiveStorageException(
        "Azure "
            + operation
            + subject(key)
            + " failed: "
            + scrubber.oneLine(String.valueOf(cause))
            + "; check the endpoint ("
            + location
            + ") and the network",
        cause instanceof RuntimeException && !(cause.getCause() instanceof IOException)
            ? WalArchiveException.kindOf(cause)
            : Kind.TRANSIENT,
        safeCause);
  }

  private static String requestId(BlobStorageException e) {
    return e.getResponse() == null ? null : e.getResponse().getHeaderValue(REQUEST_ID);
  }

  /** A short reason for one key's failure in a batch, e.g. "HTTP 409 LeaseIdMissing: ...". */
  String reason(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof BlobStorageException bse) {
      return describe(bse);
    }
    return scrubber.oneLine(String.valueOf(cause));
  }

  private String describe(BlobStorageException e) {
    String message = e.getServiceMessage();
    String requestId = requestId(e);
    return "HTTP "
        + e.getStatusCode()
        + (e.getErrorCode() == null ? "" : " " + e.getErrorCode())
        + (message == null || message.isBlank() ? "" : ": " + scrubber.oneLine(message))
        + (requestId == null ? "" : " (request id " + requestId + ")");
  }

  private String subject(String key) {
    return key == null ? " in " + location : " of '" + key + "' in " + location;
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null
        && t != t.getCause()
        && (t instanceof UncheckedIOException
            || t instanceof CompletionException
            || t instanceof ExecutionException
            || t.getClass().getName().equals("reactor.core.Exceptions$ReactiveException"))) {
      t = t.getCause();
    }
    return t;
  }

  /** {@code text} with every secret and anything that looks like one replaced. */
  String scrub(String text) {
    return scrubber.scrub(text);
  }

  /**
   * {@code e} itself if no message in its chain (causes and suppressed) needs scrubbing, otherwise
   * a copy of the chain with scrubbed messages and the original stack traces.
   */
  Throwable sanitize(Throwable e) {
    return scrubber.scrubbed(e);
  }
}
