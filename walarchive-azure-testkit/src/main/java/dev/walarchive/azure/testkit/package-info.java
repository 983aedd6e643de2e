/**
 * Azurite for tests of code that uses walarchive on Azure Blob Storage: depending on this artifact
 * (test scope) brings {@code dev.walarchive.azure.AzuriteServer} from walarchive-azure's test-jar,
 * which starts Azurite on 127.0.0.1 and a free port. It finds {@code azurite-blob} by the system
 * property {@code walarchive.azurite}, then the environment variable {@code WALARCHIVE_AZURITE},
 * then {@code PATH} ({@code npm install -g azurite}); {@link
 * dev.walarchive.azure.testkit.AzureTestStorages} opens storage on it.
 */
package dev.walarchive.azure.testkit;
