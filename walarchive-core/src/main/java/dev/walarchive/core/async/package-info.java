/**
 * Asynchronous archiving for processes that live longer than one {@code archive_command} call: a
 * sidecar, an operator, or the CLI's spool worker. For embedders; a short-lived {@code
 * archive_command} needs none of it.
 *
 * <p>Two types matter. {@link dev.walarchive.core.async.PushAhead} pushes every segment that
 * PostgreSQL marked ready ({@code pg_wal/archive_status/*.ready}) in parallel, oldest first, with a
 * result per file. {@link dev.walarchive.core.async.Prefetcher} fetches a segment and the next ones
 * on its timeline into a directory, each verified, fsynced and renamed into place. Both report to
 * an {@link dev.walarchive.core.async.AsyncListener}.
 *
 * <p>Neither touches {@code archive_status}: PostgreSQL marks a segment done only when its own
 * {@code archive_command} returns success, so the embedder decides how that call learns that the
 * segment is already durable (the CLI keeps a marker per segment in its spool).
 */
package dev.walarchive.core.async;
