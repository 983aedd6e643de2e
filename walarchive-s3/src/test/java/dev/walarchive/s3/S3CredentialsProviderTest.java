package dev.walarchive.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectSource;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/** An embedder hands in an AwsCredentialsProvider instead of a whole S3 client. */
class S3CredentialsProviderTest {
  static S3TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = S3TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Hands out the server's keys, counts the calls and remembers whether it was closed. */
  static final class CountingProvider implements AwsCredentialsProvider, SdkAutoCloseable {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicBoolean closed = new AtomicBoolean();
    final AwsCredentials credentials;

    CountingProvider(String id, String secret) {
      credentials = AwsBasicCredentials.create(id, secret);
    }

    @Override
    public AwsCredentials resolveCredentials() {
      calls.incrementAndGet();
      return credentials;
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }

  @Test
  void theStorageSignsWithTheInjectedProviderAndNeverClosesIt() throws Exception {
    Map<String, String> options = new HashMap<>(server.options());
    CountingProvider provider =
        new CountingProvider(
            options.remove("s3.access-key-id"), options.remove("s3.secret-access-key"));
    S3StorageConfig config =
        S3StorageConfig.fromUrl(URI.create(server.url("injected")), options).toBuilder()
            .credentialsProvider(provider)
            .build();
    assertThat(config.credentialsProvider()).containsSame(provider);
    assertThat(config.toString()).contains("credentials-provider=CountingProvider");
    try (ArchiveStorage storage = S3Storages.create(config)) {
      storage.create("k", ObjectSource.ofBytes(new byte[] {1, 2, 3}), Map.of());
      assertThat(storage.stat("k").size()).isEqualTo(3);
    }
    assertThat(provider.calls.get()).isPositive();
    assertThat(provider.closed).isFalse();
  }

  @Test
  void aProviderWithWrongKeysIsWhatTheStorageUses() throws Exception {
    Map<String, String> options = new HashMap<>(server.options());
    options.remove("s3.access-key-id");
    options.remove("s3.secret-access-key");
    CountingProvider wrong = new CountingProvider("AKIAWRONGWRONGWRONG1", "not-the-secret");
    S3StorageConfig config =
        S3StorageConfig.fromUrl(URI.create(server.url("wrong")), options).toBuilder()
            .credentialsProvider(wrong)
            .maxAttempts(1)
            .build();
    try (ArchiveStorage storage = S3Storages.create(config)) {
      assertThatThrownBy(() -> storage.create("k", ObjectSource.ofBytes(new byte[] {1}), Map.of()))
          .hasMessageNotContaining("not-the-secret");
    }
    assertThat(wrong.calls.get()).isPositive();
  }

  @Test
  void aProviderCannotBeCombinedWithStaticKeysOrAProfile() {
    CountingProvider provider = new CountingProvider("a", "b");
    assertThatThrownBy(
            () ->
                S3StorageConfig.builder()
                    .bucket("bucket")
                    .accessKeyId("AKIAEXAMPLEEXAMPLE12")
                    .secretAccessKey("secret")
                    .credentialsProvider(provider)
                    .build())
        .hasMessageContaining("one source of credentials");
    assertThatThrownBy(
            () ->
                S3StorageConfig.builder()
                    .bucket("bucket")
                    .profile("p")
                    .credentialsProvider(provider)
                    .build())
        .hasMessageContaining("one source of credentials");
  }

  @Test
  void toBuilderKeepsEverySetting() {
    S3StorageConfig config =
        S3StorageConfig.fromUrl(
            URI.create("s3://bucket/p?region=eu-west-1&path-style=true&max-attempts=3"),
            Map.of("s3.access-key-id", "AKIAEXAMPLEEXAMPLE12", "s3.secret-access-key", "x"));
    assertThat(config.toBuilder().build()).isEqualTo(config);
    assertThat(config.toBuilder().region("us-west-2").build().region()).contains("us-west-2");
  }
}
