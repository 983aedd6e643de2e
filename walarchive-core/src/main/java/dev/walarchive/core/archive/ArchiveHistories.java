package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The backup history and timeline history files of an archive, read tolerantly: a file that
 * vanished after the listing or cannot be decoded or parsed is left out and reported in {@link
 * #skipped()} instead of failing the whole read. Made by {@code WalArchive.histories}.
 *
 * @param backups the parsed backup history files, in name order
 * @param timelines the parsed timeline history files, by timeline
 * @param skipped the history files that were left out, each with why
 */
public record ArchiveHistories(
    List<BackupHistory> backups, Map<Long, TimelineHistory> timelines, List<Skipped> skipped) {

  /**
   * A history file that could not be used.
   *
   * @param name the backup history or timeline history file
   * @param problem why, in one line, such as {@code vanished after the listing}
   */
  public record Skipped(WalFileName name, String problem) {
    /** Checks that no component is null. */
    public Skipped {
      requireNonNull(name, "name is null");
      requireNonNull(problem, "problem is null");
    }

    /** One line, such as {@code cannot read backup history file NAME: PROBLEM}. */
    @Override
    public String toString() {
      String what =
          name.kind() == WalFileName.Kind.TIMELINE_HISTORY
              ? "timeline history file "
              : "backup history file ";
      return "cannot read " + what + name + ": " + problem;
    }
  }

  /** Copies the collections; no component may be null. */
  public ArchiveHistories {
    backups = List.copyOf(requireNonNull(backups, "backups is null"));
    timelines =
        java.util.Collections.unmodifiableMap(
            new TreeMap<>(requireNonNull(timelines, "timelines is null")));
    skipped = List.copyOf(requireNonNull(skipped, "skipped is null"));
  }
}
