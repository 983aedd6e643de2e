package dev.walarchive.s3;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 server for tests: <a href="https://github.com/gaul/s3proxy">s3proxy</a> in this JVM with
 * its in-memory ({@code transient-nio2}) backend, listening on {@code 127.0.0.1} on a free port,
 * with one bucket. Other processes on the machine (a CLI started by PostgreSQL, say) can reach it
 * with {@link #url(String)} and {@link #environment()}. Objects are lost when it is closed.
 *
 * <pre>{@code
 * try (S3TestServer s3 = S3TestServer.start()) {
 *   ArchiveStorage storage = ArchiveStorages.open(s3.url("archive"), s3.options());
 * }
 * }</pre>
 */
public final class S3TestServer implements AutoCloseable {
  /** The region the server is addressed with; s3proxy accepts any. */
  public static final String REGION = "us-east-1";

  private final S3Proxy proxy;
  private final String bucket;
  private final String accessKeyId;
  private final String secretAccessKey;
  private final URI endpoint;

  private S3TestServer(boolean authenticated) throws Exception {
    this.bucket = "walarchive-test";
    this.accessKeyId = authenticated ? "test-" + shortId() : "anonymous";
    this.secretAccessKey = authenticated ? "secret-" + UUID.randomUUID() : "anonymous";
    BlobStore store = new TransientNio2BlobStore();
    store.createContainer(bucket);
    S3Proxy.Builder builder =
        S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"));
    if (authenticated) {
      builder.awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKeyId, secretAccessKey);
    } else {
      builder.awsAuthentication(AuthenticationType.NONE, null, null);
    }
    this.proxy = builder.build();
    proxy.start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (!"STARTED".equals(proxy.getState())) {
      if (Instant.now().isAfter(deadline)) {
        proxy.stop();
        throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
    this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** Starts a server that checks AWS signatures against its own random keys. */
  public static S3TestServer start() throws Exception {
    return new S3TestServer(true);
  }

  /**
   * Starts a server that accepts every request without checking signatures, for tests that put a
   * header-rewriting proxy in front of it.
   */
  static S3TestServer startUnauthenticated() throws Exception {
    return new S3TestServer(false);
  }

  /** The bucket every URL of this server names. */
  public String bucket() {
    return bucket;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return endpoint;
  }

  /** An archive URL in this server's bucket, e.g. {@code s3://walarchive-test/prefix}. */
  public String url(String prefix) {
    return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  /** The {@code s3.*} options that reach this server: endpoint, region, path style and keys. */
  public Map<String, String> options() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("s3.endpoint", endpoint.toString());
    options.put("s3.region", REGION);
    options.put("s3.path-style", "true");
    options.put("s3.access-key-id", accessKeyId);
    options.put("s3.secret-access-key", secretAccessKey);
    return options;
  }

  /**
   * {@link #options()} as the CLI reads them from its environment: {@code s3.path-style} becomes
   * {@code WALARCHIVE_S3_PATH_STYLE}.
   */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    options()
        .forEach(
            (name, value) ->
                env.put(
                    "WALARCHIVE_"
                        + name.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT),
                    value));
    return env;
  }

  /** A plain SDK client for this server, for tests that look behind the storage; caller closes. */
  S3Client client() {
    return S3Client.builder()
        .region(Region.of(REGION))
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .httpClient(UrlConnectionHttpClient.builder().build())
        .serviceConfiguration(s -> s.chunkedEncodingEnabled(false))
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
        .build();
  }

  /** Stops the server; its objects are gone. */
  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop s3proxy", e);
    }
  }

  /**
   * Runs a server until this process is stopped, printing its settings as {@code export} lines for
   * a shell: {@code java -cp TEST_CLASSPATH dev.walarchive.s3.S3TestServer}.
   */
  public static void main(String[] args) throws Exception {
    try (S3TestServer server = start()) {
      server.environment().forEach((k, v) -> System.out.println("export " + k + "=" + v));
      System.out.println("export WALARCHIVE_URL=" + server.url("archive"));
      System.out.flush();
      Thread.currentThread().join();
    }
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  @Override
  public String toString() {
    return "S3TestServer[" + endpoint + ", bucket " + bucket + "]";
  }
}
