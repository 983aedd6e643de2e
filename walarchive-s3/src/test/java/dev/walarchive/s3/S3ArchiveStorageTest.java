package dev.walarchive.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchiveException;
import dev.walarchive.core.storage.AbstractArchiveStorageTest;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.ArchiveStorages;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The storage contract against s3proxy, opened by URL, through a {@link TestProxy} (which can
 * refuse a delete request) in front of an unauthenticated s3proxy. Multipart uploads start at 5 MiB
 * here, so {@link #largeObjectRoundTrips()} writes three parts.
 */
class S3ArchiveStorageTest extends AbstractArchiveStorageTest {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  static S3TestServer server;
  static TestProxy proxy;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3TestServer.startUnauthenticated();
    proxy = new TestProxy(server.endpoint());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected boolean translatesStoreErrors() {
    return true;
  }

  @Override
  protected int deleteBatchSize() {
    return S3ArchiveStorage.DELETE_BATCH;
  }

  @Override
  protected boolean refuseNextDeleteRequest() {
    proxy.respond(
        r -> r.method().equals("POST") && S3ArchiveStorageBehaviourTest.has(r.query(), "delete"),
        1,
        403,
        S3ArchiveStorageBehaviourTest.error("AccessDenied"));
    return true;
  }

  /** Options of this variant on top of the server's. */
  protected Map<String, String> extraOptions() {
    return Map.of("s3.multipart-threshold", "5MiB", "s3.part-size", "5MiB");
  }

  @Test
  void aRefusedRequestKeepsTheStoresStatusAndRequestId() throws Exception {
    proxy.respond(
        r -> r.method().equals("HEAD"),
        1,
        403,
        S3ArchiveStorageBehaviourTest.error("AccessDenied"));
    assertThatThrownBy(() -> storage.stat("k"))
        .isInstanceOfSatisfying(
            ArchiveStorageException.class,
            e -> {
              assertThat(e.statusCode()).hasValue(403);
              assertThat(e.kind()).isEqualTo(WalArchiveException.Kind.PERMISSION);
              assertThat(e.isRetryable()).isFalse();
              assertThat(e.getCause()).isNotNull();
            });
    proxy.respond(
        r -> r.method().equals("GET"), 1, 503, S3ArchiveStorageBehaviourTest.error("SlowDown"));
    storage.create("k", bytes("x"), Map.of());
    // one 503 is retried inside the SDK: the read succeeds
    assertThat(read("k")).isEqualTo("x");
  }

  @Override
  protected ArchiveStorage createStorage() throws Exception {
    Map<String, String> options = new HashMap<>(server.options());
    options.put("s3.endpoint", proxy.endpoint().toString());
    options.putAll(extraOptions());
    return ArchiveStorages.open(
        server.url("contract/" + PREFIXES.incrementAndGet() + "/archive"), options);
  }

  @Override
  protected int largeObjectSize() {
    return 12 * 1024 * 1024 + 17;
  }

  @Test
  public void aRefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted() throws Exception {
    checkARefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted();
  }
}
