/**
 * PostgreSQL write-ahead log primitives: strict, immutable value types for what an archive has to
 * reason about. For everyone: embedders, backend authors and walarchive itself use them.
 *
 * <ul>
 *   <li>{@link dev.walarchive.core.wal.Lsn}: a WAL position, with segment arithmetic;
 *   <li>{@link dev.walarchive.core.wal.WalSegmentSize}: the cluster's segment size (1 MiB to 1 GiB,
 *       never assumed);
 *   <li>{@link dev.walarchive.core.wal.WalFileName}: the names PostgreSQL archives and restores
 *       (segments, partial segments, backup and timeline history files), everything else rejected;
 *   <li>{@link dev.walarchive.core.wal.TimelineHistory}: {@code .history} files, ancestry, which
 *       timeline holds a position, which segments a recovery reads;
 *   <li>{@link dev.walarchive.core.wal.BackupHistory}: {@code .backup} files, where a base backup's
 *       WAL starts and stops;
 *   <li>{@link dev.walarchive.core.wal.SegmentHeader}: the header at the start of a segment, to
 *       tell whether a file is the segment its name claims and which cluster wrote it.
 * </ul>
 *
 * <p>Parsers throw {@link java.lang.IllegalArgumentException} naming the bad input. The arithmetic
 * agrees with PostgreSQL's {@code pg_walfile_name}, {@code pg_walfile_name_offset} and {@code
 * pg_wal_lsn_diff} (tested against a real server).
 */
package dev.walarchive.core.wal;
