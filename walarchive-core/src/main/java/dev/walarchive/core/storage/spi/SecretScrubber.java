package dev.walarchive.core.storage.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Removes credentials from text before it leaves a backend in a message or a cause: the literal
 * secrets of the configuration (keys, tokens, their parts), and anything that looks like one
 * whatever the store: URL signatures and tokens ({@code sig=}, {@code X-Amz-Signature=}, {@code
 * X-Amz-Security-Token=}, {@code upload_id=}, ...), connection-string keys ({@code AccountKey=}),
 * {@code SharedKey} and {@code Bearer} authorisations. Each is replaced by {@value #REDACTED}. For
 * backend authors; immutable and thread safe.
 */
public final class SecretScrubber {
  /** What stands in for a removed secret. */
  public static final String REDACTED = "REDACTED";

  private static final Pattern URL_SECRET =
      Pattern.compile(
          "(?i)\\b(sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential"
              + "|upload_id|access_token|token)=[^&\\s\"'<>;,]+");
  private static final Pattern CONNECTION_STRING_SECRET =
      Pattern.compile("(?i)\\b(AccountKey|SharedAccessSignature)=[^;\\s\"'<>]+");
  private static final Pattern SHARED_KEY =
      Pattern.compile("(?i)\\b(SharedKey(?:Lite)?\\s+[^:\\s]+:)[A-Za-z0-9+/=]+");
  private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer\\s+)[A-Za-z0-9._~+/=-]+");
  private static final int MAX_LINE = 300;
  private static final int MAX_DEPTH = 20;

  private static final SecretScrubber PATTERNS_ONLY = new SecretScrubber(List.of());

  private final List<String> secrets;

  private SecretScrubber(List<String> secrets) {
    this.secrets = secrets;
  }

  /** A scrubber of the patterns alone, for a storage that holds no secret of its own. */
  public static SecretScrubber patternsOnly() {
    return PATTERNS_ONLY;
  }

  /**
   * A scrubber of the patterns and of each literal secret in {@code secrets} (nulls and values
   * shorter than 4 characters are ignored; a longer secret containing a shorter one goes whole).
   */
  public static SecretScrubber of(Collection<String> secrets) {
    List<String> s = new ArrayList<>();
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 4 && !s.contains(secret)) {
        s.add(secret);
      }
    }
    s.sort((a, b) -> Integer.compare(b.length(), a.length()));
    return new SecretScrubber(List.copyOf(s));
  }

  /**
   * {@code text} with every secret and everything that looks like one replaced; null stays null.
   */
  public String scrub(String text) {
    if (text == null) {
      return null;
    }
    String s = text;
    for (String secret : secrets) {
      s = s.replace(secret, REDACTED);
    }
    s = URL_SECRET.matcher(s).replaceAll("$1=" + REDACTED);
    s = CONNECTION_STRING_SECRET.matcher(s).replaceAll("$1=" + REDACTED);
    s = SHARED_KEY.matcher(s).replaceAll("$1" + REDACTED);
    s = BEARER.matcher(s).replaceAll("$1" + REDACTED);
    return s;
  }

  /** The first line of the scrubbed {@code text}, at most 300 characters; "" for null. */
  public String oneLine(String text) {
    if (text == null) {
      return "";
    }
    String t = scrub(text).strip();
    int nl = t.indexOf('\n');
    String line = nl < 0 ? t : t.substring(0, nl).strip();
    return line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "..." : line;
  }

  /**
   * {@code failure} itself if no message in its chain (causes and suppressed) holds a secret;
   * otherwise a copy of the chain of {@link ScrubbedException}s with scrubbed messages, each naming
   * the original class and keeping its stack trace. Never drops the cause: the result is what to
   * pass on as the cause of a translated exception.
   */
  public Throwable scrubbed(Throwable failure) {
    if (failure == null || isClean(failure, Collections.newSetFromMap(new IdentityHashMap<>()))) {
      return failure;
    }
    return copy(failure, Collections.newSetFromMap(new IdentityHashMap<>()), 0);
  }

  private boolean isClean(Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t) || seen.size() > MAX_DEPTH * 4) {
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

  private Throwable copy(Throwable t, Set<Throwable> seen, int depth) {
    if (t == null || !seen.add(t) || depth > MAX_DEPTH) {
      return null;
    }
    ScrubbedException copy =
        new ScrubbedException(
            t.getClass().getName() + (t.getMessage() == null ? "" : ": " + scrub(t.getMessage())));
    copy.setStackTrace(t.getStackTrace());
    for (Throwable s : t.getSuppressed()) {
      Throwable suppressed = copy(s, seen, depth + 1);
      if (suppressed != null) {
        copy.addSuppressed(suppressed);
      }
    }
    Throwable cause = copy(t.getCause(), seen, depth + 1);
    if (cause != null) {
      copy.initCause(cause);
    }
    return copy;
  }

  @Override
  public String toString() {
    return "SecretScrubber[" + secrets.size() + " secrets]";
  }

  /** Stands in for an exception whose message held a secret; its message names the original. */
  public static final class ScrubbedException extends Exception {
    private static final long serialVersionUID = 1L;

    ScrubbedException(String message) {
      super(message);
    }
  }
}
