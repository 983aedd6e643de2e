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
 */
package dev.walarchive.azure;
