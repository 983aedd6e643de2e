package dev.walarchive.gcs;

import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.StorageRetryStrategy;
import dev.walarchive.core.storage.StorageConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/** Builds the Cloud Storage client (JSON API over HTTP) a {@link GcsStorageConfig} describes. */
final class GcsClients {
  static final Duration INITIAL_RETRY_DELAY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(32);

  private GcsClients() {}

  /**
   * A new client. Reads the credentials (key file or application default credentials) now.
   *
   * @throws IOException if the credentials cannot be loaded; the message says what to configure
   */
  static Storage newClient(GcsStorageConfig config) throws IOException {
    return newClient(config, INITIAL_RETRY_DELAY);
  }

  /**
   * As {@link #newClient(GcsStorageConfig)}, with the first retry after {@code firstRetryDelay}.
   */
  static Storage newClient(GcsStorageConfig config, Duration firstRetryDelay) throws IOException {
    HttpStorageOptions.Builder options = StorageOptions.http();
    String projectId = config.projectId().orElse(null);
    Credentials credentials;
    if (config.noCredentials()) {
      credentials = NoCredentials.getInstance();
    } else if (config.credentialsFile().isPresent()) {
      ServiceAccountCredentials account = readServiceAccount(config.credentialsFile().get());
      credentials = account;
      if (projectId == null) {
        projectId = account.getProjectId();
      }
    } else {
      credentials = applicationDefault();
    }
    options.setCredentials(credentials);
    if (projectId != null) {
      options.setProjectId(projectId);
    }
    config.endpoint().ifPresent(endpoint -> options.setHost(endpoint.toString()));
    options.setRetrySettings(retrySettings(config, firstRetryDelay));
    // Every request walarchive sends may be repeated safely: creates carry ifGenerationMatch=0,
    // a delete of a missing object is ignored, and the rest only read.
    options.setStorageRetryStrategy(StorageRetryStrategy.getUniformStorageRetryStrategy());
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
    options.setTransportOptions(
        HttpTransportOptions.newBuilder()
            // The library's default transport first unpacks and loads Conscrypt's native library
            // (about a second per JVM); walarchive runs once per WAL segment, so it uses the JDK's
            // TLS, loaded only when a connection needs it.
            .setHttpTransportFactory(NetHttpTransport::new)
            .setConnectTimeout(timeoutMillis)
            .setReadTimeout(timeoutMillis)
            .build());
    return options.build().getService();
  }

  static RetrySettings retrySettings(GcsStorageConfig config, Duration firstRetryDelay) {
    Duration total = config.timeout().multipliedBy(config.maxAttempts());
    return RetrySettings.newBuilder()
        .setMaxAttempts(config.maxAttempts())
        .setInitialRetryDelayDuration(firstRetryDelay)
        .setRetryDelayMultiplier(2.0)
        .setMaxRetryDelayDuration(MAX_RETRY_DELAY)
        .setTotalTimeoutDuration(total)
        .setInitialRpcTimeoutDuration(total)
        .setRpcTimeoutMultiplier(1.0)
        .setMaxRpcTimeoutDuration(total)
        .build();
  }

  private static ServiceAccountCredentials readServiceAccount(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return ServiceAccountCredentials.fromStream(in);
    } catch (NoSuchFileException e) {
      throw new StorageConfigurationException(
          "GCS credentials file "
              + file
              + " does not exist; set gcs.credentials-file to a service account key (JSON)",
          e);
    } catch (IOException | RuntimeException e) {
      // the library's messages name missing fields, never the key itself
      throw new StorageConfigurationException(
          "cannot use GCS credentials file "
              + file
              + " as a service account key (JSON, \"type\": \"service_account\"): "
              + GcsExceptions.sanitize(e.getMessage()));
    }
  }

  private static Credentials applicationDefault() throws IOException {
    try {
      return GoogleCredentials.getApplicationDefault();
    } catch (IOException e) {
      throw new StorageConfigurationException(
          "no Google application default credentials found: set gcs.credentials-file to a service"
              + " account key, set GOOGLE_APPLICATION_CREDENTIALS, run 'gcloud auth"
              + " application-default login', or run on Google Cloud (for an emulator set"
              + " gcs.no-credentials=true)",
          e);
    }
  }
}
