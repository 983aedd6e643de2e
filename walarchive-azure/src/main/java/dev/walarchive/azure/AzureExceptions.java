package dev.walarchive.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * The one place where Azure SDK errors become the {@link IOException}s of the storage SPI: a
 * missing blob is {@link NoSuchFileException}, an existing one on create (409 {@code
 * BlobAlreadyExists} or 412) is {@link FileAlreadyExistsException}; everything else is an {@link
 * IOException} naming the operation, the key, the HTTP status and the service's error code.
 *
 * <p>No credential ever leaves through here: SDK messages can quote request URLs, and a SAS token
 * travels in the URL. Every message is scrubbed of the configured secrets and of anything that
 * looks like a signature or key, and a cause chain that contains such text is replaced by a
 * scrubbed copy.
 */
final class AzureExceptions {
  private static final Pattern SIGNATURE = Pattern.compile("(?i)\\b(sig|signature)=[^&\\s\"'<>;]+");
  private static final Pattern CONNECTION_STRING_SECRET =
      Pattern.compile("(?i)\\b(AccountKey|SharedAccessSignature)=[^;\\s\"'<>]+");
  private static final Pattern SHARED_KEY_HEADER =
      Pattern.compile("(?i)\\b(SharedKey(?:Lite)?\\s+[^:\\s]+:)[A-Za-z0-9+/=]+");
  private static final String REDACTED = "REDACTED";

  private final String location;
  private final List<String> secrets;

  /**
   * @param location the storage location for messages, e.g. {@code az://acct/container/prefix}
   * @param secrets literal secret values (keys, tokens, their parts) to scrub wherever they appear
   */
  AzureExceptions(String location, Set<String> secrets) {
    this.location = location;
    List<String> s = new ArrayList<>();
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 4) {
        s.add(secret);
      }
    }
    // longest first, so that a secret containing another is removed whole
    s.sort((a, b) -> Integer.compare(b.length(), a.length()));
    this.secrets = List.copyOf(s);
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
      if (key != null && status == 404 && BlobErrorCode.BLOB_NOT_FOUND.equals(code)) {
        return new NoSuchFileException(key, null, "no such object in " + location);
      }
      if (key != null
          && (status == 412 || (status == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code)))) {
        return new FileAlreadyExistsException(key, null, "object already exists in " + location);
      }
      String what = describe(bse);
      if (status == 404 && BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
        return new IOException(
            "Azure "
                + operation
                + subject(key)
                + " failed: the container of "
                + location
                + " does not exist; create it (e.g. az storage container create) or fix the"
                + " archive URL ("
                + what
                + ")",
            safeCause);
      }
      if (status == 401 || status == 403) {
        return new IOException(
            "Azure "
                + operation
                + subject(key)
                + " was refused ("
                + what
                + "); check the credential (azure.account-key, azure.sas-token or"
                + " azure.connection-string), its expiry and its permissions on "
                + location,
            safeCause);
      }
      return new IOException("Azure " + operation + subject(key) + " failed: " + what, safeCause);
    }
    if (cause instanceof HttpResponseException hre) {
      return new IOException(
          "Azure "
              + operation
              + subject(key)
              + " failed: HTTP "
              + (hre.getResponse() == null ? "?" : hre.getResponse().getStatusCode())
              + ": "
              + firstLine(scrub(hre.getMessage())),
          safeCause);
    }
    return new IOException(
        "Azure "
            + operation
            + subject(key)
            + " failed: "
            + firstLine(scrub(String.valueOf(cause)))
            + "; check the endpoint ("
            + location
            + ") and the network",
        safeCause);
  }

  /** A short reason for one key's failure in a batch, e.g. "HTTP 409 LeaseIdMissing: ...". */
  String reason(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof BlobStorageException bse) {
      return describe(bse);
    }
    return firstLine(scrub(String.valueOf(cause)));
  }

  private String describe(BlobStorageException e) {
    String message = e.getServiceMessage();
    return "HTTP "
        + e.getStatusCode()
        + (e.getErrorCode() == null ? "" : " " + e.getErrorCode())
        + (message == null || message.isBlank() ? "" : ": " + firstLine(scrub(message)));
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

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    String line = nl < 0 ? t : t.substring(0, nl).strip();
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  /** {@code text} with every secret and anything that looks like one replaced. */
  String scrub(String text) {
    if (text == null) {
      return null;
    }
    String s = text;
    for (String secret : secrets) {
      s = s.replace(secret, REDACTED);
    }
    s = SIGNATURE.matcher(s).replaceAll("$1=" + REDACTED);
    s = CONNECTION_STRING_SECRET.matcher(s).replaceAll("$1=" + REDACTED);
    s = SHARED_KEY_HEADER.matcher(s).replaceAll("$1" + REDACTED);
    return s;
  }

  /**
   * {@code e} itself if no message in its chain (causes and suppressed) needs scrubbing, otherwise
   * a copy of the chain with scrubbed messages and the original stack traces.
   */
  Throwable sanitize(Throwable e) {
    if (e == null || isClean(e, Collections.newSetFromMap(new IdentityHashMap<>()))) {
      return e;
    }
    return copy(e, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  private boolean isClean(Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return true;
    }
    String m = t.getMessage();
    if (m != null && !m.equals(scrub(m))) {
      return false;
    }
    for (Throwable s : t.getSuppressed()) {
      if (!isClean(s, seen)) {
        return false;
      }
    }
    return isClean(t.getCause(), seen);
  }

  private Throwable copy(Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return null;
    }
    ScrubbedException copy =
        new ScrubbedException(t.getClass().getName() + ": " + scrub(t.getMessage()));
    copy.setStackTrace(t.getStackTrace());
    Throwable cause = copy(t.getCause(), seen);
    if (cause != null) {
      copy.initCause(cause);
    }
    return copy;
  }

  /** Stands in for an SDK exception whose message held a secret; names the original class. */
  static final class ScrubbedException extends Exception {
    private static final long serialVersionUID = 1L;

    ScrubbedException(String message) {
      super(message);
    }
  }
}
