package dev.walarchive.core.storage;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/** Some keys of a {@link ArchiveStorage#delete} could not be deleted; the rest were. */
public final class BatchDeleteException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Map<String, String> failures;

  /**
   * @param failures each key that could not be deleted, with the store's reason
   */
  public BatchDeleteException(Map<String, String> failures) {
    super(message(failures));
    this.failures = Map.copyOf(failures);
  }

  /** Each key that could not be deleted, with the store's reason. */
  public Map<String, String> failures() {
    return failures;
  }

  private static String message(Map<String, String> failures) {
    StringBuilder sb = new StringBuilder();
    sb.append(failures.size()).append(" object(s) could not be deleted: ");
    int shown = 0;
    for (Map.Entry<String, String> e : new TreeMap<>(failures).entrySet()) {
      if (shown++ == 5) {
        sb.append(", ...");
        break;
      }
      if (shown > 1) {
        sb.append(", ");
      }
      sb.append(e.getKey()).append(" (").append(e.getValue()).append(')');
    }
    return sb.toString();
  }
}
