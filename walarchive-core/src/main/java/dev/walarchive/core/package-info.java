/**
 * Archive operations: the facade embedders and the CLI use, and the one place to start.
 *
 * <p>For embedders. {@link dev.walarchive.core.WalArchive} is the whole facade over an {@link
 * dev.walarchive.core.storage.ArchiveStorage}: {@code push} ({@code archive_command}), {@code
 * fetch} ({@code restore_command}), the inventory and history files, pins, retention plan and
 * apply, verification, base backups, copies to other archives and events for metrics. {@link
 * dev.walarchive.core.ArchiveCopy} copies what one archive holds into another (repair of a copy,
 * migration between stores). {@link dev.walarchive.core.WalArchiveException} is the base type of
 * every failure walarchive raises itself, with a {@linkplain
 * dev.walarchive.core.WalArchiveException.Kind kind} and {@linkplain
 * dev.walarchive.core.WalArchiveException#isRetryable() a retryable flag}.
 *
 * <p>The results and options of the facade's operations are in {@link dev.walarchive.core.archive};
 * the WAL value types in {@link dev.walarchive.core.wal}; storage by URL in {@link
 * dev.walarchive.core.storage.ArchiveStorages}. Every other class here is package-private: the
 * implementation of the facade.
 */
package dev.walarchive.core;
