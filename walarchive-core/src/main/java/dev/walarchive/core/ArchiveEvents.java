package dev.walarchive.core;

import dev.walarchive.core.archive.ArchiveEvent;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.WalArchiveListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.wal.WalFileName;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The facade's events for a {@link WalArchiveListener}: a listener that fails is logged, never
 * thrown.
 */
final class ArchiveEvents {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  private final WalArchiveListener archiveListener;
  private final String archiveName;

  ArchiveEvents(WalArchiveListener archiveListener, String archiveName) {
    this.archiveListener = archiveListener;
    this.archiveName = archiveName;
  }

  void notify(
      ArchiveEvent.Operation operation,
      WalFileName file,
      long bytes,
      long startedNanos,
      PushResult pushed) {
    if (archiveListener == WalArchiveListener.NONE) {
      return;
    }
    ArchiveEvent event = new ArchiveEvent(archiveName, operation, file, bytes, since(startedNanos));
    try {
      switch (operation) {
        case PUSH -> archiveListener.pushed(event, pushed);
        case FETCH -> archiveListener.fetched(event);
        case DELETE -> archiveListener.deleted(event);
        case VERIFY -> archiveListener.verified(event);
      }
    } catch (RuntimeException e) {
      log.warn("archive listener failed on {} of {}: {}", operation, file, Messages.oneLine(e));
    }
  }

  /** A failure event, for a file whose name parses (others are no event). */
  void notifyFailed(
      ArchiveEvent.Operation operation, Object file, long startedNanos, Exception cause) {
    if (archiveListener == WalArchiveListener.NONE || file == null) {
      return;
    }
    WalFileName parsed;
    if (file instanceof WalFileName n) {
      parsed = n;
    } else {
      try {
        parsed = WalFileName.parse(file.toString());
      } catch (IllegalArgumentException e) {
        return;
      }
    }
    try {
      archiveListener.failed(
          new ArchiveEvent(archiveName, operation, parsed, 0, since(startedNanos)), cause);
    } catch (RuntimeException e) {
      log.warn("archive listener failed on {} of {}: {}", operation, parsed, Messages.oneLine(e));
    }
  }

  /** Events for a delete batch: a failure for each of {@code failed}, a delete for the rest. */
  void notifyDeleted(
      List<RetentionPlan.Deletion> batch,
      List<RetentionPlan.Deletion> failed,
      long startedNanos,
      IOException cause) {
    if (archiveListener == WalArchiveListener.NONE) {
      return;
    }
    Set<RetentionPlan.Deletion> notDeleted = new java.util.HashSet<>(failed);
    for (RetentionPlan.Deletion d : batch) {
      if (notDeleted.contains(d)) {
        notifyFailed(ArchiveEvent.Operation.DELETE, d.name(), startedNanos, cause);
      } else {
        notify(ArchiveEvent.Operation.DELETE, d.name(), d.storedSize(), startedNanos, null);
      }
    }
  }

  static java.time.Duration since(long startedNanos) {
    return java.time.Duration.ofNanos(Math.max(0, System.nanoTime() - startedNanos));
  }
}
