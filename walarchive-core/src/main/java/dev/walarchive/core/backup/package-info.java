/**
 * Base backups in the archive: {@link dev.walarchive.core.backup.BaseBackups} (from {@code
 * WalArchive.baseBackups()}) lists them ({@link dev.walarchive.core.backup.BaseBackupInfo}), reads
 * a backup's {@link dev.walarchive.core.backup.BackupManifest} (its {@link
 * dev.walarchive.core.backup.BackupDirectory directories} and {@link
 * dev.walarchive.core.backup.BackupFile files}) and the verified bytes of each file. Names are
 * {@link dev.walarchive.core.backup.BackupName}s. The storage layout is described in {@code
 * docs/backup-format.md}.
 *
 * <p>For embedders that list or read base backups; backups are written by {@code
 * dev.walarchive.postgres.BaseBackupPush} (module walarchive-postgres) through {@link
 * dev.walarchive.core.backup.BackupUpload}, and restored by {@link dev.walarchive.core.restore}.
 */
package dev.walarchive.core.backup;
