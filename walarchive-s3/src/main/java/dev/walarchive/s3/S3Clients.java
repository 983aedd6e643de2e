package dev.walarchive.s3;

import dev.walarchive.core.storage.StorageConfigurationException;
import dev.walarchive.s3.S3StorageConfig.Checksum;
import java.io.IOException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Builds the S3 client of a configuration with every choice made explicitly (HTTP client, region,
 * credentials, retries), so that the SDK does no slow discovery of its own.
 */
final class S3Clients {
  private S3Clients() {}

  /** A client and the credentials provider it made (null if the caller's), closed together. */
  record Owned(S3Client client, AwsCredentialsProvider credentials) implements AutoCloseable {
    @Override
    public void close() {
      try {
        client.close();
      } finally {
        if (credentials instanceof SdkAutoCloseable closeable) {
          closeable.close();
        }
      }
    }
  }

  static Owned build(S3StorageConfig config) throws IOException {
    Region region = region(config);
    AwsCredentialsProvider credentials = credentials(config);
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClient(UrlConnectionHttpClient.builder().build())
            .region(region)
            .credentialsProvider(credentials)
            .forcePathStyle(config.pathStyle())
            // plain bodies with the checksum in a header: understood by every S3-compatible
            // store (aws-chunked bodies are not, and break connections of some emulators);
            // costs one extra read of a local file or part buffer
            .serviceConfiguration(s -> s.chunkedEncodingEnabled(false))
            .overrideConfiguration(
                o ->
                    o.apiCallTimeout(config.apiTimeout())
                        .apiCallAttemptTimeout(config.attemptTimeout())
                        .retryStrategy(
                            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(config.maxAttempts())
                                .build()));
    config.endpoint().ifPresent(builder::endpointOverride);
    if (config.checksum() == Checksum.MD5) {
      builder
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
          .addPlugin(LegacyMd5Plugin.create());
    } else {
      builder
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED);
    }
    // an injected provider belongs to the caller: the storage never closes it
    AwsCredentialsProvider toClose = config.credentialsProvider().isPresent() ? null : credentials;
    try {
      return new Owned(builder.build(), toClose);
    } catch (RuntimeException e) {
      if (toClose instanceof SdkAutoCloseable closeable) {
        closeable.close();
      }
      throw e;
    }
  }

  /**
   * The configured region; else {@code aws.region} / {@code AWS_REGION}; else the profile's; else
   * {@code us-east-1} for a custom endpoint. Never the instance metadata service.
   */
  static Region region(S3StorageConfig config) throws IOException {
    if (config.region().isPresent()) {
      return Region.of(config.region().get());
    }
    try {
      return new SystemSettingsRegionProvider().getRegion();
    } catch (SdkClientException e) {
      // not set in the environment
    }
    try {
      Region fromProfile =
          new AwsProfileRegionProvider(
                  ProfileFile::defaultProfileFile,
                  config.profile().orElseGet(S3Clients::defaultProfileName))
              .getRegion();
      if (fromProfile != null) {
        return fromProfile;
      }
    } catch (RuntimeException e) {
      // no profile file or no region in it
    }
    if (config.endpoint().isPresent()) {
      return Region.US_EAST_1;
    }
    throw new StorageConfigurationException(
        "no S3 region configured: set the option s3.region, the archive URL's"
            + " ?region=, AWS_REGION, or a region in the AWS profile");
  }

  private static String defaultProfileName() {
    String fromProperty = System.getProperty("aws.profile");
    if (fromProperty != null && !fromProperty.isEmpty()) {
      return fromProperty;
    }
    String fromEnv = System.getenv("AWS_PROFILE");
    return fromEnv != null && !fromEnv.isEmpty() ? fromEnv : "default";
  }

  private static AwsCredentialsProvider credentials(S3StorageConfig config) {
    if (config.credentialsProvider().isPresent()) {
      // the caller's: hidden behind a lambda, since closing the SDK client closes its provider
      AwsCredentialsProvider callers = config.credentialsProvider().get();
      return callers::resolveCredentials;
    }
    if (config.accessKeyId().isPresent()) {
      String id = config.accessKeyId().get();
      String secret = config.secretAccessKey().orElseThrow();
      return StaticCredentialsProvider.create(
          config.sessionToken().isEmpty()
              ? AwsBasicCredentials.create(id, secret)
              : AwsSessionCredentials.create(id, secret, config.sessionToken().get()));
    }
    if (config.profile().isPresent()) {
      return ProfileCredentialsProvider.builder().profileName(config.profile().get()).build();
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
