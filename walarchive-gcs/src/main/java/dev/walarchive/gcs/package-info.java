/**
 * The Google Cloud Storage backend of walarchive: {@code gs://bucket/prefix}.
 *
 * <p>Two types matter: {@link dev.walarchive.gcs.GcsStorageConfig} (where the archive is and how to
 * reach it) and {@link dev.walarchive.gcs.GcsStorages} (creates the {@link
 * dev.walarchive.core.storage.ArchiveStorage}, also on a {@code Storage} client you built). {@link
 * dev.walarchive.gcs.GcsStorageProvider} makes {@code gs:} URLs work with {@link
 * dev.walarchive.core.storage.ArchiveStorages#open}.
 *
 * <p>For embedders who configure the backend in code or inject their own client; with URLs and
 * options alone, the module only needs to be on the class path. Everything else here (the storage
 * itself, error translation) is package-private.
 */
package dev.walarchive.gcs;
