/**
 * Support for authors of storage backends, not for archive users: the parts every {@link
 * dev.walarchive.core.storage.ArchiveStorage} on an SDK needs and should not write again, so that
 * all backends behave alike under the SPI. The S3, GCS and Azure modules use these; so can a
 * backend in any other package. Its compatibility promise is the SPI's, not the facade's (see
 * {@code docs/releasing.md}).
 *
 * <ul>
 *   <li>{@link dev.walarchive.core.storage.spi.StorageOptions}: a backend's settings from its
 *       archive URL's query and its {@code <backend>.*} options, described as {@link
 *       dev.walarchive.core.storage.OptionSpec}s; the key prefix of an archive in a bucket.
 *   <li>{@link dev.walarchive.core.storage.spi.StorageKeys}: the key, prefix and metadata checks
 *       the {@link dev.walarchive.core.storage.ArchiveStorage} contract states.
 *   <li>{@link dev.walarchive.core.storage.spi.LazyClient}: the SDK client built on first use,
 *       closed once, and {@link dev.walarchive.core.storage.ClosedStorageException} after close.
 *   <li>{@link dev.walarchive.core.storage.spi.ExactLength}: content read for a create is exactly
 *       its declared length, or {@link dev.walarchive.core.storage.spi.ContentLengthException}.
 *   <li>{@link dev.walarchive.core.storage.spi.DeleteBatches}: key checks, de-duplication and
 *       batching of deletes, with per-key failures collected into one {@link
 *       dev.walarchive.core.storage.BatchDeleteException}.
 *   <li>{@link dev.walarchive.core.storage.spi.StorageErrors}: the SPI's "missing" and "already
 *       exists" exceptions, built the same way by every backend (key in {@code getFile()}, location
 *       in the reason, the SDK's exception as cause).
 *   <li>{@link dev.walarchive.core.storage.spi.SecretScrubber}: removes credentials from messages
 *       and cause chains before they leave the backend.
 *   <li>{@link dev.walarchive.core.storage.spi.LookaheadIterator}: a streaming listing written as
 *       one method.
 *   <li>{@link dev.walarchive.core.storage.spi.TemporaryFiles}: temporary files for a backend that
 *       stores objects as files, named so that a later run removes only provably stale ones.
 * </ul>
 *
 * <p>The contract suite {@code AbstractArchiveStorageTest} (in core's test jar) checks each of
 * these behaviours for a backend.
 */
package dev.walarchive.core.storage.spi;
