/**
 * The Google Cloud Storage backend of walarchive: {@code gs://bucket/prefix}.
 *
 * <p>Two types matter: {@link dev.walarchive.gcs.GcsStorageConfig} (where the archive is and how to
 * reach it) and {@link dev.walarchive.gcs.GcsStorages} (creates the {@link
 * dev.walarchive.core.storage.ArchiveStorage}, also on a {@code Storage} client you built). {@link
 * dev.walarchive.gcs.GcsStorageProvider} makes {@code gs:} URLs work with {@link
 * dev.walarchive.core.storage.ArchiveStorages#open}.
 */
package dev.walarchive.gcs;
