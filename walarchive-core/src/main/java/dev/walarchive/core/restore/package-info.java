/**
 * Restore: a base backup from the archive into a new data directory, ready for point-in-time
 * recovery. For embedders that restore from their own tools; the CLI's {@code walarchive restore}
 * is built on these types.
 *
 * <ul>
 *   <li>{@link dev.walarchive.core.restore.BackupSelector}: a pure function choosing the backup for
 *       a {@link dev.walarchive.core.restore.RecoveryTarget} and {@link
 *       dev.walarchive.core.restore.RecoveryTimeline} from the archive's backups and timeline
 *       histories (complete backups only);
 *   <li>{@link dev.walarchive.core.restore.DataDirectoryRestore}: restores the files, verified, in
 *       parallel, with tablespaces remapped, so that a failure leaves nothing startable;
 *   <li>{@link dev.walarchive.core.restore.RecoveryConfiguration}: the signal file and the recovery
 *       settings appended to {@code postgresql.auto.conf}.
 * </ul>
 *
 * <pre>{@code
 * ArchiveHistories h = archive.histories(archive.inventory());
 * List<BackupSelector.Candidate> candidates = ...; // from archive.baseBackups().list()
 * BackupSelector.Choice c = BackupSelector.choose(candidates, h.timelines(), Optional.empty(),
 *     RecoveryTarget.time(t), RecoveryTimeline.latest());
 * DataDirectoryRestore.builder(archive.baseBackups(), BackupName.parse(c.backup().name()), dir)
 *     .recovery(RecoveryConfiguration.builder(restoreCommand).target(RecoveryTarget.time(t)).build())
 *     .run();
 * }</pre>
 */
package dev.walarchive.core.restore;
