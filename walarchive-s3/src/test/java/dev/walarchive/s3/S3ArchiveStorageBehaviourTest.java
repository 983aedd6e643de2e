package dev.walarchive.s3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;

/**
 * S3-specific behaviour beyond the storage contract, against s3proxy: multipart failure paths,
 * error translation, retries of ambiguous and conflicting writes, resumed reads, the headers
 * actually sent (through a recording {@link TestProxy}) and the archive hooks.
 */
class S3ArchiveStorageBehaviourTest {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final int MIB = 1024 * 1024;

  static S3TestServer server;
  static S3TestServer open;
  static S3Client raw;

  TestProxy proxy;
  String prefix;

  @BeforeAll
  static void startServers() throws Exception {
    server = S3TestServer.start();
    open = S3TestServer.startUnauthenticated();
    raw = server.client();
  }

  @AfterAll
  static void stopServers() {
    if (raw != null) {
      raw.close();
    }
    if (server != null) {
      server.close();
    }
    if (open != null) {
      open.close();
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    proxy = new TestProxy(open.endpoint());
    prefix = "behaviour/" + PREFIXES.incrementAndGet();
  }

  @AfterEach
  void tearDown() {
    proxy.close();
  }

  private ArchiveStorage storage(Map<String, String> extra) throws IOException {
    Map<String, String> options = new HashMap<>(server.options());
    options.put("s3.multipart-threshold", "5MiB");
    options.put("s3.part-size", "5MiB");
    options.putAll(extra);
    return ArchiveStorages.open(server.url(prefix), options);
  }

  /** A storage that reaches the unauthenticated server through {@link #proxy}. */
  private ArchiveStorage proxied(Map<String, String> extra) throws IOException {
    Map<String, String> options = new HashMap<>(open.options());
    options.put("s3.endpoint", proxy.endpoint().toString());
    options.put("s3.multipart-threshold", "5MiB");
    options.put("s3.part-size", "5MiB");
    options.putAll(extra);
    return ArchiveStorages.open(open.url(prefix), options);
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static byte[] readAll(ArchiveStorage storage, String key) throws IOException {
    try (InputStream in = storage.open(key)) {
      return in.readAllBytes();
    }
  }

  private List<String> pendingUploads() {
    return raw
        .listMultipartUploads(ListMultipartUploadsRequest.builder().bucket(server.bucket()).build())
        .uploads()
        .stream()
        .map(u -> u.key())
        .filter(k -> k.startsWith(prefix + "/"))
        .toList();
  }

  private static List<String> keys(ArchiveStorage storage, String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list(prefix);
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  // ---- multipart ----

  @Test
  void multipartCreateOfAnExistingKeyFailsAndLeavesNoUploadBehind() throws Exception {
    try (ArchiveStorage storage = storage(Map.of())) {
      byte[] first = random(11 * MIB, 1);
      storage.create("big", ObjectSource.ofBytes(first), Map.of("digest", "one"));
      assertThatThrownBy(
              () ->
                  storage.create(
                      "big", ObjectSource.ofBytes(random(11 * MIB, 2)), Map.of("digest", "two")))
          .isInstanceOf(FileAlreadyExistsException.class)
          .hasMessageContaining("big");
      assertThat(readAll(storage, "big")).isEqualTo(first);
      assertThat(storage.stat("big").metadata()).isEqualTo(Map.of("digest", "one"));
      assertThat(pendingUploads()).isEmpty();
    }
  }

  @Test
  void multipartUploadThatFailsMidwayIsAbortedAndLeavesNoObject() throws Exception {
    ObjectSource failing =
        new ObjectSource() {
          @Override
          public long length() {
            return 12 * MIB;
          }

          @Override
          public InputStream openStream() {
            return new InputStream() {
              long position;

              @Override
              public int read() throws IOException {
                if (position++ >= 7 * MIB) {
                  throw new IOException("disk read error");
                }
                return 7;
              }
            };
          }
        };
    try (ArchiveStorage storage = storage(Map.of())) {
      assertThatThrownBy(() -> storage.create("broken", failing, Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("disk read error");
      assertThatThrownBy(() -> storage.stat("broken")).isInstanceOf(NoSuchFileException.class);
      assertThat(pendingUploads()).isEmpty();
    }
  }

  @Test
  void multipartContentShorterOrLongerThanDeclaredIsNotStored() throws Exception {
    try (ArchiveStorage storage = storage(Map.of())) {
      for (int actual : new int[] {9 * MIB, 10 * MIB + 1}) {
        byte[] data = random(actual, actual);
        ObjectSource lying =
            new ObjectSource() {
              @Override
              public long length() {
                return 10 * MIB;
              }

              @Override
              public InputStream openStream() {
                return new java.io.ByteArrayInputStream(data);
              }
            };
        assertThatThrownBy(() -> storage.create("liar", lying, Map.of()))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("expected " + 10 * MIB);
        assertThatThrownBy(() -> storage.stat("liar")).isInstanceOf(NoSuchFileException.class);
      }
      assertThat(pendingUploads()).isEmpty();
    }
  }

  @Test
  void singlePutContentLongerThanDeclaredIsNotStored() throws Exception {
    ObjectSource lying =
        new ObjectSource() {
          @Override
          public long length() {
            return 3;
          }

          @Override
          public InputStream openStream() {
            return new java.io.ByteArrayInputStream("four".getBytes(UTF_8));
          }
        };
    try (ArchiveStorage storage = storage(Map.of())) {
      assertThatThrownBy(() -> storage.create("long", lying, Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("more than 3 bytes");
      assertThatThrownBy(() -> storage.stat("long")).isInstanceOf(NoSuchFileException.class);
    }
  }

  // ---- errors ----

  @Test
  void aMissingBucketIsAnErrorNotAMissingObject() throws Exception {
    Map<String, String> options = new HashMap<>(server.options());
    try (ArchiveStorage storage =
        ArchiveStorages.open("s3://no-such-bucket-here/archive", options)) {
      assertThatThrownBy(() -> storage.open("wal/000000010000000000000001"))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NoSuchFileException.class)
          .hasMessageContaining("wal/000000010000000000000001")
          .hasMessageContaining("bucket")
          .hasMessageContaining("does not exist");
      assertThatThrownBy(() -> storage.list("").hasNext())
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  void rejectedCredentialsAreReportedWithoutTheSecret() throws Exception {
    Map<String, String> options = new HashMap<>(server.options());
    String secret = "WrongSecretValue0123456789abcdef";
    options.put("s3.secret-access-key", secret);
    try (ArchiveStorage storage = ArchiveStorages.open(server.url(prefix), options)) {
      assertThatThrownBy(() -> storage.create("k", ObjectSource.ofBytes(new byte[1]), Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("k")
          .hasMessageContaining("403")
          .hasMessageContaining("credentials")
          .satisfies(e -> assertThat(fullText(e)).doesNotContain(secret));
    }
  }

  @Test
  void openingMakesNoRequestAndAnUnreachableStoreFailsOnFirstUse() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Map<String, String> options = new HashMap<>(server.options());
    options.put("s3.endpoint", "http://127.0.0.1:" + port);
    options.put("s3.max-attempts", "2");
    Instant start = Instant.now();
    try (ArchiveStorage storage = ArchiveStorages.open(server.url(prefix), options)) {
      assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(2));
      assertThatThrownBy(() -> storage.stat("wal/x"))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NoSuchFileException.class)
          .hasMessageContaining("wal/x");
    }
    ArchiveStorage unused = proxied(Map.of());
    unused.close();
    assertThat(proxy.requests()).isEmpty();
  }

  @Test
  void aMissingRegionIsReportedOnFirstUseNamingTheOption() throws Exception {
    assumeTrue(
        System.getenv("AWS_REGION") == null
            && System.getProperty("aws.region") == null
            && System.getenv("AWS_CONFIG_FILE") == null
            && !Files.exists(Path.of(System.getProperty("user.home"), ".aws", "config")),
        "a region is configured in this environment");
    Map<String, String> options = new HashMap<>(server.options());
    options.remove("s3.region");
    options.remove("s3.endpoint");
    try (ArchiveStorage storage = ArchiveStorages.open(server.url(prefix), options)) {
      assertThatThrownBy(() -> storage.stat("k"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("s3.region")
          .hasMessageNotContaining("WALARCHIVE_");
    }
  }

  @Test
  void closedStorageRefusesWork() throws Exception {
    ArchiveStorage storage = storage(Map.of());
    storage.create("k", ObjectSource.ofBytes(new byte[1]), Map.of());
    storage.close();
    storage.close();
    // the same for every backend (contract: everyOperationAfterCloseThrowsClosedStorageException)
    assertThatThrownBy(() -> storage.stat("k"))
        .isInstanceOf(dev.walarchive.core.storage.ClosedStorageException.class);
  }

  // ---- retries ----

  @Test
  void aWriteWhoseAnswerWasLostIsRecognisedAsOurOwnOnRetry() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of())) {
      proxy.dropResponseNext(TestProxy.Request::isObjectWrite);
      storage.create("lost-answer", ObjectSource.ofBytes("mine".getBytes(UTF_8)), Map.of());
      assertThat(readAll(storage, "lost-answer")).isEqualTo("mine".getBytes(UTF_8));
      assertThat(proxy.requests().stream().filter(TestProxy.Request::isObjectWrite)).hasSize(2);
      assertThatThrownBy(
              () ->
                  storage.create(
                      "lost-answer", ObjectSource.ofBytes("other".getBytes(UTF_8)), Map.of()))
          .isInstanceOf(FileAlreadyExistsException.class);
    }
  }

  @Test
  void aMultipartCompletionWhoseAnswerWasLostIsRecognisedAsOurOwn() throws Exception {
    // what S3 may answer the SDK's retry of a completion that had in fact succeeded
    for (String retryAnswer : List.of("PreconditionFailed", "NoSuchUpload")) {
      byte[] data = random(6 * MIB, 3);
      String key = "lost-complete-" + retryAnswer;
      try (ArchiveStorage storage = proxied(Map.of())) {
        Predicate<TestProxy.Request> complete =
            r -> r.method().equals("POST") && has(r.query(), "uploadId");
        proxy.dropResponseNext(complete);
        proxy.respond(
            complete, 1, retryAnswer.equals("NoSuchUpload") ? 404 : 412, error(retryAnswer));
        storage.create(key, ObjectSource.ofBytes(data), Map.of());
        assertThat(readAll(storage, key)).isEqualTo(data);
      }
    }
  }

  @Test
  void conditionalRequestConflictIsRetried() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of())) {
      proxy.respond(TestProxy.Request::isObjectWrite, 2, 409, error("ConditionalRequestConflict"));
      storage.create("contended", ObjectSource.ofBytes("x".getBytes(UTF_8)), Map.of());
      assertThat(readAll(storage, "contended")).isEqualTo("x".getBytes(UTF_8));
      assertThat(proxy.requests().stream().filter(TestProxy.Request::isObjectWrite)).hasSize(3);
    }
  }

  @Test
  void endlessConditionalRequestConflictIsReported() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of())) {
      proxy.respond(
          TestProxy.Request::isObjectWrite,
          S3ArchiveStorage.CONFLICT_ATTEMPTS,
          409,
          error("ConditionalRequestConflict"));
      assertThatThrownBy(
              () -> storage.create("contended", ObjectSource.ofBytes(new byte[1]), Map.of()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("contended")
          .hasMessageContaining("409 ConditionalRequestConflict");
    }
  }

  @Test
  void serverErrorsAreRetriedBySdk() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of())) {
      storage.create("flaky", ObjectSource.ofBytes("x".getBytes(UTF_8)), Map.of());
      proxy.respond(r -> r.method().equals("HEAD"), 2, 503, null);
      assertThat(storage.stat("flaky").size()).isEqualTo(1);
    }
  }

  @Test
  void aReadCutShortIsResumedWithARangeRequest() throws Exception {
    byte[] data = random(3 * MIB, 4);
    try (ArchiveStorage storage = proxied(Map.of())) {
      storage.create("resumed", ObjectSource.ofBytes(data), Map.of());
      proxy.truncateNext(r -> r.method().equals("GET") && r.path().endsWith("/resumed"));
      proxy.truncateNext(r -> r.method().equals("GET") && r.path().endsWith("/resumed"));
      assertThat(readAll(storage, "resumed")).isEqualTo(data);
      List<TestProxy.Request> gets =
          proxy.requests().stream().filter(r -> r.method().equals("GET")).toList();
      assertThat(gets).hasSize(3);
      assertThat(gets.get(1).header("range")).isEqualTo("bytes=" + data.length / 2 + "-");
      assertThat(gets.get(1).header("if-match")).isNotBlank();
    }
  }

  @Test
  void aReadCutShortTooOftenFails() throws Exception {
    byte[] data = random(MIB, 5);
    try (ArchiveStorage storage = proxied(Map.of("s3.max-attempts", "2"))) {
      storage.create("cut", ObjectSource.ofBytes(data), Map.of());
      proxy.truncateNext(r -> r.method().equals("GET"));
      proxy.truncateNext(r -> r.method().equals("GET"));
      assertThatThrownBy(() -> readAll(storage, "cut"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("cut")
          .hasMessageContaining("failed at byte");
    }
  }

  // ---- delete ----

  @Test
  void deleteSendsBatchesOfAtMostOneThousandKeys() throws Exception {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 2345; i++) {
      keys.add(String.format("gone/%05d", i));
    }
    try (ArchiveStorage storage = proxied(Map.of())) {
      storage.delete(keys);
    }
    List<Integer> batches =
        proxy.requests().stream()
            .filter(r -> r.method().equals("POST") && has(r.query(), "delete"))
            .map(r -> count(r.bodyText(), "<Key>"))
            .toList();
    assertThat(batches).containsExactly(1000, 1000, 345);
  }

  @Test
  void perKeyDeleteErrorsAreReportedAndOtherKeysStillDeleted() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of())) {
      for (String key : List.of("d/1", "d/2", "d/3")) {
        storage.create(key, ObjectSource.ofBytes(new byte[1]), Map.of());
      }
      String response =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult>"
              + "<Error><Key>"
              + prefix
              + "/d/2</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
              + "<Error><Key>"
              + prefix
              + "/d/9</Key><Code>NoSuchKey</Code><Message>gone</Message></Error>"
              + "</DeleteResult>";
      proxy.respond(r -> r.method().equals("POST") && has(r.query(), "delete"), 1, 200, response);
      assertThatThrownBy(() -> storage.delete(List.of("d/1", "d/2", "d/9")))
          .isInstanceOfSatisfying(
              BatchDeleteException.class, e -> assertThat(e.failures()).containsOnlyKeys("d/2"))
          .hasMessageContaining("d/2")
          .hasMessageContaining("AccessDenied");
      storage.delete(List.of("d/1", "d/3"));
      assertThat(keys(storage, "d/")).containsExactly("d/2");
    }
  }

  @Test
  void aFailedDeleteBatchReportsEachOfItsKeys() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of("s3.max-attempts", "1"))) {
      proxy.respond(
          r -> r.method().equals("POST") && has(r.query(), "delete"),
          1,
          403,
          error("AccessDenied"));
      assertThatThrownBy(() -> storage.delete(List.of("x/1", "x/2")))
          .isInstanceOfSatisfying(
              BatchDeleteException.class,
              e -> assertThat(e.failures()).containsOnlyKeys("x/1", "x/2"))
          .hasMessageContaining("AccessDenied");
    }
  }

  // ---- what goes over the wire ----

  @Test
  void pushAndFetchTouchOnlyObjectsNeverTheBucket() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of())) {
      storage.create("wal/1", ObjectSource.ofBytes(new byte[10]), Map.of("digest", "d"));
      storage.create("wal/big", ObjectSource.ofBytes(random(6 * MIB, 6)), Map.of());
      assertThatThrownBy(() -> storage.create("wal/1", ObjectSource.ofBytes(new byte[1]), Map.of()))
          .isInstanceOf(FileAlreadyExistsException.class);
      storage.stat("wal/1");
      readAll(storage, "wal/1");
      assertThatThrownBy(() -> storage.open("wal/2")).isInstanceOf(NoSuchFileException.class);
    }
    String objectPath = "/" + open.bucket() + "/" + prefix + "/wal/";
    assertThat(proxy.requests())
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.path()).startsWith(objectPath))
        .noneSatisfy(r -> assertThat(r.query()).contains("location"));
  }

  @Test
  void uploadsCarryACrc32HeaderAndPlainBodies() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of())) {
      storage.create("c", ObjectSource.ofBytes("abc".getBytes(UTF_8)), Map.of());
      storage.create("m", ObjectSource.ofBytes(random(6 * MIB, 7)), Map.of());
    }
    List<TestProxy.Request> writes =
        proxy.requests().stream().filter(r -> r.method().equals("PUT")).toList();
    assertThat(writes).hasSize(3); // one PutObject, two UploadPart
    assertThat(writes)
        .allSatisfy(
            r -> {
              assertThat(r.header("x-amz-checksum-crc32")).isNotBlank();
              assertThat(r.header("content-encoding")).isNull();
              assertThat(r.header("content-md5")).isNull();
            });
    assertThat(writes.get(0).header("x-amz-checksum-crc32")).isEqualTo("NSRBwg==");
    assertThat(writes.get(0).header("if-none-match")).isEqualTo("*");
    TestProxy.Request complete =
        proxy.requests().stream()
            .filter(r -> r.method().equals("POST") && has(r.query(), "uploadId"))
            .findFirst()
            .orElseThrow();
    assertThat(complete.header("if-none-match")).isEqualTo("*");
  }

  @Test
  void md5ModeSendsContentMd5OnEveryUploadAndDelete() throws Exception {
    try (ArchiveStorage storage = proxied(Map.of("s3.checksum", "md5"))) {
      storage.create("c", ObjectSource.ofBytes("abc".getBytes(UTF_8)), Map.of());
      byte[] big = random(6 * MIB, 8);
      storage.create("m", ObjectSource.ofBytes(big), Map.of());
      assertThat(readAll(storage, "m")).isEqualTo(big);
      storage.delete(List.of("c", "m"));
      assertThat(keys(storage, "")).isEmpty();
    }
    List<TestProxy.Request> writes =
        proxy.requests().stream()
            .filter(
                r ->
                    r.method().equals("PUT")
                        || (r.method().equals("POST") && has(r.query(), "delete")))
            .toList();
    assertThat(writes).hasSize(4);
    assertThat(writes).allSatisfy(r -> assertThat(r.header("content-md5")).isNotBlank());
    // the SDK adds its own checksum to DeleteObjects, next to Content-MD5; uploads carry only MD5
    assertThat(writes.subList(0, 3))
        .allSatisfy(
            r -> assertThat(r.headers().keySet()).noneMatch(h -> h.startsWith("x-amz-checksum-")));
    assertThat(writes.get(0).header("content-md5")).isEqualTo("kAFQmDzST7DWlj99KOF/cg==");
  }

  @Test
  void encryptionAndStorageClassAreRequestedOnEveryWrite() throws Exception {
    try (ArchiveStorage storage =
        proxied(
            Map.of(
                "s3.sse", "aws:kms",
                "s3.sse-kms-key-id", "alias/walarchive",
                "s3.storage-class", "STANDARD_IA"))) {
      proxy.respond(r -> r.method().equals("PUT"), 1, 200, null);
      storage.create("secret", ObjectSource.ofBytes(new byte[1]), Map.of());
      proxy.respond(
          r -> r.method().equals("POST") && has(r.query(), "uploads"), 1, 200, initiated());
      proxy.respond(r -> r.method().equals("PUT"), 2, 200, null);
      proxy.respond(
          r -> r.method().equals("POST") && has(r.query(), "uploadId"),
          1,
          200,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult>"
              + "<ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>");
      storage.create("big", ObjectSource.ofBytes(random(6 * MIB, 9)), Map.of());
    }
    List<TestProxy.Request> starts =
        proxy.requests().stream()
            .filter(
                r ->
                    (r.method().equals("PUT") && !has(r.query(), "uploadId"))
                        || (r.method().equals("POST") && has(r.query(), "uploads")))
            .toList();
    assertThat(starts).hasSize(2);
    assertThat(starts)
        .allSatisfy(
            r -> {
              assertThat(r.header("x-amz-server-side-encryption")).isEqualTo("aws:kms");
              assertThat(r.header("x-amz-server-side-encryption-aws-kms-key-id"))
                  .isEqualTo("alias/walarchive");
              assertThat(r.header("x-amz-storage-class")).isEqualTo("STANDARD_IA");
            });
  }

  @Test
  void statShowsOnlyTheCallersMetadata() throws Exception {
    try (ArchiveStorage storage = storage(Map.of())) {
      storage.create("m", ObjectSource.ofBytes(new byte[1]), Map.of("digest", "x", "format", "1"));
      assertThat(storage.stat("m").metadata()).isEqualTo(Map.of("digest", "x", "format", "1"));
    }
  }

  // ---- archive hooks ----

  @Test
  void initializingAnArchiveOnAnHonestStoreRecordsVerifiedAndLeavesNoProbe() throws Exception {
    try (ArchiveStorage storage = storage(Map.of())) {
      assertThat(storage.initializeArchive())
          .isEqualTo(Map.of("s3.conditional-writes", "verified"));
      assertThat(keys(storage, "")).isEmpty();
      storage.checkArchive(Map.of("s3.conditional-writes", "verified"));
      storage.checkArchive(Map.of());
    }
    try (ArchiveStorage storage =
        storage(Map.of("s3.conditional-writes", "unsafe-allow-overwrite"))) {
      assertThat(storage.initializeArchive())
          .isEqualTo(Map.of("s3.conditional-writes", "verified"));
    }
  }

  // ---- helpers ----

  private String initiated() {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult>"
        + "<Bucket>"
        + open.bucket()
        + "</Bucket><Key>"
        + prefix
        + "/big</Key><UploadId>fake-upload</UploadId></InitiateMultipartUploadResult>";
  }

  static String error(String code) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
        + code
        + "</Code><Message>injected by the test</Message><RequestId>test</RequestId></Error>";
  }

  static boolean has(String query, String parameter) {
    if (query == null) {
      return false;
    }
    for (String part : query.split("&")) {
      if (part.equals(parameter) || part.startsWith(parameter + "=")) {
        return true;
      }
    }
    return false;
  }

  private static int count(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  static String fullText(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t).append('\n');
      for (Throwable s : t.getSuppressed()) {
        sb.append(s).append('\n');
      }
    }
    return sb.toString();
  }
}
