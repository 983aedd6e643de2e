package dev.walarchive.core.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ArchiveStorage} meets. A backend's test extends this class, returns a
 * fresh, empty storage from {@link #createStorage()}, and overrides a test only for a documented
 * deviation of an emulator, with a comment saying why.
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
  void createThenOpenReturnsTheContent() throws Exception {
    storage.create("wal/000000010000000000000001", bytes("hello"), Map.of());
    assertThat(read("wal/000000010000000000000001")).isEqualTo("hello");
  }

  @Test
  void emptyObjectRoundTrips() throws Exception {
    storage.create("empty", ObjectSource.ofBytes(new byte[0]), Map.of("digest", "x"));
    assertThat(read("empty")).isEmpty();
    assertThat(storage.stat("empty").size()).isZero();
  }

  @Test
  void largeObjectRoundTrips() throws Exception {
    byte[] data = new byte[largeObjectSize()];
    new Random(42).nextBytes(data);
    storage.create("large", ObjectSource.ofBytes(data), Map.of());
    try (InputStream in = storage.open("large")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(storage.stat("large").size()).isEqualTo(data.length);
  }

  @Test
  void createOfExistingKeyFailsAndKeepsTheFirstContent() throws Exception {
    storage.create("a/b", bytes("first"), Map.of("digest", "one"));
    assertThatThrownBy(() -> storage.create("a/b", bytes("second"), Map.of("digest", "two")))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("a/b");
    assertThat(read("a/b")).isEqualTo("first");
    assertThat(storage.stat("a/b").metadata()).containsEntry("digest", "one");
  }

  @Test
  void openOfMissingKeyIsNoSuchFile() {
    assertThatThrownBy(() -> storage.open("missing/key"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing/key");
  }

  @Test
  void statOfMissingKeyIsNoSuchFile() {
    assertThatThrownBy(() -> storage.stat("missing"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void aPrefixOfAKeyIsNotAnObject() throws Exception {
    storage.create("dir/file", bytes("x"), Map.of());
    assertThatThrownBy(() -> storage.open("dir")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> storage.stat("dir")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void statReturnsSizeTimeAndMetadata() throws Exception {
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
  void openWithStatReturnsTheContentWithTheSameStatAsStat() throws Exception {
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
  void invalidMetadataIsRejectedBeforeWriting() throws Exception {
    assertThatThrownBy(() -> storage.create("k", bytes("x"), Map.of("Bad-Name", "v")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Bad-Name");
    assertThat(listKeys("")).isEmpty();
  }

  @Test
  void invalidKeysAreRejected() {
    for (String key : List.of("", "/abs", "a//b", "a/../b", "trailing/", "sp ace", "a/./b")) {
      assertThatThrownBy(() -> storage.create(key, bytes("x"), Map.of()))
          .as(key)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void listingIsLexicographicAndFilteredByPrefix() throws Exception {
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
  void listingReportsSizes() throws Exception {
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
  void listingPagesThroughManyObjects() throws Exception {
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
  void deleteRemovesObjectsAndIgnoresMissingKeys() throws Exception {
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
  void deleteOfManyKeysSpansBatches() throws Exception {
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
  void aDeletedKeyCanBeCreatedAgain() throws Exception {
    storage.create("again", bytes("one"), Map.of());
    storage.delete(List.of("again"));
    assertThatThrownBy(() -> storage.open("again")).isInstanceOf(NoSuchFileException.class);
    storage.create("again", bytes("two"), Map.of());
    assertThat(read("again")).isEqualTo("two");
  }

  @Test
  void concurrentCreatesOfOneKeyHaveExactlyOneWinner() throws Exception {
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
  void contentThatDoesNotMatchItsDeclaredLengthIsNotStored() throws Exception {
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
}
