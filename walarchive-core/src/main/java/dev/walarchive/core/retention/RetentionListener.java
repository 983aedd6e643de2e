package dev.walarchive.core.retention;

import java.util.List;

/**
 * Hears how {@code WalArchive.applyRetention} gets on: called on the applying thread after each
 * delete batch and for each file a batch could not delete. The default methods do nothing.
 */
public interface RetentionListener {
  /** A listener that ignores everything. */
  RetentionListener NONE = new RetentionListener() {};

  /**
   * A batch was deleted (files already missing count as deleted).
   *
   * @param batch the deletions of this batch, in plan order
   * @param filesDone files deleted so far in this apply, this batch included
   * @param bytesDone stored bytes freed so far, this batch included
   */
  default void deleted(List<RetentionPlan.Deletion> batch, long filesDone, long bytesDone) {}

  /**
   * A file of a batch could not be deleted; applying stops after this batch.
   *
   * @param deletion the file
   * @param reason the store's reason
   */
  default void failed(RetentionPlan.Deletion deletion, String reason) {}
}
