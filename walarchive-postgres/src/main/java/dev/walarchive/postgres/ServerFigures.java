package dev.walarchive.postgres;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Server-side archiving figures, as far as the connection's privileges allow. Absent values were
 * not available (not applicable, or not permitted).
 *
 * @param standby whether the server is in recovery
 * @param timeline the timeline the server writes (or replays)
 * @param currentLsn the server's current WAL position ({@code pg_current_wal_lsn()}, or the replay
 *     position on a standby)
 * @param archivedCount {@code pg_stat_archiver.archived_count}
 * @param failedCount {@code pg_stat_archiver.failed_count}
 * @param lastArchivedWal {@code pg_stat_archiver.last_archived_wal}
 * @param lastArchivedTime {@code pg_stat_archiver.last_archived_time}
 * @param lastFailedWal {@code pg_stat_archiver.last_failed_wal}
 * @param lastFailedTime {@code pg_stat_archiver.last_failed_time}
 * @param statsReset {@code pg_stat_archiver.stats_reset}: counts from runs with the same value are
 *     comparable
 * @param readyCount WAL files waiting to be archived ({@code .ready} files in {@code
 *     pg_wal/archive_status})
 * @param newestArchivedSegment the newest segment of {@code timeline} in the archive
 * @param lagSegments completed segments of {@code timeline} not yet in the archive
 * @param lagBytes WAL bytes written after the end of the newest archived segment
 */
public record ServerFigures(
    boolean standby,
    long timeline,
    Optional<String> currentLsn,
    OptionalLong archivedCount,
    OptionalLong failedCount,
    Optional<String> lastArchivedWal,
    Optional<Instant> lastArchivedTime,
    Optional<String> lastFailedWal,
    Optional<Instant> lastFailedTime,
    Optional<Instant> statsReset,
    OptionalLong readyCount,
    Optional<String> newestArchivedSegment,
    OptionalLong lagSegments,
    OptionalLong lagBytes) {}
