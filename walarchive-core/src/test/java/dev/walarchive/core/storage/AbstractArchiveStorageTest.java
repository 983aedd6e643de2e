package dev.walarchive.core.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchiveException;
import dev.walarchive.core.WalArchiveException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ArchiveStorage} meets. A backend's test extends this class, returns a
 * fresh, empty storage from {@link #createStorage()}, and overrides a test only for a documented
 * deviation of an emulator, with a comment saying why (the test methods are public for that). The
 * capability hooks ({@link #translatesStoreErrors()}, {@link #deleteBatchSize()}, {@link
 * #refuseNextDeleteRequest()}) tell the suite what the backend's test can do.
 */
public abstract class AbstractArchiveStorageTest {
  protected ArchiveStorage storage;

  /** A new storage with no objects, rooted where nothing else writes. */
  protected abstract ArchiveStorage createStorage() throws Exception;

  /**
   * How many objects {@link #listingPagesThroughManyObjects()} writes; enough for several pages.
   */
  protected int manyObjectsCount() {
    return 1_100;
  }

  /** Threads racing in {@link #concurrentCreatesOfOneKeyHaveExactlyOneWinner()}. */
  protected int raceThreads() {
    return 8;
  }

  /**
   * Object size of {@link #largeObjectRoundTrips()}; backends with multipart set it above a part.
   */
  protected int largeObjectSize() {
    return 3 * 1024 * 1024 + 17;
  }

  /**
   * Whether the storage translates the exceptions of a store SDK: then the SPI exceptions it throws
   * for a missing or existing object keep the store's answer as their cause. False for storages
   * without a store behind them (file, memory).
   */
  protected boolean translatesStoreErrors() {
    return false;
  }

  /** Keys per delete request of the store; {@link Integer#MAX_VALUE} if it has no such limit. */
  protected int deleteBatchSize() {
    return Integer.MAX_VALUE;
  }

  /**
   * Makes the store refuse the next whole delete request of {@link #storage} with HTTP 403 (not a
   * transient failure, so the backend does not retry it). Returns false if this backend's test
   * cannot, which skips {@link #aRefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted()}.
   */
  protected boolean refuseNextDeleteRequest() throws Exception {
    return false;
  }

  @BeforeEach
  void setUpStorage() throws Exception {
    storage = createStorage();
  }

  @AfterEach
  void tearDownStorage() throws Exception {
    if (storage != null) {
      storage.close();
    }
  }

  protected static ObjectSource bytes(String s) {
    return ObjectSource.ofBytes(s.getBytes(UTF_8));
  }

  protected String read(String key) throws IOException {
    try (InputStream in = storage.open(key)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  protected List<String> listKeys(String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list(prefix);
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  @Test
  public void createThenOpenReturnsTheContent() throws Exception {
    storage.create("wal/000000010000000000000001", bytes("hello"), Map.of());
    assertThat(read("wal/000000010000000000000001")).isEqualTo("hello");
  }

  @Test
  public void emptyObjectRoundTrips() throws Exception {
    storage.create("empty", ObjectSource.ofBytes(new byte[0]), Map.of("digest", "x"));
    assertThat(read("empty")).isEmpty();
    assertThat(storage.stat("empty").size()).isZero();
  }

  @Test
  public void largeObjectRoundTrips() throws Exception {
    byte[] data = new byte[largeObjectSize()];
    new Random(42).nextBytes(data);
    storage.create("large", ObjectSource.ofBytes(data), Map.of());
    try (InputStream in = storage.open("large")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(storage.stat("large").size()).isEqualTo(data.length);
  }

  @Test
  public void createOfExistingKeyFailsAndKeepsTheFirstContent() throws Exception {
    storage.create("a/b", bytes("first"), Map.of("digest", "one"));
    assertThatThrownBy(() -> storage.create("a/b", bytes("second"), Map.of("digest", "two")))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("a/b");
    assertThat(read("a/b")).isEqualTo("first");
    assertThat(storage.stat("a/b").metadata()).containsEntry("digest", "one");
  }

  @Test
  public void openOfMissingKeyIsNoSuchFile() {
    assertThatThrownBy(() -> storage.open("missing/key"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing/key");
  }

  @Test
  public void statOfMissingKeyIsNoSuchFile() {
    assertThatThrownBy(() -> storage.stat("missing"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing");
  }

  @Test
  public void aPrefixOfAKeyIsNotAnObject() throws Exception {
    storage.create("dir/file", bytes("x"), Map.of());
    assertThatThrownBy(() -> storage.open("dir")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> storage.stat("dir")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  public void statReturnsSizeTimeAndMetadata() throws Exception {
    Instant before = Instant.now().minus(Duration.ofMinutes(5));
    storage.create(
        "meta",
        bytes("12345"),
        Map.of("digest", "sha256:abcdef", "plainsize", "16777216", "format", "1"));
    ObjectStat stat = storage.stat("meta");
    assertThat(stat.key()).isEqualTo("meta");
    assertThat(stat.size()).isEqualTo(5);
    assertThat(stat.metadata())
        .containsEntry("digest", "sha256:abcdef")
        .containsEntry("plainsize", "16777216")
        .containsEntry("format", "1");
    assertThat(stat.lastModified())
        .isAfter(before)
        .isBefore(Instant.now().plus(Duration.ofMinutes(5)));
  }

  @Test
  public void openWithStatReturnsTheContentWithTheSameStatAsStat() throws Exception {
    storage.create(
        "wal/000000010000000000000002",
        bytes("content"),
        Map.of("digest", "sha256:abcdef", "plainsize", "7", "format", "1"));
    ObjectStat stat = storage.stat("wal/000000010000000000000002");
    try (OpenedObject opened = storage.openWithStat("wal/000000010000000000000002")) {
      assertThat(new String(opened.content().readAllBytes(), UTF_8)).isEqualTo("content");
      assertThat(opened.stat().key()).isEqualTo(stat.key());
      assertThat(opened.stat().size()).isEqualTo(7);
      assertThat(opened.stat().metadata()).isEqualTo(stat.metadata());
    }
    assertThatThrownBy(() -> storage.openWithStat("missing/key"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing/key");
  }

  @Test
  public void invalidMetadataIsRejectedBeforeWriting() throws Exception {
    assertThatThrownBy(() -> storage.create("k", bytes("x"), Map.of("Bad-Name", "v")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Bad-Name");
    assertThat(listKeys("")).isEmpty();
  }

  @Test
  public void invalidKeysAreRejected() {
    for (String key : List.of("", "/abs", "a//b", "a/../b", "trailing/", "sp ace", "a/./b")) {
      assertThatThrownBy(() -> storage.create(key, bytes("x"), Map.of()))
          .as(key)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  public void listingIsLexicographicAndFilteredByPrefix() throws Exception {
    List<String> keys =
        List.of(
            "wal/00000002.history",
            "wal/000000010000000000000002",
            "wal/000000010000000000000001",
            "wal-other/x",
            "wal.x",
            "wal/sub/deeper/z",
            "walarchive.manifest",
            "a");
    for (String key : keys) {
      storage.create(key, bytes(key), Map.of());
    }
    assertThat(listKeys("")).isSorted().containsExactlyInAnyOrderElementsOf(keys);
    assertThat(listKeys("wal/"))
        .containsExactly(
            "wal/000000010000000000000001",
            "wal/000000010000000000000002",
            "wal/00000002.history",
            "wal/sub/deeper/z");
    assertThat(listKeys("wal/0000000100"))
        .containsExactly("wal/000000010000000000000001", "wal/000000010000000000000002");
    assertThat(listKeys("wal")).hasSize(7);
    assertThat(listKeys("nothing")).isEmpty();
  }

  @Test
  public void listingReportsSizes() throws Exception {
    storage.create("p/one", bytes("1"), Map.of());
    storage.create("p/three", bytes("333"), Map.of());
    ObjectIterator it = storage.list("p/");
    assertThat(it.next())
        .extracting(ObjectEntry::key, ObjectEntry::size)
        .containsExactly("p/one", 1L);
    assertThat(it.next())
        .extracting(ObjectEntry::key, ObjectEntry::size)
        .containsExactly("p/three", 3L);
    assertThat(it.hasNext()).isFalse();
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  public void listingPagesThroughManyObjects() throws Exception {
    int n = manyObjectsCount();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = String.format("many/%08X", i);
      storage.create(key, ObjectSource.ofBytes(new byte[] {(byte) i}), Map.of());
      expected.add(key);
    }
    assertThat(listKeys("many/")).containsExactlyElementsOf(expected);
  }

  @Test
  public void deleteRemovesObjectsAndIgnoresMissingKeys() throws Exception {
    storage.create("d/1", bytes("1"), Map.of());
    storage.create("d/2", bytes("2"), Map.of());
    storage.create("d/3", bytes("3"), Map.of());
    storage.delete(List.of("d/1", "d/3", "d/never-existed"));
    assertThat(listKeys("d/")).containsExactly("d/2");
    storage.delete(List.of("d/1"));
    storage.delete(List.of());
    assertThat(listKeys("d/")).containsExactly("d/2");
  }

  @Test
  public void deleteOfManyKeysSpansBatches() throws Exception {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < manyObjectsCount(); i++) {
      String key = String.format("batch/%06d", i);
      storage.create(key, bytes("x"), Map.of());
      keys.add(key);
    }
    storage.delete(keys.subList(0, keys.size() - 1));
    assertThat(listKeys("batch/")).containsExactly(keys.get(keys.size() - 1));
  }

  @Test
  public void aDeletedKeyCanBeCreatedAgain() throws Exception {
    storage.create("again", bytes("one"), Map.of());
    storage.delete(List.of("again"));
    assertThatThrownBy(() -> storage.open("again")).isInstanceOf(NoSuchFileException.class);
    storage.create("again", bytes("two"), Map.of());
    assertThat(read("again")).isEqualTo("two");
  }

  @Test
  public void concurrentCreatesOfOneKeyHaveExactlyOneWinner() throws Exception {
    int threads = raceThreads();
    for (int round = 0; round < 3; round++) {
      String key = "race/" + round;
      CyclicBarrier barrier = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<String>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          String content = "writer-" + t;
          results.add(
              pool.submit(
                  () -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    try {
                      storage.create(key, bytes(content), Map.of("writer", "w" + content.length()));
                      return content;
                    } catch (FileAlreadyExistsException e) {
                      return null;
                    }
                  }));
        }
        List<String> winners = new ArrayList<>();
        for (Future<String> f : results) {
          String winner = f.get(120, TimeUnit.SECONDS);
          if (winner != null) {
            winners.add(winner);
          }
        }
        assertThat(winners).as("winners of round %s", round).hasSize(1);
        assertThat(read(key)).isEqualTo(winners.get(0));
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  public void contentThatDoesNotMatchItsDeclaredLengthIsNotStored() throws Exception {
    ObjectSource lying =
        new ObjectSource() {
          @Override
          public long length() {
            return 10;
          }

          @Override
          public InputStream openStream() {
            return new java.io.ByteArrayInputStream("short".getBytes(UTF_8));
          }
        };
    assertThatThrownBy(() -> storage.create("liar", lying, Map.of()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> storage.open("liar")).isInstanceOf(NoSuchFileException.class);
  }

  // ---- behaviours every backend shares (one skeleton: dev.walarchive.core.storage.spi) ----

  /** A source that declares {@code declared} bytes and yields {@code actual}. */
  protected static ObjectSource lyingSource(int declared, int actual) {
    byte[] data = new byte[actual];
    new Random(7).nextBytes(data);
    return new ObjectSource() {
      @Override
      public long length() {
        return declared;
      }

      @Override
      public InputStream openStream() {
        return new java.io.ByteArrayInputStream(data);
      }
    };
  }

  @Test
  public void contentShorterOrLongerThanDeclaredFailsAsInvalidInputAndIsNotStored()
      throws Exception {
    int large = largeObjectSize();
    int[][] cases = {{10, 5}, {5, 10}, {0, 1}, {large, large - 1}, {large, large + 1}};
    for (int[] c : cases) {
      String key = "liar/" + c[0] + "-" + c[1];
      assertThatThrownBy(() -> storage.create(key, lyingSource(c[0], c[1]), Map.of()))
          .as("declared %s, actual %s", c[0], c[1])
          .isInstanceOf(WalArchiveException.class)
          .hasMessageContaining(key)
          .satisfies(e -> assertThat(WalArchiveException.kindOf(e)).isEqualTo(Kind.INVALID_INPUT));
      assertThatThrownBy(() -> storage.stat(key)).isInstanceOf(NoSuchFileException.class);
    }
    assertThat(listKeys("liar/")).isEmpty();
  }

  @Test
  public void aMissingObjectIsNoSuchFileWhoseFileIsTheKey() throws Exception {
    storage.create("present", bytes("x"), Map.of());
    List<Supplier<Exception>> calls =
        List.of(
            () -> thrown(() -> storage.open("missing/key")),
            () -> thrown(() -> storage.openWithStat("missing/key")),
            () -> thrown(() -> storage.stat("missing/key")));
    for (Supplier<Exception> call : calls) {
      Exception e = call.get();
      assertThat(e).isInstanceOf(NoSuchFileException.class).hasMessageContaining("missing/key");
      assertThat(((NoSuchFileException) e).getFile()).isEqualTo("missing/key");
      assertThat(WalArchiveException.kindOf(e)).isEqualTo(Kind.NOT_FOUND);
    }
    if (translatesStoreErrors()) {
      // a read is answered with an error by every store (a metadata lookup may just find nothing)
      assertThat(thrown(() -> storage.open("missing/key")).getCause())
          .as("the store's answer, kept as the cause")
          .isNotNull();
    }
  }

  @Test
  public void anExistingObjectOnCreateIsFileAlreadyExistsWhoseFileIsTheKey() throws Exception {
    storage.create("dir/exists", bytes("first"), Map.of());
    Exception e = thrown(() -> storage.create("dir/exists", bytes("second"), Map.of()));
    assertThat(e).isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("dir/exists");
    assertThat(((FileAlreadyExistsException) e).getFile()).isEqualTo("dir/exists");
    assertThat(WalArchiveException.kindOf(e)).isEqualTo(Kind.CONFLICT);
    if (translatesStoreErrors()) {
      assertThat(e.getCause()).as("the store's answer, kept as the cause").isNotNull();
    }
  }

  @Test
  public void everyOperationAfterCloseThrowsClosedStorageException() throws Exception {
    storage.create("before-close", bytes("x"), Map.of());
    storage.close();
    storage.close(); // idempotent
    assertClosed(storage);
  }

  @Test
  public void aStorageClosedBeforeFirstUseIsClosedToo() throws Exception {
    try (ArchiveStorage unused = createStorage()) {
      unused.close();
      assertClosed(unused);
    }
  }

  private static void assertClosed(ArchiveStorage closed) {
    List<ThrowingCall> calls =
        List.of(
            () -> closed.create("after-close", bytes("x"), Map.of()),
            () -> closed.open("before-close"),
            () -> closed.openWithStat("before-close"),
            () -> closed.stat("before-close"),
            () -> closed.list(""),
            () -> closed.delete(List.of("before-close")),
            () -> closed.delete(List.of()));
    for (int i = 0; i < calls.size(); i++) {
      ThrowingCall call = calls.get(i);
      assertThatThrownBy(call::run)
          .as("operation %s after close", i)
          .isInstanceOf(ClosedStorageException.class)
          .satisfies(e -> assertThat(WalArchiveException.kindOf(e)).isEqualTo(Kind.CLOSED))
          .satisfies(e -> assertThat(((WalArchiveException) e).isRetryable()).isFalse());
    }
  }

  @Test
  public void deleteChecksEveryKeyBeforeDeletingAny() throws Exception {
    storage.create("keep/1", bytes("1"), Map.of());
    assertThatThrownBy(() -> storage.delete(List.of("keep/1", "bad//key")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad//key");
    assertThat(listKeys("keep/")).containsExactly("keep/1");
  }

  @Test
  public void deleteOfDuplicateKeysDeletesThemOnce() throws Exception {
    storage.create("dup/1", bytes("1"), Map.of());
    storage.create("dup/2", bytes("2"), Map.of());
    storage.delete(List.of("dup/1", "dup/1", "dup/2", "dup/1"));
    assertThat(listKeys("dup/")).isEmpty();
  }

  /**
   * One rule for a failed delete request, whatever the store: the keys of that request are each
   * reported with the reason, every other batch is still sent, and one {@link BatchDeleteException}
   * comes at the end, its cause the store's answer (status code and kind). Not a test of its own:
   * the tests of stores that send delete requests in batches (S3, GCS, Azure) call it from a test
   * (file and memory storage have no requests to refuse), so that no test is skipped.
   */
  protected final void checkARefusedDeleteRequestFailsItsKeysAndTheRestIsStillDeleted()
      throws Exception {
    int batch = deleteBatchSize();
    assertThat(batch).as("the store sends deletes in batches").isLessThan(5_000);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i <= batch; i++) {
      String key = String.format("refused/%06d", i);
      storage.create(key, bytes("x"), Map.of());
      keys.add(key);
    }
    assertThat(refuseNextDeleteRequest()).as("this backend's test can refuse a delete").isTrue();
    BatchDeleteException e =
        (BatchDeleteException) thrown(() -> storage.delete(keys), BatchDeleteException.class);
    assertThat(e.failures().keySet()).containsExactlyInAnyOrderElementsOf(keys.subList(0, batch));
    assertThat(e.getCause()).isInstanceOf(ArchiveStorageException.class);
    ArchiveStorageException cause = (ArchiveStorageException) e.getCause();
    assertThat(cause.statusCode()).hasValue(403);
    assertThat(cause.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(listKeys("refused/")).containsExactlyElementsOf(keys.subList(0, batch));
  }

  /** An operation that may throw anything. */
  @FunctionalInterface
  protected interface ThrowingCall {
    void run() throws Exception;
  }

  /** What {@code call} throws; fails the test if it throws nothing. */
  protected static Exception thrown(ThrowingCall call) {
    return thrown(call, Exception.class);
  }

  private static Exception thrown(ThrowingCall call, Class<? extends Exception> type) {
    try {
      call.run();
    } catch (Exception e) {
      assertThat(e).isInstanceOf(type);
      return e;
    }
    throw new AssertionError("expected " + type.getSimpleName() + ", but nothing was thrown");
  }
}
