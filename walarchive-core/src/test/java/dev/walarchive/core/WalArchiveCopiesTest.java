package dev.walarchive.core;

import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

class WalArchiveCopiesTest {
  private static final long SYSID = 7_300_000_000_000_000_015L;
  private static final WalSegmentSize ONE_MB = WalSegmentSize.ofMegabytes(1);

  @TempDir Path dir;
  private Keyring keyring;
  private CountingStorage primary;
  private Switchable copy;

  @BeforeEach
  void setUp() {
    keyring = Keyring.builder().addKey("k1", new byte[32]).activeKeyId("k1").build();
    primary = new CountingStorage(ArchiveStorages.memory());
    copy = new Switchable(new CountingStorage(ArchiveStorages.memory()));
  }

  private WalArchive archive(WalArchive.CopyMode mode) {
    return WalArchive.builder(primary)
        .keyring(keyring)
        .tempDirectory(dir)
        .copy(copy)
        .copyMode(mode)
        .build();
  }

  private WalArchive alone(ArchiveStorage storage) {
    return WalArchive.builder(storage).keyring(keyring).tempDirectory(dir).build();
  }

  private Path segment(long segno) throws IOException {
    Path sub = Files.createDirectories(dir.resolve("src-" + segno));
    return SyntheticWal.writeSegment(sub, SYSID, 1, segno, ONE_MB, segno);
  }

  @Test
  void pushWritesEveryArchiveEachWithItsOwnManifestAndRepushIsOneStatEach() throws Exception {
    WalArchive archive = archive(WalArchive.CopyMode.STRICT);
    Path file = segment(1);
    archive.push(file);
    String key = "wal/" + file.getFileName();
    assertThat(alone(copy).manifest())
        .get()
        .satisfies(m -> assertThat(m.systemIdentifier()).isEqualTo(SYSID));
    Path restored = dir.resolve("restored");
    alone(copy).fetch(file.getFileName().toString(), restored);
    assertThat(Files.readAllBytes(restored)).isEqualTo(Files.readAllBytes(file));
    // one pass, one encoding: the very same object bytes in both
    assertThat(primary.open(key).readAllBytes()).isEqualTo(copy.open(key).readAllBytes());

    primary.reset();
    copy.counting.reset();
    assertThat(archive.push(file).outcome()).isEqualTo(PushResult.Outcome.ALREADY_ARCHIVED);
    for (CountingStorage s : List.of(primary, copy.counting)) {
      assertThat(s.calls("stat", key)).isEqualTo(1);
      assertThat(s.calls("open", key)).isZero();
    }
  }

  @Test
  void strictPushFailsWhileTheCopyIsDownAndCatchesUpAfterwards() throws Exception {
    WalArchive archive = archive(WalArchive.CopyMode.STRICT);
    archive.push(segment(1));
    copy.down = true;
    Path second = segment(2);
    assertThatThrownBy(() -> archive.push(second))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("copy ")
        .hasMessageContaining("copy is down");
    assertThat(primary.stat("wal/" + second.getFileName())).isNotNull(); // the healthy one has it
    copy.down = false;
    primary.reset();
    archive.push(second);
    assertThat(primary.calls("stat", "wal/" + second.getFileName())).isEqualTo(1);
    assertThat(ArchiveCopy.plan(archive, archive.copies().get(0)).toCopy()).isEmpty();
  }

  @Test
  void laggingPushSucceedsThenTheCopyPlanShowsTheLagAndCopyLevelsIt() throws Exception {
    WalArchive archive = archive(WalArchive.CopyMode.LAGGING);
    archive.push(segment(1));
    copy.down = true;
    archive.push(segment(2));
    archive.push(segment(3));
    copy.down = false;
    WalArchive target = archive.copies().get(0);
    ArchiveCopy.Plan plan = ArchiveCopy.plan(archive, target);
    assertThat(plan.missingWal()).extracting(ObjectEntry::key).hasSize(2);
    ArchiveCopy.Result result =
        ArchiveCopy.copy(archive, target, plan, 2, ArchiveCopy.Listener.NONE);
    assertThat(result.copied()).isEqualTo(2);
    assertThat(result.refused()).isEmpty();
    assertThat(ArchiveCopy.plan(archive, target).toCopy()).isEmpty();
    for (long segno : new long[] {2, 3}) {
      String key = "wal/" + segment(segno).getFileName();
      assertThat(copy.open(key).readAllBytes()).isEqualTo(primary.open(key).readAllBytes());
      assertThat(copy.stat(key).metadata()).isEqualTo(primary.stat(key).metadata());
    }
  }

  @Test
  void asyncPushAheadWritesEveryArchiveAndFailsReadySegmentsWhileAStrictCopyIsDown()
      throws Exception {
    Path pgWal = Files.createDirectories(dir.resolve("data/pg_wal/archive_status"));
    for (long segno = 1; segno <= 3; segno++) {
      Files.copy(segment(segno), pgWal.getParent().resolve(segment(segno).getFileName()));
      Files.createFile(pgWal.resolve(segment(segno).getFileName() + ".ready"));
    }
    WalArchive archive = archive(WalArchive.CopyMode.STRICT);
    try (dev.walarchive.core.async.PushAhead pushAhead =
        dev.walarchive.core.async.PushAhead.builder(archive)
            .parallelism(2)
            .retries(1, java.time.Duration.ofMillis(1))
            .build()) {
      assertThat(pushAhead.pushReady(dir.resolve("data")))
          .allSatisfy(o -> assertThat(o.failure()).isNull());
      for (long segno = 1; segno <= 3; segno++) {
        assertThat(copy.stat("wal/" + segment(segno).getFileName())).isNotNull();
      }
      Files.copy(segment(4), pgWal.getParent().resolve(segment(4).getFileName()));
      Files.createFile(pgWal.resolve(segment(4).getFileName() + ".ready"));
      copy.down = true;
      String fourth = segment(4).getFileName().toString();
      assertThat(pushAhead.pushReady(dir.resolve("data")))
          .filteredOn(o -> o.name().name().equals(fourth))
          .singleElement()
          .satisfies(o -> assertThat(o.failure()).hasMessageContaining("copy is down"));
    }
  }

  @Test
  void aCopyOfAnotherClusterFailsThePushEvenWhenLagging() throws Exception {
    alone(copy).createArchive(SYSID + 1, ONE_MB);
    WalArchive archive = archive(WalArchive.CopyMode.LAGGING);
    assertThatThrownBy(() -> archive.push(segment(1)))
        .isInstanceOf(ArchiveMismatchException.class)
        .hasMessageStartingWith("copy ");
  }

  @Test
  void fetchFallsBackToTheCopyWhenTheFileIsMissingOrDamagedOrThePrimaryIsDown() throws Exception {
    WalArchive archive = archive(WalArchive.CopyMode.STRICT);
    Path one = segment(1);
    Path two = segment(2);
    archive.push(one);
    archive.push(two);
    primary.delete(List.of("wal/" + one.getFileName()));
    tamper(primary, "wal/" + two.getFileName());
    Path restored = dir.resolve("restored");
    archive.fetch(one.getFileName().toString(), restored);
    assertThat(Files.readAllBytes(restored)).isEqualTo(Files.readAllBytes(one));
    archive.fetch(two.getFileName().toString(), restored);
    assertThat(Files.readAllBytes(restored)).isEqualTo(Files.readAllBytes(two));
    // not in any archive, every archive answered
    assertThatThrownBy(() -> archive.fetch("000000010000000000000009", restored))
        .isInstanceOf(WalFileNotFoundException.class);
    // the primary tampered, the copy lacks it: a verification failure, never "not found"
    copy.delete(List.of("wal/" + two.getFileName()));
    assertThatThrownBy(() -> archive.fetch(two.getFileName().toString(), restored))
        .isInstanceOf(ObjectFormatException.class);
    // the copy down, the primary lacks it: a storage error, never "not found"
    copy.down = true;
    assertThatThrownBy(() -> archive.fetch("000000010000000000000009", restored))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(WalFileNotFoundException.class)
        .hasMessageContaining("copy is down");
  }

  @Test
  void copyRefusesATamperedObjectCopiesTheRestAndASecondRunCopiesNothing() throws Exception {
    WalArchive source = alone(primary);
    for (long segno = 1; segno <= 4; segno++) {
      source.push(segment(segno));
    }
    String tampered = "wal/" + segment(3).getFileName();
    tamper(primary, tampered);
    WalArchive target = alone(copy);
    ArchiveCopy.Result first =
        ArchiveCopy.copy(
            source, target, ArchiveCopy.plan(source, target), 3, ArchiveCopy.Listener.NONE);
    assertThat(first.copied()).isEqualTo(3);
    assertThat(first.refused()).extracting(ArchiveCopy.Refusal::key).containsExactly(tampered);
    assertThat(first.refused().get(0).reason()).contains("corrupt");
    assertThatThrownBy(() -> copy.stat(tampered))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
    assertThat(target.manifest())
        .get()
        .satisfies(m -> assertThat(m.systemIdentifier()).isEqualTo(SYSID));
    ArchiveCopy.Plan again = ArchiveCopy.plan(source, target);
    assertThat(again.toCopy()).extracting(ObjectEntry::key).containsExactly(tampered);
    assertThat(again.present()).hasSize(3);
  }

  @Test
  void copyIntoAnArchiveOfAnotherClusterIsRefused() throws Exception {
    WalArchive source = alone(primary);
    source.push(segment(1));
    WalArchive target = alone(copy);
    target.createArchive(SYSID + 1, ONE_MB);
    assertThatThrownBy(
            () ->
                ArchiveCopy.copy(
                    source, target, ArchiveCopy.plan(source, target), 1, ArchiveCopy.Listener.NONE))
        .isInstanceOf(ArchiveMismatchException.class);
    assertThatThrownBy(() -> copy.stat("wal/" + segment(1).getFileName()))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void fetchNeverRestoresFromACopyOfAnotherCluster() throws Exception {
    WalArchive archive = archive(WalArchive.CopyMode.STRICT);
    alone(primary).push(segment(1));
    // the copy is another cluster's archive, holding its own segment 2 that the archive lacks
    Path foreign = Files.createDirectories(dir.resolve("foreign"));
    alone(copy).push(SyntheticWal.writeSegment(foreign, SYSID + 1, 1, 2, ONE_MB, 2));
    Path restored = dir.resolve("restored");
    assertThatThrownBy(() -> archive.fetch("000000010000000000000002", restored))
        .isInstanceOf(ArchiveMismatchException.class)
        .hasMessageContaining("copy switchable-copy: not a copy of " + primary)
        .hasMessageContaining(Long.toUnsignedString(SYSID + 1))
        .hasMessageContaining(Long.toUnsignedString(SYSID));
    assertThat(restored).doesNotExist();
    // and what the copy commands refuse, a dry run's check refuses too, writing nothing
    assertThatThrownBy(() -> ArchiveCopy.check(archive, archive.copies().get(0)))
        .isInstanceOf(ArchiveMismatchException.class);
  }

  @Test
  void checkOfAnEmptyDestinationWritesNothing() throws Exception {
    WalArchive source = alone(primary);
    source.push(segment(1));
    ArchiveCopy.check(source, alone(copy));
    assertThat(alone(copy).manifest()).isEmpty();
  }

  @Test
  void aTruncatedObjectInTheDestinationWithIntactMetadataIsDamagedNotIdentical() throws Exception {
    WalArchive source = alone(primary);
    source.push(segment(1));
    source.push(segment(2));
    WalArchive target = alone(copy);
    ArchiveCopy.copy(
        source, target, ArchiveCopy.plan(source, target), 1, ArchiveCopy.Listener.NONE);
    String key = "wal/" + segment(2).getFileName();
    ObjectStat stat = copy.stat(key);
    byte[] bytes;
    try (InputStream in = copy.open(key)) {
      bytes = in.readAllBytes();
    }
    copy.delete(List.of(key));
    copy.create(
        key,
        ObjectSource.ofBytes(java.util.Arrays.copyOf(bytes, bytes.length - 100)),
        stat.metadata());

    ArchiveCopy.Plan plan = ArchiveCopy.plan(source, target);
    assertThat(plan.toCompare()).extracting(ObjectEntry::key).containsExactly(key);
    assertThat(ArchiveCopy.differing(source, target, plan))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.key()).isEqualTo(key);
              assertThat(r.reason()).contains("is damaged").contains("Delete the damaged object");
            });
    ArchiveCopy.Result result =
        ArchiveCopy.copy(source, target, plan, 2, ArchiveCopy.Listener.NONE);
    assertThat(result.identical()).isEqualTo(1);
    assertThat(result.refused()).extracting(ArchiveCopy.Refusal::key).containsExactly(key);
    assertThat(copy.stat(key).size()).isEqualTo(stat.size() - 100); // never overwritten
  }

  @Test
  void aSameDigestWithAnotherEncodingIsIdenticalAfterVerification() throws Exception {
    WalArchive source = alone(primary);
    Path file = segment(1);
    source.push(file);
    WalArchive target =
        WalArchive.builder(copy)
            .keyring(keyring)
            .tempDirectory(dir)
            .compression(dev.walarchive.core.format.Compression.none())
            .build();
    target.push(file);
    ArchiveCopy.Plan plan = ArchiveCopy.plan(source, target);
    assertThat(plan.toCompare()).hasSize(1);
    assertThat(ArchiveCopy.differing(source, target, plan)).isEmpty();
    ArchiveCopy.Result result =
        ArchiveCopy.copy(source, target, plan, 1, ArchiveCopy.Listener.NONE);
    assertThat(result.identical()).isEqualTo(1);
    assertThat(result.refused()).isEmpty();
  }

  @Test
  void aFetchThatFailsOnlyInTheCopyIsAVerificationFailureNamingEveryArchive() throws Exception {
    WalArchive archive = archive(WalArchive.CopyMode.STRICT);
    Path one = segment(1);
    archive.push(one);
    String key = "wal/" + one.getFileName();
    primary.delete(List.of(key));
    tamper(copy, key);
    assertThatThrownBy(() -> archive.fetch(one.getFileName().toString(), dir.resolve("restored")))
        .isInstanceOf(ObjectFormatException.class)
        .hasMessageStartingWith(one.getFileName() + " could not be restored from any archive: ")
        .hasMessageContaining(primary + " does not hold it")
        .hasMessageContaining("copy switchable-copy: ")
        .hasMessageContaining("corrupt");
  }

  /**
   * The plan against a model: a key goes to exactly one of the three lists, by presence and size.
   */
  @Test
  void planSortsEverySourceKeyByPresenceAndSize() {
    Gen<Map<String, Long>> listing =
        SourceDSL.lists()
            .of(
                SourceDSL.integers()
                    .between(0, 30)
                    .zip(SourceDSL.longs().between(0, 2), (k, size) -> Map.entry(key(k), size)))
            .ofSizeBetween(0, 25)
            .map(
                l -> {
                  Map<String, Long> m = new TreeMap<>();
                  l.forEach(e -> m.put(e.getKey(), e.getValue()));
                  return m;
                });
    qt().withExamples(500)
        .forAll(listing, listing)
        .checkAssert(
            (source, destination) -> {
              ArchiveCopy.Plan plan =
                  ArchiveCopy.plan(entries(source).iterator(), entries(destination).iterator());
              TreeSet<String> toCopy = new TreeSet<>();
              TreeSet<String> present = new TreeSet<>();
              TreeSet<String> toCompare = new TreeSet<>();
              source.forEach(
                  (k, size) -> {
                    if (k.startsWith("walarchive.manifest")) {
                      return;
                    }
                    Long other = destination.get(k);
                    (other == null ? toCopy : other.equals(size) ? present : toCompare).add(k);
                  });
              assertThat(plan.toCopy())
                  .extracting(ObjectEntry::key)
                  .containsExactlyElementsOf(toCopy);
              assertThat(plan.present())
                  .extracting(ObjectEntry::key)
                  .containsExactlyElementsOf(present);
              assertThat(plan.toCompare())
                  .extracting(ObjectEntry::key)
                  .containsExactlyElementsOf(toCompare);
              // copying the plan levels it
              Map<String, Long> after = new TreeMap<>(destination);
              plan.toCopy().forEach(e -> after.put(e.key(), e.size()));
              assertThat(
                      ArchiveCopy.plan(entries(source).iterator(), entries(after).iterator())
                          .toCopy())
                  .isEmpty();
            });
  }

  @Test
  void planRefusesAListingOutOfOrder() {
    List<ObjectEntry> unordered = List.of(entry("wal/b", 1), entry("wal/a", 1));
    assertThatThrownBy(
            () -> ArchiveCopy.plan(unordered.iterator(), List.<ObjectEntry>of().iterator()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not in ascending key order");
  }

  private static String key(int k) {
    return switch (k % 5) {
      case 0 -> "walarchive.manifest" + (k == 0 ? "" : ".r0000000" + (k % 9 + 1));
      case 1 -> "pins/" + k;
      case 2 -> "base/" + k + "/data";
      default -> "wal/" + String.format("%024X", k);
    };
  }

  private static List<ObjectEntry> entries(Map<String, Long> listing) {
    List<ObjectEntry> entries = new ArrayList<>();
    listing.forEach((k, size) -> entries.add(entry(k, size)));
    return entries;
  }

  private static ObjectEntry entry(String key, long size) {
    return new ObjectEntry(key, size, Instant.EPOCH);
  }

  /** Flips one byte in the middle of an object, keeping its metadata. */
  private static void tamper(ArchiveStorage storage, String key) throws IOException {
    ObjectStat stat = storage.stat(key);
    byte[] bytes;
    try (InputStream in = storage.open(key)) {
      bytes = in.readAllBytes();
    }
    bytes[bytes.length / 2] ^= 1;
    storage.delete(List.of(key));
    storage.create(key, ObjectSource.ofBytes(bytes), stat.metadata());
  }

  /** A storage that can be taken down: then every operation fails with an I/O error. */
  private static final class Switchable implements ArchiveStorage {
    final CountingStorage counting;
    volatile boolean down;

    Switchable(CountingStorage counting) {
      this.counting = counting;
    }

    private void check() throws IOException {
      if (down) {
        throw new java.net.ConnectException("connection refused: the copy is down");
      }
    }

    @Override
    public void create(String key, ObjectSource content, Map<String, String> metadata)
        throws IOException {
      check();
      counting.create(key, content, metadata);
    }

    @Override
    public InputStream open(String key) throws IOException {
      check();
      return counting.open(key);
    }

    @Override
    public ObjectStat stat(String key) throws IOException {
      check();
      return counting.stat(key);
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
      check();
      return counting.list(prefix);
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
      check();
      counting.delete(keys);
    }

    @Override
    public void close() throws IOException {
      counting.close();
    }

    @Override
    public String toString() {
      return "switchable-copy";
    }
  }
}
