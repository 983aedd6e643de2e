package dev.walarchive.azure;

import static java.util.Objects.requireNonNull;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.walarchive.core.storage.ArchiveStorage;
import java.time.Duration;
import java.util.Set;

/**
 * Creates {@link ArchiveStorage}s on Azure Blob Storage, from an {@link AzureStorageConfig} or
 * around a {@link BlobContainerClient} the caller built (for example with Entra ID credentials from
 * {@code azure-identity}). Nothing here does network I/O: the SDK client is built on first use.
 */
public final class AzureStorages {
  /** Blobs per listing page: the service's maximum. */
  static final int LIST_PAGE_SIZE = 5000;

  private AzureStorages() {}

  /**
   * A storage on the account, container and prefix of {@code config}, authenticated with its
   * connection string, account key or SAS token, over the JDK HTTP client.
   *
   * @throws IllegalArgumentException if the configuration has no account, container or credential
   */
  public static ArchiveStorage create(AzureStorageConfig config) {
    requireNonNull(config, "config is null");
    String account = config.account().orElse(null);
    if (account == null && config.connectionString() == null) {
      throw new IllegalArgumentException("Azure storage configuration has no account");
    }
    if (config.container().isEmpty()) {
      throw new IllegalArgumentException(
          "Azure storage configuration for " + config.location() + " has no container");
    }
    if (config.credentialKind().equals("none")) {
      throw new IllegalArgumentException(
          "no Azure credential for "
              + config.location()
              + ": set one of the options azure.account-key, azure.sas-token or"
              + " azure.connection-string, or build"
              + " a BlobContainerClient with your own credential (e.g. Entra ID) and use"
              + " AzureStorages.create(client, prefix, config)");
    }
    return new AzureArchiveStorage(
        () -> buildClient(config),
        config.prefix(),
        config,
        LIST_PAGE_SIZE,
        new AzureExceptions(config.location(), AzureExceptions.secretsOf(config)));
  }

  /**
   * A storage on the container {@code client} points to, below {@code prefix}. The client brings
   * its own endpoint, credential, HTTP client and retry policy; of {@code config} only the transfer
   * settings are used (encryption scope, access tier, block size, single upload threshold), its
   * endpoint, credential, timeout and attempts are ignored.
   *
   * <p>The location is the client's account and container and {@code prefix}, the same rule for
   * every backend's {@code create(client, ...)}: a {@code config} without account and container
   * (such as {@code AzureStorageConfig.builder().build()}) is the usual argument; one that names
   * them must name the same account, container and prefix, since two different locations mean a
   * mistake.
   *
   * @param prefix key prefix inside the container, e.g. {@code pg/main} (empty for none)
   * @throws IllegalArgumentException if the prefix is invalid, or {@code config} names another
   *     location
   */
  public static ArchiveStorage create(
      BlobContainerClient client, String prefix, AzureStorageConfig config) {
    requireNonNull(client, "client is null");
    requireNonNull(prefix, "prefix is null");
    requireNonNull(config, "config is null");
    String normalized = AzureStorageConfig.builder().prefix(prefix).build().prefix();
    if ((config.account().isPresent() || config.container().isPresent())
        && (!config.account().orElse(client.getAccountName()).equals(client.getAccountName())
            || !config
                .container()
                .orElse(client.getBlobContainerName())
                .equals(client.getBlobContainerName())
            || !config.prefix().equals(normalized))) {
      throw new IllegalArgumentException(
          "config is for "
              + config.location()
              + " but the client's container az://"
              + client.getAccountName()
              + "/"
              + client.getBlobContainerName()
              + " and prefix '"
              + prefix
              + "' were given; pass one location (a config without account and container is"
              + " enough)");
    }
    String location =
        "az://"
            + client.getAccountName()
            + "/"
            + client.getBlobContainerName()
            + (normalized.isEmpty() ? "" : "/" + normalized.substring(0, normalized.length() - 1));
    return new AzureArchiveStorage(
        () -> client, normalized, config, LIST_PAGE_SIZE, new AzureExceptions(location, Set.of()));
  }

  /** The SDK client for {@code config}: JDK HTTP client, storage retry policy, the credential. */
  static BlobContainerClient buildClient(AzureStorageConfig config) {
    Duration timeout = config.timeout();
    HttpClient http =
        new JdkHttpClientBuilder()
            .connectionTimeout(
                timeout.compareTo(Duration.ofSeconds(15)) < 0 ? timeout : Duration.ofSeconds(15))
            .build();
    RequestRetryOptions retry =
        new RequestRetryOptions(
            RetryPolicyType.EXPONENTIAL,
            config.maxAttempts(),
            timeout,
            Duration.ofMillis(500),
            Duration.ofSeconds(15),
            null);
    BlobContainerClientBuilder builder =
        new BlobContainerClientBuilder().httpClient(http).retryOptions(retry);
    if (config.connectionString() != null) {
      builder.connectionString(config.connectionString());
    } else {
      builder.endpoint(config.effectiveEndpoint());
      if (config.accountKey() != null) {
        builder.credential(
            new StorageSharedKeyCredential(config.account().orElseThrow(), config.accountKey()));
      } else if (config.sasToken() != null) {
        builder.sasToken(config.sasToken());
      }
    }
    return builder.containerName(config.container().orElseThrow()).buildClient();
  }
}
