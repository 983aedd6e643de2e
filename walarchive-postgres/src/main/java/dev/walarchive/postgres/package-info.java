/**
 * Checks against a live PostgreSQL server that WAL archiving into a walarchive archive works, end
 * to end, and base backups pushed from a running server. For embedders; the CLI's {@code check},
 * {@code status} and {@code backup-push} are built on these types.
 *
 * <p>Two types matter: {@link dev.walarchive.postgres.ArchivingCheck} runs the checks on a JDBC
 * connection and an open {@link dev.walarchive.core.WalArchive}, and returns a {@link
 * dev.walarchive.postgres.CheckReport}: one {@link dev.walarchive.postgres.CheckResult} per check
 * (OK, WARNING or FAILED, with what to do) and the server-side figures ({@link
 * dev.walarchive.postgres.ServerFigures}: archive lag, {@code .ready} count, archiver statistics).
 * {@link dev.walarchive.postgres.PgConnectionSettings} opens the connection from the libpq
 * environment ({@code PGHOST}, {@code PGPORT}, ...) or a connection URL, as {@code psql} would.
 * {@link dev.walarchive.postgres.BaseBackupPush} takes a base backup of a running primary into the
 * archive (PostgreSQL's low-level backup API; it runs on the database host).
 */
package dev.walarchive.postgres;
