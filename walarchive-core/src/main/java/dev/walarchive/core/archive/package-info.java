/**
 * What the {@link dev.walarchive.core.WalArchive} facade takes and returns: results, options,
 * events and the exceptions of archive operations. For embedders: most of it comes back from the
 * facade; options and listeners are what an embedder builds.
 *
 * <ul>
 *   <li>{@link dev.walarchive.core.archive.PushResult}: what {@code push} did ({@code ARCHIVED} or
 *       {@code ALREADY_ARCHIVED}) and the file's digest;
 *   <li>{@link dev.walarchive.core.archive.ArchiveInventory} and {@link
 *       dev.walarchive.core.archive.ArchiveHistories}: what the archive holds (timelines, ranges,
 *       gaps) and its backup and timeline history files, with what could not be read;
 *   <li>{@link dev.walarchive.core.archive.VerifyOptions} and {@link
 *       dev.walarchive.core.archive.VerifyReport}: verification (continuity, integrity, freshness),
 *       every problem as data;
 *   <li>{@link dev.walarchive.core.archive.WalArchiveListener} and {@link
 *       dev.walarchive.core.archive.ArchiveEvent}: every file pushed, fetched, deleted or verified,
 *       for metrics;
 *   <li>{@link dev.walarchive.core.archive.ArchiveManifest}: the archive's identity (cluster,
 *       segment size, encryption, keys), as the facade reads and changes it;
 *   <li>the failures: {@link dev.walarchive.core.archive.WalFileNotFoundException} (not in the
 *       archive), {@link dev.walarchive.core.archive.ArchiveConflictException} (different content
 *       already archived), {@link dev.walarchive.core.archive.InvalidWalFileException}, {@link
 *       dev.walarchive.core.archive.ArchiveMismatchException} and {@link
 *       dev.walarchive.core.archive.ArchiveConfigurationException}.
 * </ul>
 *
 * <p>{@link dev.walarchive.core.archive.ContinuityCheck} is the pure continuity computation behind
 * verification, public for tools that have their own listing.
 */
package dev.walarchive.core.archive;
