package dev.walarchive.core.retention;

import dev.walarchive.core.WalArchiveException;
import java.io.IOException;
import java.util.List;

/**
 * Applying a retention plan stopped part way: a delete batch failed, in whole or for some files.
 * What was deleted is never needed by what the plan keeps (deletions run in the plan's safe order),
 * so the archive stays consistent; planning and applying again finishes the job. Its {@link
 * #kind()} is that of the storage's failure.
 */
public final class RetentionApplyException extends WalArchiveException {
  private static final long serialVersionUID = 1L;

  private final long deletedFiles;
  private final long plannedFiles;
  private final transient List<RetentionPlan.Deletion> failed;

  /**
   * @param cause what the storage threw
   * @param deletedFiles files of the plan deleted before stopping
   * @param plannedFiles files the plan deletes
   * @param failed the files the storage named as not deleted (empty if the whole batch failed)
   */
  public RetentionApplyException(
      IOException cause,
      long deletedFiles,
      long plannedFiles,
      List<RetentionPlan.Deletion> failed) {
    super(
        oneLine(cause)
            + "; "
            + deletedFiles
            + " of "
            + plannedFiles
            + " files were deleted; plan and apply again to finish",
        WalArchiveException.kindOf(cause),
        cause);
    this.deletedFiles = deletedFiles;
    this.plannedFiles = plannedFiles;
    this.failed = List.copyOf(failed);
  }

  /** Returns the files of the plan deleted before applying stopped. */
  public long deletedFiles() {
    return deletedFiles;
  }

  /** Returns how many files the plan deletes. */
  public long plannedFiles() {
    return plannedFiles;
  }

  /** Returns the files the storage named as not deleted; empty if a whole batch failed. */
  public List<RetentionPlan.Deletion> failed() {
    return failed == null ? List.of() : failed;
  }

  private static String oneLine(IOException e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    return m.replace('\n', ' ').replace('\r', ' ');
  }
}
