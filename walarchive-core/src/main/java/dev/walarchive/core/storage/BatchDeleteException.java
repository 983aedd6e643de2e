package dev.walarchive.core.storage;

import dev.walarchive.core.WalArchiveException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Some keys of a {@link ArchiveStorage#delete} could not be deleted; every other key of the call
 * was. {@link #failures()} names each failed key with the store's reason. When a whole request of
 * the store failed (so that each key it carried is named), the first such failure is the cause and
 * gives the {@link #kind()}; otherwise the kind is {@link Kind#OTHER}.
 */
public final class BatchDeleteException extends ArchiveStorageException {
  private static final long serialVersionUID = 1L;

  private final Map<String, String> failures;

  /**
   * @param failures each key that could not be deleted, with the store's reason
   */
  public BatchDeleteException(Map<String, String> failures) {
    this(failures, null);
  }

  /**
   * @param failures each key that could not be deleted, with the store's reason
   * @param cause the first failure of a whole request, or null if only single keys failed
   */
  public BatchDeleteException(Map<String, String> failures, Throwable cause) {
    super(
        message(failures),
        cause == null ? Kind.OTHER : WalArchiveException.kindOf(cause),
        cause instanceof ArchiveStorageException s ? s.statusCode().orElse(0) : 0,
        cause instanceof ArchiveStorageException s ? s.requestId().orElse(null) : null,
        cause);
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
