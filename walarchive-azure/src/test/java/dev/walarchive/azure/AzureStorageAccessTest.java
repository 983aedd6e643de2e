package dev.walarchive.azure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Credentials, URL forms, injected clients and error translation, against Azurite. */
class AzureStorageAccessTest {
  static AzuriteServer azurite;

  @BeforeAll
  static void startAzurite() throws Exception {
    azurite = AzuriteServer.start();
  }

  @AfterAll
  static void stopAzurite() {
    if (azurite != null) {
      azurite.close();
    }
  }

  private static String prefix() {
    return "a/" + UUID.randomUUID();
  }

  private static ObjectSource bytes(String s) {
    return ObjectSource.ofBytes(s.getBytes(UTF_8));
  }

  private static String read(ArchiveStorage storage, String key) throws IOException {
    try (InputStream in = storage.open(key)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private static List<String> keys(ArchiveStorage storage) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list("");
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  /** The message, and every message and stack frame of the cause chain. */
  private static String everything(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @Test
  void openedByUrlThroughTheServiceLoader() throws Exception {
    String prefix = prefix();
    try (ArchiveStorage storage = ArchiveStorages.open(azurite.url(prefix), azurite.options())) {
      storage.create("wal/000000010000000000000001", bytes("segment"), Map.of("digest", "d1"));
      assertThat(read(storage, "wal/000000010000000000000001")).isEqualTo("segment");
      assertThat(storage.toString()).isEqualTo(azurite.url(prefix));
    }
    assertThat(
            azurite
                .containerClient()
                .getBlobClient(prefix + "/wal/000000010000000000000001")
                .exists())
        .isTrue();
  }

  @Test
  void aConnectionStringAuthenticates() throws Exception {
    String connection =
        "DefaultEndpointsProtocol=http;AccountName="
            + AzuriteServer.ACCOUNT
            + ";AccountKey="
            + AzuriteServer.ACCOUNT_KEY
            + ";BlobEndpoint="
            + azurite.endpoint()
            + ";";
    try (ArchiveStorage storage =
        ArchiveStorages.open(
            azurite.url(prefix()), Map.of("azure.connection-string", connection))) {
      storage.create("k", bytes("via connection string"), Map.of());
      assertThat(read(storage, "k")).isEqualTo("via connection string");
    }
  }

  @Test
  void aSasTokenAuthenticatesEveryOperationIncludingBatchDelete() throws Exception {
    String sas =
        azurite
            .containerClient()
            .generateSas(
                new BlobServiceSasSignatureValues(
                    OffsetDateTime.now().plusHours(1), BlobContainerSasPermission.parse("racwdl")));
    Map<String, String> options =
        Map.of("azure.endpoint", azurite.endpoint(), "azure.sas-token", "?" + sas);
    try (ArchiveStorage storage = ArchiveStorages.open(azurite.url(prefix()), options)) {
      storage.create("a", bytes("1"), Map.of("digest", "x"));
      storage.create("b", bytes("2"), Map.of());
      assertThat(storage.stat("a").metadata()).containsEntry("digest", "x");
      assertThat(keys(storage)).containsExactly("a", "b");
      storage.delete(List.of("a", "missing"));
      assertThat(keys(storage)).containsExactly("b");
    }
  }

  @Test
  void aWrongAccountKeyIsRefusedWithoutShowingTheKey() throws Exception {
    String wrongKey =
        Base64.getEncoder().encodeToString("wrong-key-wrong-key-wrong-key-123".getBytes(UTF_8));
    Map<String, String> options =
        Map.of(
            "azure.endpoint",
            azurite.endpoint(),
            "azure.account-key",
            wrongKey,
            "azure.max-attempts",
            "1");
    try (ArchiveStorage storage = ArchiveStorages.open(azurite.url(prefix()), options)) {
      for (ThrowingCall call :
          List.<ThrowingCall>of(
              () -> storage.create("k", bytes("x"), Map.of()),
              () -> storage.stat("k"),
              () -> storage.open("k"),
              () -> storage.list("").hasNext(),
              () -> storage.delete(List.of("k")))) {
        assertThatThrownBy(call::run)
            .isInstanceOf(IOException.class)
            .isNotInstanceOf(NoSuchFileException.class)
            .hasMessageContaining("403")
            .hasMessageContaining("check the credential")
            .satisfies(e -> assertThat(everything(e)).doesNotContain(wrongKey));
      }
    }
  }

  @Test
  void aForgedSasTokenIsRefusedWithoutShowingTheSignature() throws Exception {
    String signature = "Zm9yZ2VkLXNpZ25hdHVyZS1mb3JnZWQtc2lnbmF0dXJl";
    String sas =
        "sv=2021-12-02&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=racwdl&sig="
            + java.net.URLEncoder.encode(signature, UTF_8);
    Map<String, String> options =
        Map.of(
            "azure.endpoint",
            azurite.endpoint(),
            "azure.sas-token",
            sas,
            "azure.max-attempts",
            "1");
    try (ArchiveStorage storage = ArchiveStorages.open(azurite.url(prefix()), options)) {
      assertThatThrownBy(() -> storage.create("k", bytes("x"), Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("403")
          .satisfies(
              e ->
                  assertThat(everything(e))
                      .doesNotContain(signature)
                      .doesNotContain(java.net.URLEncoder.encode(signature, UTF_8)));
      assertThatThrownBy(() -> storage.stat("k"))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  void aMissingContainerIsAnErrorNotAMissingObject() throws Exception {
    AzureStorageConfig config =
        AzureStorageConfig.fromUrl(
            URI.create("az://" + AzuriteServer.ACCOUNT + "/no-such-container/p"),
            azurite.options());
    try (ArchiveStorage storage = AzureStorages.create(config)) {
      for (ThrowingCall call :
          List.<ThrowingCall>of(
              () -> storage.stat("k"), () -> storage.open("k"), () -> storage.list("").hasNext())) {
        assertThatThrownBy(call::run)
            .isInstanceOf(IOException.class)
            .isNotInstanceOf(NoSuchFileException.class)
            .hasMessageContaining("container")
            .hasMessageContaining("does not exist");
      }
    }
  }

  @Test
  void anUnreachableEndpointFailsNamingTheLocation() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Map<String, String> options = new HashMap<>(azurite.options());
    options.put("azure.endpoint", "http://127.0.0.1:" + closedPort + "/" + AzuriteServer.ACCOUNT);
    options.put("azure.max-attempts", "1");
    try (ArchiveStorage storage = ArchiveStorages.open(azurite.url("p"), options)) {
      assertThatThrownBy(() -> storage.stat("k"))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NoSuchFileException.class)
          .hasMessageContaining("Azure stat of 'k' in " + azurite.url("p"))
          .satisfies(e -> assertThat(everything(e)).doesNotContain(AzuriteServer.ACCOUNT_KEY));
    }
  }

  @Test
  void theClientIsBuiltOnFirstUseNotOnOpen() throws Exception {
    int[] builds = {0};
    AzureStorageConfig config = azurite.config(prefix());
    try (ArchiveStorage storage =
        new AzureArchiveStorage(
            () -> {
              builds[0]++;
              return AzureStorages.buildClient(config);
            },
            config.prefix(),
            config,
            5000,
            new AzureExceptions(config.location(), AzureExceptions.secretsOf(config)))) {
      assertThat(builds[0]).isZero();
      assertThatThrownBy(() -> storage.create("bad key", bytes("x"), Map.of()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(builds[0]).isZero();
      storage.create("k", bytes("x"), Map.of());
      storage.stat("k");
      assertThat(builds[0]).isEqualTo(1);
    }
  }

  @Test
  void aClosedStorageRefusesWork() throws Exception {
    ArchiveStorage storage = AzureStorages.create(azurite.config(prefix()));
    storage.close();
    storage.close();
    assertThatThrownBy(() -> storage.stat("k"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
  }

  private static long downloadThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("walarchive-azure-download"))
        .count();
  }

  @Test
  void aDownloadClosedEarlyStopsAndFreesItsThread() throws Exception {
    try (ArchiveStorage storage = AzureStorages.create(azurite.config(prefix()))) {
      byte[] data = new byte[6 << 20];
      new java.util.Random(3).nextBytes(data);
      storage.create("big", ObjectSource.ofBytes(data), Map.of());
      for (int i = 0; i < 3; i++) {
        InputStream in = storage.open("big");
        assertThat(in.readNBytes(10)).isEqualTo(java.util.Arrays.copyOf(data, 10));
        in.close();
        assertThatThrownBy(in::read).isInstanceOf(IOException.class);
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (downloadThreads() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(downloadThreads()).isZero();
      try (InputStream in = storage.open("big")) {
        byte[] back = new byte[data.length];
        int off = 0;
        for (int n;
            off < back.length && (n = in.read(back, off, Math.min(777, back.length - off))) > 0; ) {
          off += n;
        }
        assertThat(off).isEqualTo(data.length);
        assertThat(java.util.Arrays.equals(back, data)).as("content read back").isTrue();
        assertThat(in.read()).isEqualTo(-1);
      }
    }
  }

  /** Records the headers of every request, like a user's own pipeline policy would see them. */
  static final class Recorder implements HttpPipelinePolicy {
    final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

    @Override
    public Mono<HttpResponse> process(
        HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      Map<String, String> headers = new HashMap<>();
      context
          .getHttpRequest()
          .getHeaders()
          .forEach(h -> headers.put(h.getName().toLowerCase(), h.getValue()));
      headers.put(":method", context.getHttpRequest().getHttpMethod().toString());
      headers.put(":url", context.getHttpRequest().getUrl().toString());
      requests.add(headers);
      return next.process();
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
      return HttpPipelinePosition.PER_RETRY;
    }
  }

  private static BlobContainerClient injectedClient(HttpPipelinePolicy policy) {
    return new BlobContainerClientBuilder()
        .endpoint(azurite.endpoint())
        .credential(
            new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.ACCOUNT_KEY))
        .httpClient(new JdkHttpClientBuilder().build())
        .addPolicy(policy)
        .containerName(AzuriteServer.CONTAINER)
        .buildClient();
  }

  @Test
  void anInjectedClientIsUsedWithTheTransferSettingsOfTheConfig() throws Exception {
    Recorder recorder = new Recorder();
    String prefix = prefix();
    AzureStorageConfig settings =
        AzureStorageConfig.builder()
            .accessTier("Cool")
            .blockSize(64 * 1024)
            .singleUploadThreshold(100 * 1024)
            .build();
    try (ArchiveStorage storage =
        AzureStorages.create(injectedClient(recorder), prefix + "/", settings)) {
      assertThat(storage.toString()).isEqualTo(azurite.url(prefix));
      storage.create("small", bytes("x"), Map.of("digest", "d"));
      storage.create("large", ObjectSource.ofBytes(new byte[200 * 1024]), Map.of("digest", "e"));
      assertThat(keys(storage)).containsExactly("large", "small");
      assertThat(storage.stat("large").size()).isEqualTo(200 * 1024);
    }
    List<Map<String, String>> writes =
        recorder.requests.stream().filter(r -> r.get(":method").equals("PUT")).toList();
    // Put Blob for the small object, 4 Put Block and one Put Block List for the large one
    assertThat(writes).hasSize(6);
    List<Map<String, String>> creates =
        writes.stream().filter(r -> !r.get(":url").contains("comp=block&")).toList();
    assertThat(creates).hasSize(2);
    assertThat(creates)
        .allSatisfy(
            r -> {
              assertThat(r).containsEntry("if-none-match", "*");
              assertThat(r).containsEntry("x-ms-access-tier", "Cool");
              assertThat(r)
                  .containsEntry("x-ms-meta-digest", r.get(":url").contains("small") ? "d" : "e");
            });
  }

  @Test
  void theEncryptionScopeIsSentWithEveryWrite() throws Exception {
    Recorder recorder = new Recorder();
    AzureStorageConfig settings =
        AzureStorageConfig.builder()
            .encryptionScope("walscope")
            .blockSize(64 * 1024)
            .singleUploadThreshold(64 * 1024)
            .build();
    try (ArchiveStorage storage =
        AzureStorages.create(injectedClient(recorder), prefix(), settings)) {
      try {
        storage.create("small", bytes("x"), Map.of());
        storage.create("large", ObjectSource.ofBytes(new byte[100 * 1024]), Map.of());
      } catch (IOException e) {
        // Azurite may not know the scope; what matters here is what was sent
      }
    }
    List<Map<String, String>> writes =
        recorder.requests.stream().filter(r -> r.get(":method").equals("PUT")).toList();
    assertThat(writes)
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r).containsEntry("x-ms-encryption-scope", "walscope"));
  }

  @Test
  void theProbeAcceptsAzureAndLeavesNothingBehind() throws Exception {
    try (ArchiveStorage storage = AzureStorages.create(azurite.config(prefix()))) {
      assertThat(storage.initializeArchive()).isEmpty();
      assertThat(keys(storage)).isEmpty();
    }
  }

  @Test
  void theProbeRefusesAnEndpointThatIgnoresIfNoneMatch() throws Exception {
    HttpPipelinePolicy dropConditions =
        new HttpPipelinePolicy() {
          @Override
          public Mono<HttpResponse> process(
              HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            context.getHttpRequest().getHeaders().remove("If-None-Match");
            return next.process();
          }

          @Override
          public HttpPipelinePosition getPipelinePosition() {
            return HttpPipelinePosition.PER_CALL; // before the request is signed
          }
        };
    try (ArchiveStorage storage =
        AzureStorages.create(
            injectedClient(dropConditions), prefix(), AzureStorageConfig.builder().build())) {
      assertThatThrownBy(storage::initializeArchive)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("If-None-Match");
      assertThat(keys(storage)).isEmpty();
    }
  }

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }
}
