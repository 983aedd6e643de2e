package dev.walarchive.core;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.EncodeResult;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectIntegrityException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The wrong bytes are never archived: push reads its file once and refuses a file that changes
 * while it is read; history files must be what their name says; fetch and verify refuse an object
 * whose stored metadata contradicts its authenticated content.
 */
class WalArchivePushIntegrityTest {
  private static final long SYSID = 7_300_000_000_000_000_002L;
  private static final WalSegmentSize ONE_MB = WalSegmentSize.ofMegabytes(1);

  @TempDir Path dir;
  private Keyring keyring;

  @BeforeEach
  void setUp() {
    keyring = Keyring.builder().addKey("k1", new byte[32]).activeKeyId("k1").build();
  }

  private Path segment(String sub, long segno, WalSegmentSize size, long seed) throws Exception {
    Path d = Files.createDirectories(dir.resolve(sub));
    return SyntheticWal.writeSegment(d, SYSID, 1, segno, size, seed);
  }

  private static List<String> walKeys(ArchiveStorage storage) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list(WalArchive.WAL_PREFIX);
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  private List<Path> spoolLeftovers(Path tempDir) throws IOException {
    try (Stream<Path> s = Files.list(tempDir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("walarchive-spool-")).toList();
    }
  }

  // ---- the file changes while it is pushed ----

  /** How a file is changed while push reads it. */
  enum Mutation {
    TRUNCATE {
      @Override
      void apply(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
          f.setLength(f.length() / 2);
        }
      }
    },
    EXTEND {
      @Override
      void apply(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
          f.setLength(f.length() + 8192);
        }
      }
    },
    REPLACE {
      @Override
      void apply(Path file) throws IOException {
        // the same bytes under a new inode: still not the file that was opened
        Path other = file.resolveSibling("replacement.tmp");
        Files.copy(file, other);
        Files.move(
            other, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    },
    REWRITE_SAME_SIZE {
      @Override
      void apply(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
          f.seek(f.length() - 1);
          f.write(0x5a);
        }
        // the kernel's timestamps are coarse (a few ms); a real writer comes later than that
        FileTime t = Files.getLastModifiedTime(file);
        Files.setLastModifiedTime(file, FileTime.fromMillis(t.toMillis() + 1000));
      }
    };

    abstract void apply(Path file) throws IOException;
  }

  /**
   * A storage that runs an action at its first call during a push, before any object is created:
   * push has opened the file and read the segment header, and checks the manifest before it reads
   * the rest.
   */
  private static final class InterruptingStorage implements ArchiveStorage {
    private final ArchiveStorage delegate;
    private IoAction action;
    private boolean ranBeforeCreate;

    InterruptingStorage(ArchiveStorage delegate) {
      this.delegate = delegate;
    }

    interface IoAction {
      void run() throws IOException;
    }

    void onNextCall(IoAction action) {
      this.action = action;
      this.ranBeforeCreate = false;
    }

    private void maybeRun(boolean create) throws IOException {
      IoAction a = action;
      if (a != null) {
        action = null;
        ranBeforeCreate = !create;
        a.run();
      }
    }

    @Override
    public void create(String key, ObjectSource content, Map<String, String> metadata)
        throws IOException {
      maybeRun(true);
      delegate.create(key, content, metadata);
    }

    @Override
    public InputStream open(String key) throws IOException {
      maybeRun(false);
      return delegate.open(key);
    }

    @Override
    public ObjectStat stat(String key) throws IOException {
      maybeRun(false);
      return delegate.stat(key);
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
      maybeRun(false);
      return delegate.list(prefix);
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
      delegate.delete(keys);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Mutation.class)
  void aSegmentChangedWhileItIsReadIsRefusedAndNothingIsStored(Mutation mutation) throws Exception {
    InterruptingStorage storage = new InterruptingStorage(ArchiveStorages.memory());
    Path temp = Files.createDirectories(dir.resolve("spool"));
    WalArchive archive =
        WalArchive.builder(storage)
            .keyring(keyring)
            .tempDirectory(temp)
            .spoolMemoryLimit(64 * 1024)
            .build();
    Path file = segment("src", 5, ONE_MB, 42);
    storage.onNextCall(() -> mutation.apply(file));

    assertThatThrownBy(() -> archive.push(file))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("changed while it was being read")
        .hasMessageContaining("nothing was archived");
    assertThat(storage.ranBeforeCreate).as("the file changed before anything was created").isTrue();
    assertThat(walKeys(storage)).isEmpty();
    assertThat(spoolLeftovers(temp)).isEmpty();

    // PostgreSQL retries; once the file holds a whole segment again, it is archived whole
    Path whole = segment("again", 5, ONE_MB, 43);
    Files.copy(whole, file, StandardCopyOption.REPLACE_EXISTING);
    assertThat(archive.push(file).outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
    Path dest = dir.resolve("RECOVERYXLOG");
    archive.fetch(file.getFileName().toString(), dest);
    assertThat(Files.readAllBytes(dest)).isEqualTo(Files.readAllBytes(whole));
  }

  @Test
  void aSegmentThatIsShortWhenOpenedIsRefusedNamingBothSizes() throws Exception {
    WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).tempDirectory(dir).build();
    Path file = segment("src", 5, ONE_MB, 42);
    Mutation.TRUNCATE.apply(file);
    assertThatThrownBy(() -> archive.push(file))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining("has 524288 bytes, but its header says segments are 1048576 bytes");
    assertThat(walKeys(archive.storage())).isEmpty();
  }

  /**
   * A thread truncates the segment at a random moment while push reads it (a 16 MiB segment, so
   * that reading it takes a while). Whatever the timing, the archive never holds a short object:
   * either push is refused and nothing is stored, or the object is the complete file.
   */
  @Test
  void truncationRacingAPushNeverStoresAShortObject() throws Exception {
    WalSegmentSize size = WalSegmentSize.ofMegabytes(16);
    Path original = segment("original", 7, size, 7);
    byte[] expected = Files.readAllBytes(original);
    Random random = new Random(11);
    // truncate at moments spread over the time a push takes here (so some runs finish first)
    long pushNanos;
    try (WalArchive probe =
        WalArchive.builder(ArchiveStorages.memory()).keyring(keyring).tempDirectory(dir).build()) {
      long start = System.nanoTime();
      probe.push(original);
      pushNanos = System.nanoTime() - start;
    }
    int maxDelayMicros = (int) Math.max(1000, pushNanos / 1000 * 3 / 2);
    int refusedWhileReading = 0;
    int refusedAtOpen = 0;
    int archived = 0;
    for (int i = 0; i < 12; i++) {
      ArchiveStorage storage = ArchiveStorages.memory();
      Path temp = Files.createDirectories(dir.resolve("spool-" + i));
      WalArchive archive = WalArchive.builder(storage).keyring(keyring).tempDirectory(temp).build();
      Path work =
          Files.createDirectories(dir.resolve("pg_wal-" + i)).resolve(original.getFileName());
      Files.copy(original, work);
      long newLength = random.nextInt((int) size.bytes());
      long delayMicros = random.nextInt(maxDelayMicros);
      CountDownLatch go = new CountDownLatch(1);
      AtomicReference<Throwable> truncatorFailure = new AtomicReference<>();
      Thread truncator =
          new Thread(
              () -> {
                try {
                  go.await();
                  TimeUnit.MICROSECONDS.sleep(delayMicros);
                  try (RandomAccessFile f = new RandomAccessFile(work.toFile(), "rw")) {
                    f.setLength(newLength);
                  }
                } catch (Throwable t) {
                  truncatorFailure.set(t);
                }
              });
      truncator.start();
      go.countDown();
      try {
        archive.push(work);
        archived++;
        assertThat(
                Arrays.equals(
                    archive.read(WalFileName.parse(work.getFileName().toString())), expected))
            .as("iteration %s: the archived object is the complete segment", i)
            .isTrue();
      } catch (InvalidWalFileException e) {
        if (e.getMessage().contains("changed while it was being read")) {
          refusedWhileReading++;
        } else {
          assertThat(e.getMessage()).contains("but its header says segments are");
          refusedAtOpen++;
        }
        assertThat(walKeys(storage)).as("iteration %s: nothing stored", i).isEmpty();
      }
      truncator.join();
      assertThat(truncatorFailure.get()).isNull();
      assertThat(spoolLeftovers(temp)).isEmpty();
      archive.close();
    }
    System.out.printf(
        "truncation race: %d refused while reading, %d refused at open, %d archived whole%n",
        refusedWhileReading, refusedAtOpen, archived);
  }

  // ---- history files must be what their name says ----

  private Path file(String name, byte[] content) throws IOException {
    Path d = Files.createDirectories(dir.resolve("pg_wal"));
    // as in a real pg_wal, a segment beside it tells a new archive which cluster it is for
    SyntheticWal.writeSegment(d, SYSID, 1, 1, ONE_MB, 1);
    return Files.write(d.resolve(name), content);
  }

  @Test
  void anEmptyTimelineHistoryIsRefusedAndDoesNotBlockTheRealOne() throws Exception {
    WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).tempDirectory(dir).build();
    Path empty = file("00000002.history", new byte[0]);
    assertThatThrownBy(() -> archive.push(empty))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining("00000002.history")
        .hasMessageContaining("records no timeline switch")
        .hasMessageContaining("the file is empty");
    Path commentsOnly = file("00000002.history", "# nothing here\n\n".getBytes(US_ASCII));
    assertThatThrownBy(() -> archive.push(commentsOnly))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining("records no timeline switch");
    assertThat(walKeys(archive.storage())).isEmpty();

    Path real =
        file("00000002.history", "1\t0/3000000\tno recovery target specified\n".getBytes(US_ASCII));
    assertThat(archive.push(real).outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
    assertThat(archive.read(WalFileName.parse("00000002.history")))
        .isEqualTo(Files.readAllBytes(real));
  }

  @Test
  void aTimelineHistoryOfAnotherTimelineIsRefused() throws Exception {
    WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).tempDirectory(dir).build();
    // the history of timeline 3 (parents 1 and 2) saved under the name of timeline 2
    Path wrong =
        file(
            "00000002.history",
            "1\t0/3000000\tno recovery target specified\n2\t0/5000000\tat restore point\n"
                .getBytes(US_ASCII));
    assertThatThrownBy(() -> archive.push(wrong))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining("is not a valid timeline history file");
    assertThat(walKeys(archive.storage())).isEmpty();
  }

  @Test
  void aTimelineHistoryThatIsNotUtf8IsArchivedByteForByte() throws Exception {
    // PostgreSQL copies a restore point's name into the reason unconverted (here LATIN1 "café")
    WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).tempDirectory(dir).build();
    byte[] content = "1\t0/3000000\tat restore point \"caf?\"\n".getBytes(US_ASCII);
    content[33] = (byte) 0xe9;
    Path latin1 = file("00000002.history", content);
    archive.push(latin1);
    assertThat(archive.read(WalFileName.parse("00000002.history"))).isEqualTo(content);
  }

  @Test
  void aBackupHistoryFileMustParse() throws Exception {
    WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).tempDirectory(dir).build();
    Path empty = file("000000010000000000000005.00000028.backup", new byte[0]);
    assertThatThrownBy(() -> archive.push(empty))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining("is not a valid backup history file");
    Path latin1 =
        file(
            "000000010000000000000005.00000028.backup",
            ("START WAL LOCATION: 0/5000028 (file 000000010000000000000005)\n"
                    + "STOP WAL LOCATION: 0/5000100 (file 000000010000000000000005)\n"
                    + "CHECKPOINT LOCATION: 0/5000060\n"
                    + "BACKUP METHOD: streamed\n"
                    + "BACKUP FROM: primary\n"
                    + "START TIME: 2026-11-21 10:15:02 UTC\n"
                    + "LABEL: \u00e9t\u00e9\n"
                    + "START TIMELINE: 1\n"
                    + "STOP TIME: 2026-11-21 10:15:03 UTC\n"
                    + "STOP TIMELINE: 1\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThat(walKeys(archive.storage())).isEmpty();
    // a label in another encoding than UTF-8 is PostgreSQL's to write: archived unchanged
    archive.push(latin1);
    assertThat(walKeys(archive.storage())).hasSize(1);
  }

  // ---- stored metadata must agree with the authenticated content ----

  /** Rewrites the metadata block of a {@code file:} archive's object file. */
  private static void editMetadata(Path objectFile, String line, String replacement)
      throws IOException {
    byte[] bytes = Files.readAllBytes(objectFile);
    int end = 0;
    while (!(bytes[end] == '\n' && bytes[end + 1] == '\n')) {
      end++;
    }
    String header = new String(bytes, 0, end + 2, US_ASCII);
    assertThat(header).contains(line);
    String edited = header.replace(line, replacement);
    byte[] head = edited.getBytes(US_ASCII);
    byte[] result = new byte[head.length + bytes.length - end - 2];
    System.arraycopy(head, 0, result, 0, head.length);
    System.arraycopy(bytes, end + 2, result, head.length, bytes.length - end - 2);
    Files.write(objectFile, result);
  }

  private static String metadataLine(Path objectFile, String name) throws IOException {
    String text = new String(Files.readAllBytes(objectFile), 0, 4096, US_ASCII);
    return text.lines().filter(l -> l.startsWith(name + "=")).findFirst().orElseThrow() + "\n";
  }

  /** How a user (or a bad tool) damages the metadata of an archived object. */
  enum Damage {
    DIGEST_FLIPPED,
    DIGEST_GARBLED,
    DIGEST_REMOVED,
    SIZE_CHANGED;

    void apply(Path objectFile) throws IOException {
      String digest = metadataLine(objectFile, "digest");
      switch (this) {
        case DIGEST_FLIPPED -> {
          char last = digest.charAt(digest.length() - 2);
          String flipped =
              digest.substring(0, digest.length() - 2) + (last == '0' ? '1' : '0') + "\n";
          editMetadata(objectFile, digest, flipped);
        }
        case DIGEST_GARBLED -> editMetadata(objectFile, digest, "digest=not a digest\n");
        case DIGEST_REMOVED -> editMetadata(objectFile, digest, "");
        case SIZE_CHANGED -> {
          String size = metadataLine(objectFile, "plainsize");
          editMetadata(objectFile, size, "plainsize=1000\n");
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void metadataThatContradictsTheContentFailsFetchAndVerifyAndAnIdenticalRepushSaysWhy(
      Damage damage) throws Exception {
    Path root = dir.resolve("archive");
    WalArchive archive =
        WalArchive.builder(ArchiveStorages.open("file:" + root, Map.of()))
            .keyring(keyring)
            .tempDirectory(dir)
            .build();
    Path file = segment("src", 5, ONE_MB, 42);
    archive.push(file);
    String name = file.getFileName().toString();
    String key = "wal/" + name;
    damage.apply(root.resolve(key));

    Path dest = Files.createDirectories(dir.resolve("restore")).resolve("RECOVERYXLOG");
    assertThatThrownBy(() -> archive.fetch(name, dest))
        .isInstanceOf(ObjectIntegrityException.class)
        .hasMessageContaining("object " + key + " is corrupt: its storage metadata has");
    assertThat(dest).doesNotExist();
    try (Stream<Path> s = Files.list(dest.getParent())) {
      assertThat(s.toList()).isEmpty();
    }
    assertThatThrownBy(() -> archive.verifyObject(WalFileName.parse(name)))
        .isInstanceOf(ObjectIntegrityException.class)
        .hasMessageContaining(key);

    if (damage == Damage.SIZE_CHANGED) {
      // the digest, which re-push compares, is intact: an identical re-push is still identical
      assertThat(archive.push(file).outcome()).isEqualTo(PushResult.Outcome.ALREADY_ARCHIVED);
      return;
    }
    assertThatThrownBy(() -> archive.push(file))
        .isInstanceOf(ArchiveConflictException.class)
        .hasMessageContaining("the archived object " + key + " has damaged storage metadata")
        .hasMessageContaining("its content is identical to " + name)
        .hasMessageContaining("delete " + key)
        .hasMessageNotContaining("different content");

    Path other = segment("other", 5, ONE_MB, 99);
    assertThatThrownBy(() -> archive.push(other))
        .isInstanceOf(ArchiveConflictException.class)
        .hasMessageContaining("different content")
        .hasMessageContaining(key + " has damaged storage metadata");

    // following the advice repairs the archive
    archive.storage().delete(List.of(key));
    assertThat(archive.push(file).outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
    archive.fetch(name, dest);
    assertThat(Files.readAllBytes(dest)).isEqualTo(Files.readAllBytes(file));
  }

  @Test
  void aShortSegmentObjectArchivedByAnEarlierVersionFailsFetchAndVerify() throws Exception {
    ArchiveStorage storage = ArchiveStorages.memory();
    WalArchive archive = WalArchive.builder(storage).keyring(keyring).tempDirectory(dir).build();
    archive.push(segment("first", 4, ONE_MB, 1)); // creates the archive
    // what the old two-pass push stored for a segment truncated while it was read: a valid
    // object with consistent metadata, but only part of the segment
    Path file = segment("src", 5, ONE_MB, 42);
    byte[] part = Arrays.copyOf(Files.readAllBytes(file), 300_000);
    ObjectCodec codec = new ObjectCodec(Compression.zstdDefault(), keyring);
    java.io.ByteArrayOutputStream encoded = new java.io.ByteArrayOutputStream();
    String name = file.getFileName().toString();
    EncodeResult result = codec.encode(name, new java.io.ByteArrayInputStream(part), encoded);
    storage.create(
        "wal/" + name,
        ObjectSource.ofBytes(encoded.toByteArray()),
        Map.of(
            WalArchive.META_DIGEST,
            result.digest().toString(),
            WalArchive.META_PLAINSIZE,
            Long.toString(result.plaintextLength()),
            WalArchive.META_FORMAT,
            "1"));

    Path dest = Files.createDirectories(dir.resolve("restore")).resolve("RECOVERYXLOG");
    assertThatThrownBy(() -> archive.fetch(name, dest))
        .isInstanceOf(ObjectIntegrityException.class)
        .hasMessageContaining(
            "object wal/"
                + name
                + " is corrupt: it holds 300000 bytes, but the segment's header"
                + " says segments are 1048576 bytes");
    assertThat(dest).doesNotExist();
    try (Stream<Path> s = Files.list(dest.getParent())) {
      assertThat(s.toList()).isEmpty();
    }
    assertThatThrownBy(() -> archive.verifyObject(WalFileName.parse(name)))
        .isInstanceOf(ObjectIntegrityException.class)
        .hasMessageContaining("it holds 300000 bytes");
  }

  @Test
  void aDifferentFileWithIntactMetadataIsStillAPlainConflict() throws Exception {
    WalArchive archive =
        WalArchive.builder(ArchiveStorages.memory()).keyring(keyring).tempDirectory(dir).build();
    archive.push(segment("a", 5, ONE_MB, 1));
    assertThatThrownBy(() -> archive.push(segment("b", 5, ONE_MB, 2)))
        .isInstanceOf(ArchiveConflictException.class)
        .hasMessageContaining("already archived with different content; the archived copy is kept")
        .hasMessageNotContaining("metadata");
  }
}
