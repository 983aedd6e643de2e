package dev.walarchive.core.archive;

/**
 * Hears of every file a {@code WalArchive} pushes, fetches, deletes or verifies, to feed a
 * service's own metrics; register it with {@code WalArchive.Builder.listener}.
 *
 * <pre>{@code
 * WalArchive archive =
 *     WalArchive.builder(storage)
 *         .listener(
 *             new WalArchiveListener() {
 *               @Override
 *               public void pushed(ArchiveEvent event, PushResult result) {
 *                 pushedBytes.add(event.bytes());
 *               }
 *             })
 *         .build();
 * }</pre>
 *
 * <p>Methods are called on the thread that ran the operation, after it finished (for pushes and
 * fetches, once the file is durable), possibly from several threads at once: they must be quick and
 * thread safe. What they throw is logged and ignored; it never changes the operation's outcome.
 * Every method does nothing by default.
 *
 * <p>The async engine ({@code dev.walarchive.core.async}) pushes and fetches through the same
 * facade, so this listener hears of each of its attempts too (a transient failure that is retried
 * is a {@link #failed} event, then a {@link #pushed} or {@link #fetched} one); its own {@code
 * AsyncListener} tells queue-level progress and retries.
 */
public interface WalArchiveListener {
  /** A listener that ignores everything. */
  WalArchiveListener NONE = new WalArchiveListener() {};

  /**
   * A file was archived, or found already archived with identical content ({@link
   * PushResult#outcome()} says which).
   */
  default void pushed(ArchiveEvent event, PushResult result) {}

  /** A file was restored to its destination. */
  default void fetched(ArchiveEvent event) {}

  /** Retention deleted a file (or found it already gone). */
  default void deleted(ArchiveEvent event) {}

  /** An object decoded and matched its digest and metadata. */
  default void verified(ArchiveEvent event) {}

  /**
   * An operation on a file failed with {@code cause} (which the caller gets as well): for a fetch,
   * {@link WalFileNotFoundException} is a file the archive does not hold; for a verify, an {@code
   * ObjectFormatException} is a damaged object. A push or fetch of a name that is not a WAL file
   * name is no event.
   */
  default void failed(ArchiveEvent event, Exception cause) {}
}
