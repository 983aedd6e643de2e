/**
 * Azure Blob Storage for walarchive archives.
 *
 * <p>Two types matter: {@link dev.walarchive.azure.AzureStorageConfig} (account, container, prefix,
 * credential, transfer settings; parsed from {@code az://account/container/prefix} or {@code
 * https://account.blob.core.windows.net/container/prefix} and options) and {@link
 * dev.walarchive.azure.AzureStorages}, which turns a configuration, or a {@code
 * BlobContainerClient} built with your own credential, into an {@link
 * dev.walarchive.core.storage.ArchiveStorage}. The providers make both URL forms available to
 * {@link dev.walarchive.core.storage.ArchiveStorages#open}.
 *
 * <p>For embedders who configure the backend in code or inject their own client; with URLs and
 * options alone, the module only needs to be on the class path. Everything else here (the storage
 * itself, error translation) is package-private.
 */
package dev.walarchive.azure;
