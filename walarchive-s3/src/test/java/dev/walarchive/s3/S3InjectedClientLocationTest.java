package dev.walarchive.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorage;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** create(client, bucket, prefix, config): the arguments are the location; config may agree. */
class S3InjectedClientLocationTest {
  private static S3Client client() {
    return S3Client.builder()
        .region(Region.US_EAST_1)
        .httpClient(UrlConnectionHttpClient.builder().build())
        .credentialsProvider(AnonymousCredentialsProvider.create())
        .build();
  }

  @Test
  void aConfigWithoutOrWithTheSameLocationIsAccepted() throws Exception {
    try (S3Client client = client()) {
      try (ArchiveStorage s =
          S3Storages.create(client, "bucket", "db1", S3StorageConfig.builder().build())) {
        assertThat(s).hasToString("s3://bucket/db1");
      }
      S3StorageConfig same = S3StorageConfig.fromUrl(URI.create("s3://bucket/db1/"), Map.of());
      try (ArchiveStorage s = S3Storages.create(client, "bucket", "/db1", same)) {
        assertThat(s).hasToString("s3://bucket/db1");
      }
    }
  }

  @Test
  void aConfigNamingAnotherBucketOrPrefixIsRefused() {
    try (S3Client client = client()) {
      S3StorageConfig other = S3StorageConfig.fromUrl(URI.create("s3://other/db1"), Map.of());
      assertThatThrownBy(() -> S3Storages.create(client, "bucket", "db1", other))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("config is for s3://other/db1 but s3://bucket/db1 was given");
      S3StorageConfig otherPrefix =
          S3StorageConfig.fromUrl(URI.create("s3://bucket/db2"), Map.of());
      assertThatThrownBy(() -> S3Storages.create(client, "bucket", "db1", otherPrefix))
          .hasMessageContaining("pass one location");
    }
  }
}
