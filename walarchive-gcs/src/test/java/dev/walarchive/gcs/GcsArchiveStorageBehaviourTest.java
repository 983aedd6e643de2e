package dev.walarchive.gcs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.storage.ObjectSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the GCS backend sends and how it handles the service's answers, seen from the fake. */
class GcsArchiveStorageBehaviourTest {
  private static final int CHUNK = GcsStorageConfig.CHUNK_GRANULARITY;
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static FakeGcsServer server;

  private String prefix;

  @BeforeAll
  static void startServer() throws IOException {
    server = FakeGcsServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void newPrefix() {
    prefix = "behaviour-" + PREFIXES.incrementAndGet();
    server.clearRequests();
  }

  private GcsStorageConfig.Builder config() {
    return GcsStorageConfig.fromUrl(URI.create(server.url(prefix)), server.options()).toBuilder();
  }

  /** Like {@link GcsStorages#create(GcsStorageConfig)}, with retries 10 ms apart. */
  private static ArchiveStorage create(GcsStorageConfig config) {
    return new GcsArchiveStorage(
        config.bucket().orElseThrow(),
        config.prefix(),
        config,
        () -> GcsClients.newClient(config, Duration.ofMillis(10)),
        true);
  }

  private ArchiveStorage storage() {
    return create(config().build());
  }

  private ArchiveStorage smallChunks() {
    return create(config().setUploadChunkSize(CHUNK).build());
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private List<String> requestsExceptClientStart() {
    return server.requests();
  }

  @Test
  void openingMakesNoRequest() throws Exception {
    try (ArchiveStorage storage = ArchiveStorages.open(server.url(prefix), server.options())) {
      assertThat(storage).isNotNull();
    }
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void aSmallCreateIsOneConditionalRequest() throws Exception {
    try (ArchiveStorage storage = storage()) {
      storage.create(
          "wal/000000010000000000000001", ObjectSource.ofBytes(random(1000, 1)), Map.of());
    }
    assertThat(requestsExceptClientStart())
        .singleElement()
        .asString()
        .startsWith("POST /upload/storage/v1/b/" + server.bucket() + "/o?")
        .contains("ifGenerationMatch=0")
        .contains("uploadType=multipart");
  }

  @Test
  void openAndStatAreOneRequestEachAndNeverAskForTheBucket() throws Exception {
    try (ArchiveStorage storage = storage()) {
      storage.create("k", ObjectSource.ofBytes("v".getBytes(UTF_8)), Map.of("digest", "d"));
      server.clearRequests();
      try (InputStream in = storage.open("k")) {
        assertThat(in.readAllBytes()).isEqualTo("v".getBytes(UTF_8));
      }
      assertThat(server.requests()).hasSize(1);
      storage.stat("k");
      assertThat(server.requests()).hasSize(2);
    }
    assertThat(server.requests()).noneMatch(r -> r.matches("GET /storage/v1/b/[^/?]+(\\?.*)?"));
  }

  @Test
  void listingEntriesCarryTheCreationTimeAndAskOnlyForWhatTheyUse() throws Exception {
    java.time.Instant before = java.time.Instant.now().minusSeconds(60);
    try (ArchiveStorage storage = storage()) {
      storage.create("t/1", ObjectSource.ofBytes(new byte[4]), Map.of());
      server.clearRequests();
      dev.walarchive.core.storage.ObjectEntry entry = storage.list("t/").next();
      assertThat(entry.key()).isEqualTo("t/1");
      assertThat(entry.size()).isEqualTo(4);
      assertThat(entry.lastModified()).isAfter(before).isBefore(before.plusSeconds(120));
    }
    assertThat(server.requests())
        .singleElement()
        .asString()
        .contains("fields=")
        .contains("prefix=" + prefix + "/t/");
  }

  @Test
  void metadataIsCustomObjectMetadataOnAnOctetStream() throws Exception {
    try (ArchiveStorage storage = storage()) {
      storage.create(
          "m", ObjectSource.ofBytes(new byte[3]), Map.of("digest", "sha256:ab", "format", "1"));
      storage.create("big", ObjectSource.ofBytes(new byte[0]), Map.of());
    }
    assertThat(server.metadata(server.bucket(), prefix + "/m"))
        .contains(Map.of("digest", "sha256:ab", "format", "1"));
    assertThat(objectJson(prefix + "/m").get("contentType").getAsString())
        .isEqualTo("application/octet-stream");
  }

  @Test
  void aLargeCreateIsOneResumableUploadInChunks() throws Exception {
    byte[] data = random(4 * CHUNK + 1, 2);
    try (ArchiveStorage storage = smallChunks()) {
      storage.create("large", ObjectSource.ofBytes(data), Map.of("digest", "x"));
    }
    List<String> requests = server.requests();
    assertThat(requests.get(0)).startsWith("POST /upload/").contains("uploadType=resumable");
    assertThat(requests.subList(1, requests.size())).hasSize(5).allMatch(r -> r.startsWith("PUT "));
    assertThat(server.content(server.bucket(), prefix + "/large")).contains(data);
    assertThat(server.metadata(server.bucket(), prefix + "/large")).contains(Map.of("digest", "x"));
  }

  @Test
  void anObjectOfExactlyOneChunkIsOneRequest() throws Exception {
    try (ArchiveStorage storage = smallChunks()) {
      storage.create("one", ObjectSource.ofBytes(random(CHUNK, 3)), Map.of());
    }
    assertThat(server.requests()).singleElement().asString().contains("uploadType=multipart");
  }

  @Test
  void concurrentLargeCreatesHaveExactlyOneWinner() throws Exception {
    int threads = 4;
    CyclicBarrier barrier = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (ArchiveStorage storage = smallChunks()) {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        byte[] data = random(2 * CHUNK + 10, 100 + t);
        results.add(
            pool.submit(
                () -> {
                  barrier.await(30, TimeUnit.SECONDS);
                  try {
                    storage.create("race", ObjectSource.ofBytes(data), Map.of());
                    return data;
                  } catch (FileAlreadyExistsException e) {
                    assertThat(e).hasMessageContaining(prefix + "/race");
                    return null;
                  }
                }));
      }
      List<byte[]> winners = new ArrayList<>();
      for (Future<byte[]> f : results) {
        byte[] won = f.get(60, TimeUnit.SECONDS);
        if (won != null) {
          winners.add(won);
        }
      }
      assertThat(winners).hasSize(1);
      assertThat(server.content(server.bucket(), prefix + "/race")).contains(winners.get(0));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLargeCreateOfAnExistingKeyFailsAtTheFinalRequest() throws Exception {
    try (ArchiveStorage storage = smallChunks()) {
      storage.create("exists", ObjectSource.ofBytes(new byte[] {1}), Map.of());
      server.clearRequests();
      assertThatThrownBy(
              () -> storage.create("exists", ObjectSource.ofBytes(random(3 * CHUNK, 4)), Map.of()))
          .isInstanceOf(FileAlreadyExistsException.class)
          .hasMessageContaining(prefix + "/exists");
    }
    assertThat(server.content(server.bucket(), prefix + "/exists")).contains(new byte[] {1});
  }

  @Test
  void transientFailuresAreRetried() throws Exception {
    server.failNext("POST", "/upload/storage/v1/b/" + server.bucket(), 503, 2);
    try (ArchiveStorage storage = create(config().setMaxAttempts(3).build())) {
      storage.create("retried", ObjectSource.ofBytes(new byte[] {7}), Map.of());
    }
    assertThat(server.requests()).hasSize(3);
    assertThat(server.content(server.bucket(), prefix + "/retried")).contains(new byte[] {7});
  }

  @Test
  void aFailureThatOutlastsTheAttemptsIsReportedWithTheKey() throws Exception {
    server.failNext("POST", "/upload/storage/v1/b/" + server.bucket(), 503, 2);
    try (ArchiveStorage storage = create(config().setMaxAttempts(2).build())) {
      assertThatThrownBy(
              () -> storage.create("failed", ObjectSource.ofBytes(new byte[] {7}), Map.of()))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(FileAlreadyExistsException.class)
          .hasMessageContaining("gs://" + server.bucket() + "/" + prefix + "/failed")
          .hasMessageContaining("503");
    }
    assertThat(server.content(server.bucket(), prefix + "/failed")).isEmpty();
  }

  @Test
  void aFailedResumableChunkIsRetried() throws Exception {
    byte[] data = random(3 * CHUNK + 5, 5);
    server.failNext("PUT", "/upload/storage/v1/b/", 503, 1);
    try (ArchiveStorage storage = smallChunks()) {
      storage.create("chunk-retry", ObjectSource.ofBytes(data), Map.of());
    }
    assertThat(server.content(server.bucket(), prefix + "/chunk-retry")).contains(data);
  }

  @Test
  void contentShorterThanDeclaredIsNotStoredOnTheResumablePath() throws Exception {
    ObjectSource liar = lying(3 * CHUNK, 2 * CHUNK + 1);
    try (ArchiveStorage storage = smallChunks()) {
      assertThatThrownBy(() -> storage.create("short", liar, Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("expected " + 3 * CHUNK);
      assertThatThrownBy(() -> storage.stat("short")).isInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  void contentLongerThanDeclaredIsNotStoredOnTheResumablePath() throws Exception {
    ObjectSource liar = lying(2 * CHUNK + 1, 3 * CHUNK);
    try (ArchiveStorage storage = smallChunks()) {
      assertThatThrownBy(() -> storage.create("long", liar, Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("expected " + (2 * CHUNK + 1));
      assertThatThrownBy(() -> storage.open("long")).isInstanceOf(NoSuchFileException.class);
    }
  }

  private static ObjectSource lying(long declared, int actual) {
    byte[] data = random(actual, 6);
    return new ObjectSource() {
      @Override
      public long length() {
        return declared;
      }

      @Override
      public InputStream openStream() {
        return new ByteArrayInputStream(data);
      }
    };
  }

  @Test
  void batchDeleteRetriesTransientFailuresOfSingleCalls() throws Exception {
    try (ArchiveStorage storage = storage()) {
      List<String> keys = List.of("a", "b", "c");
      for (String key : keys) {
        storage.create(key, ObjectSource.ofBytes(new byte[] {1}), Map.of());
      }
      server.failNext("DELETE", "/storage/v1/b/", 503, 2);
      storage.delete(keys);
    }
    assertThat(server.objectNames(server.bucket())).noneMatch(n -> n.startsWith(prefix + "/"));
    assertThat(server.requests()).anyMatch(r -> r.startsWith("batch: DELETE"));
  }

  @Test
  void batchDeleteReportsPermanentFailuresPerKeyAndDeletesTheRest() throws Exception {
    try (ArchiveStorage storage = storage()) {
      for (String key : List.of("x", "y", "z")) {
        storage.create(key, ObjectSource.ofBytes(new byte[] {1}), Map.of());
      }
      server.failNext(
          "DELETE", "/storage/v1/b/" + server.bucket() + "/o/" + prefix + "%2Fy", 403, 1);
      assertThatThrownBy(() -> storage.delete(List.of("x", "y", "z")))
          .isInstanceOfSatisfying(
              BatchDeleteException.class,
              e -> {
                assertThat(e.failures()).containsOnlyKeys("y");
                assertThat(e.failures().get("y")).contains("403");
              });
    }
    assertThat(server.objectNames(server.bucket()))
        .filteredOn(n -> n.startsWith(prefix + "/"))
        .containsExactly(prefix + "/y");
  }

  @Test
  void aMissingBucketIsAnErrorNotAMissingObject() throws Exception {
    GcsStorageConfig config = config().setBucket("no-such-bucket").build();
    try (ArchiveStorage storage = GcsStorages.create(config)) {
      assertThatThrownBy(() -> storage.open("wal/000000010000000000000001"))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NoSuchFileException.class)
          .hasMessageContaining("bucket does not exist");
      assertThatThrownBy(() -> storage.create("k", ObjectSource.ofBytes(new byte[1]), Map.of()))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NoSuchFileException.class)
          .hasMessageContaining("bucket does not exist");
      assertThatThrownBy(() -> storage.list("").hasNext())
          .isInstanceOf(IOException.class)
          .hasMessageContaining("bucket does not exist");
    }
  }

  @Test
  void kmsKeyAndStorageClassApplyToSmallAndLargeObjects() throws Exception {
    String key = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
    GcsStorageConfig config =
        config().setUploadChunkSize(CHUNK).setKmsKeyName(key).setStorageClass("nearline").build();
    try (ArchiveStorage storage = GcsStorages.create(config)) {
      storage.create("small", ObjectSource.ofBytes(new byte[10]), Map.of());
      storage.create("large", ObjectSource.ofBytes(new byte[2 * CHUNK]), Map.of());
    }
    for (String name : List.of("small", "large")) {
      JsonObject json = objectJson(prefix + "/" + name);
      assertThat(json.get("kmsKeyName").getAsString()).startsWith(key + "/cryptoKeyVersions/");
      assertThat(json.get("storageClass").getAsString()).isEqualTo("NEARLINE");
    }
  }

  @Test
  void anInjectedClientIsUsedAndLeftOpen() throws Exception {
    Storage client =
        StorageOptions.http()
            .setHost(server.endpoint())
            .setProjectId(FakeGcsServer.PROJECT_ID)
            .setCredentials(NoCredentials.getInstance())
            .build()
            .getService();
    try (client) {
      try (ArchiveStorage storage =
          GcsStorages.create(
              client, server.bucket(), "/" + prefix + "/", GcsStorageConfig.defaults())) {
        storage.create("k", ObjectSource.ofBytes("v".getBytes(UTF_8)), Map.of());
      }
      assertThat(client.readAllBytes(server.bucket(), prefix + "/k"))
          .isEqualTo("v".getBytes(UTF_8));
    }
  }

  @Test
  void anInjectedClientWithAContradictingConfigIsRefused() {
    GcsStorageConfig other = GcsStorageConfig.builder().setBucket("other-bucket").build();
    Storage client =
        StorageOptions.http()
            .setProjectId("p")
            .setCredentials(NoCredentials.getInstance())
            .build()
            .getService();
    assertThatThrownBy(() -> GcsStorages.create(client, server.bucket(), prefix, other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("other-bucket");
  }

  @Test
  void credentialsAreReadOnFirstUseAndAMissingFileIsNamed(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing-key.json");
    GcsStorageConfig config = config().setNoCredentials(false).setCredentialsFile(missing).build();
    try (ArchiveStorage storage = GcsStorages.create(config)) {
      assertThatThrownBy(() -> storage.stat("k"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(missing.toString())
          .hasMessageContaining("does not exist");
    }
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void aBrokenKeyFileDoesNotLeakItsContentIntoTheMessage(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("key.json");
    java.nio.file.Files.writeString(
        file,
        "{\"type\":\"service_account\",\"private_key_id\":\"SECRETKEYID\","
            + "\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nSECRETMATERIAL\\n-----END PRIVATE"
            + " KEY-----\\n\",\"client_email\":\"a@b.iam.gserviceaccount.com\",\"client_id\":\"1\"}");
    GcsStorageConfig config = config().setNoCredentials(false).setCredentialsFile(file).build();
    assertThat(config.toString()).doesNotContain("SECRET").doesNotContain(file.toString());
    try (ArchiveStorage storage = GcsStorages.create(config)) {
      assertThatThrownBy(() -> storage.stat("k"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .satisfies(
              e -> {
                for (Throwable t = e; t != null; t = t.getCause()) {
                  assertThat(String.valueOf(t.getMessage())).doesNotContain("SECRET");
                }
              });
    }
  }

  @Test
  void aClosedStorageRefusesWorkAndClosesOnce() throws Exception {
    ArchiveStorage storage = storage();
    storage.create("k", ObjectSource.ofBytes(new byte[1]), Map.of());
    storage.close();
    storage.close();
    assertThatThrownBy(() -> storage.stat("k"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void readsResumeAfterAnInterruptedDownload() throws Exception {
    // the client reads large objects as one stream; a failed first GET is retried
    byte[] data = random(3 * 1024 * 1024, 7);
    try (ArchiveStorage storage = storage()) {
      storage.create("download", ObjectSource.ofBytes(data), Map.of());
      server.failNext("GET", "/download/", 503, 1);
      try (InputStream in = storage.open("download")) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }

  private JsonObject objectJson(String name) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            server.endpoint()
                                + "/storage/v1/b/"
                                + server.bucket()
                                + "/o/"
                                + FakeGcsServer.encode(name)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }
}
