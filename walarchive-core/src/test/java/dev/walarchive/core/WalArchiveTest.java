package dev.walarchive.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalArchiveTest {
  private static final long SYSID = 7_300_000_000_000_000_001L;
  private static final WalSegmentSize ONE_MB = WalSegmentSize.ofMegabytes(1);

  @TempDir Path dir;
  private CountingStorage storage;
  private WalArchive archive;
  private Keyring keyring;

  @BeforeEach
  void setUp() {
    storage = new CountingStorage(ArchiveStorages.memory());
    keyring = Keyring.builder().addKey("k1", new byte[32]).activeKeyId("k1").build();
    archive = WalArchive.builder(storage).keyring(keyring).tempDirectory(dir).build();
  }

  private Path segment(long segno, long seed) throws Exception {
    Path sub = Files.createDirectories(dir.resolve("src-" + segno + "-" + seed));
    return SyntheticWal.writeSegment(sub, SYSID, 1, segno, ONE_MB, seed);
  }

  @Test
  void pushThenFetchRestoresTheSameBytes() throws Exception {
    Path file = segment(5, 42);
    PushResult result = archive.push(file);
    assertThat(result.outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
    assertThat(result.plaintextLength()).isEqualTo(ONE_MB.bytes());
    Path dest = dir.resolve("RECOVERYXLOG");
    archive.fetch(file.getFileName().toString(), dest);
    assertThat(Files.readAllBytes(dest)).isEqualTo(Files.readAllBytes(file));
    assertThat(archive.manifest())
        .get()
        .satisfies(
            m -> {
              assertThat(m.systemIdentifier()).isEqualTo(SYSID);
              assertThat(m.segmentSize()).isEqualTo(ONE_MB);
            });
  }

  @Test
  void identicalRepushSucceedsWithOneMetadataReadAndNoDownload() throws Exception {
    Path file = segment(5, 42);
    archive.push(file);
    storage.reset();
    PushResult again = archive.push(file);
    assertThat(again.outcome()).isEqualTo(PushResult.Outcome.ALREADY_ARCHIVED);
    String key = "wal/" + file.getFileName();
    assertThat(storage.calls("stat", key)).isEqualTo(1);
    assertThat(storage.calls("open", key)).isZero();
  }

  @Test
  void differentContentIsNeverOverwritten() throws Exception {
    Path first = segment(5, 1);
    Path second = segment(5, 2);
    archive.push(first);
    assertThatThrownBy(() -> archive.push(second))
        .isInstanceOf(ArchiveConflictException.class)
        .hasMessageContaining(first.getFileName().toString());
    Path dest = dir.resolve("restored");
    archive.fetch(first.getFileName().toString(), dest);
    assertThat(Files.readAllBytes(dest)).isEqualTo(Files.readAllBytes(first));
  }

  @Test
  void repushAfterKeyRotationComparesWithTheOldKey() throws Exception {
    Path file = segment(5, 42);
    archive.push(file);
    Keyring rotated =
        Keyring.builder()
            .addKey("k1", new byte[32])
            .addKey("k2", filled(7))
            .activeKeyId("k2")
            .build();
    WalArchive after = WalArchive.builder(storage).keyring(rotated).tempDirectory(dir).build();
    after.addKey(); // a new key id is registered explicitly before it writes
    assertThat(after.push(file).outcome()).isEqualTo(PushResult.Outcome.ALREADY_ARCHIVED);
    assertThatThrownBy(() -> after.push(segment(5, 43)))
        .isInstanceOf(ArchiveConflictException.class);
  }

  @Test
  void aSegmentOfAnotherClusterIsRefusedNamingBoth() throws Exception {
    archive.push(segment(5, 42));
    Path other = Files.createDirectories(dir.resolve("other"));
    Path foreign = SyntheticWal.writeSegment(other, 12345L, 1, 6, ONE_MB, 1);
    assertThatThrownBy(() -> archive.push(foreign))
        .isInstanceOf(ArchiveMismatchException.class)
        .hasMessageContaining("12345")
        .hasMessageContaining(Long.toUnsignedString(SYSID));
    assertThat(storage.calls("create", "wal/" + foreign.getFileName())).isZero();
  }

  @Test
  void aSegmentOfAnotherSizeIsRefusedNamingBoth() throws Exception {
    archive.push(segment(5, 42));
    Path other = Files.createDirectories(dir.resolve("other"));
    Path twoMb = SyntheticWal.writeSegment(other, SYSID, 1, 6, WalSegmentSize.ofMegabytes(2), 1);
    assertThatThrownBy(() -> archive.push(twoMb))
        .isInstanceOf(ArchiveMismatchException.class)
        .hasMessageContaining("2097152")
        .hasMessageContaining("1048576");
  }

  @Test
  void aFileWhoseHeaderContradictsItsNameIsRefused() throws Exception {
    Path file = segment(5, 42);
    Path renamed = dir.resolve(WalFileName.segment(1, 9, ONE_MB).name());
    Files.copy(file, renamed);
    assertThatThrownBy(() -> archive.push(renamed))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining(renamed.getFileName().toString());
    assertThat(storage.calls("create")).isZero();
  }

  @Test
  void badInputIsRefusedBeforeTouchingStorage() throws Exception {
    assertThatThrownBy(() -> archive.push(dir.resolve("000000010000000000000001")))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining("does not exist");
    Path directory = Files.createDirectories(dir.resolve("000000010000000000000002"));
    assertThatThrownBy(() -> archive.push(directory))
        .isInstanceOf(InvalidWalFileException.class)
        .hasMessageContaining("not a regular file");
    Path notWal = Files.writeString(dir.resolve("notes.txt"), "x");
    assertThatThrownBy(() -> archive.push(notWal))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("notes.txt");
    assertThat(storage.calls("create")).isZero();
    assertThat(storage.calls("open")).isZero();
  }

  @Test
  void fetchOfAMissingFileLeavesNothing() throws Exception {
    archive.push(segment(5, 42));
    Path dest = dir.resolve("RECOVERYXLOG");
    assertThatThrownBy(() -> archive.fetch("000000010000000000000007", dest))
        .isInstanceOf(WalFileNotFoundException.class);
    assertThat(dest).doesNotExist();
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> !p.getFileName().toString().startsWith("src-")).toList())
          .isEmpty();
    }
  }

  @Test
  void fetchIsOneReadByNameAfterTheManifest() throws Exception {
    Path file = segment(5, 42);
    archive.push(file);
    storage.reset();
    archive.fetch(file.getFileName().toString(), dir.resolve("RECOVERYXLOG"));
    // the manifest: one listing of its revisions and one read; then the object: one read by name
    assertThat(storage.calls("open", "wal/" + file.getFileName())).isEqualTo(1);
    assertThat(storage.calls("open", "walarchive.manifest")).isEqualTo(1);
    assertThat(storage.calls("open")).isEqualTo(2);
    assertThat(storage.calls("list", "walarchive.manifest")).isEqualTo(1);
    assertThat(storage.calls("list")).isEqualTo(1);
    assertThat(storage.calls("stat")).isZero();
  }

  @Test
  void fetchOfADamagedObjectFailsAndLeavesNothing() throws Exception {
    ArchiveStorage raw = ArchiveStorages.memory();
    WalArchive a = WalArchive.builder(raw).keyring(keyring).tempDirectory(dir).build();
    Path file = segment(5, 42);
    a.push(file);
    String key = "wal/" + file.getFileName();
    byte[] stored;
    try (InputStream in = raw.open(key)) {
      stored = in.readAllBytes();
    }
    stored[stored.length / 2] ^= 1;
    raw.delete(List.of(key));
    raw.create(key, ObjectSource.ofBytes(stored), Map.of());
    Path dest = dir.resolve("RECOVERYXLOG");
    assertThatThrownBy(() -> a.fetch(file.getFileName().toString(), dest))
        .isInstanceOf(ObjectFormatException.class);
    assertThat(dest).doesNotExist();
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().contains("RECOVERYXLOG")).toList())
          .isEmpty();
    }
  }

  @Test
  void anObjectCopiedToAnotherNameIsRejectedOnFetch() throws Exception {
    ArchiveStorage raw = ArchiveStorages.memory();
    WalArchive a =
        WalArchive.builder(raw).compression(Compression.none()).tempDirectory(dir).build();
    Path file = segment(5, 42);
    a.push(file);
    byte[] stored;
    try (InputStream in = raw.open("wal/" + file.getFileName())) {
      stored = in.readAllBytes();
    }
    String other = WalFileName.segment(1, 6, ONE_MB).name();
    raw.create("wal/" + other, ObjectSource.ofBytes(stored), Map.of());
    assertThatThrownBy(() -> a.fetch(other, dir.resolve("x")))
        .isInstanceOf(ObjectFormatException.class);
  }

  @Test
  void inventoryShowsRangesAndGaps() throws Exception {
    for (long segno : new long[] {3, 4, 5, 9, 10}) {
      archive.push(segment(segno, segno));
    }
    ArchiveInventory inventory = archive.inventory();
    assertThat(inventory.timelines()).hasSize(1);
    ArchiveInventory.TimelineSummary t = inventory.timelines().get(0);
    assertThat(t.segments()).isEqualTo(5);
    assertThat(t.ranges()).hasSize(2);
    assertThat(t.gaps())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.firstMissing()).isEqualTo(WalFileName.segment(1, 6, ONE_MB));
              assertThat(g.lastMissing()).isEqualTo(WalFileName.segment(1, 8, ONE_MB));
              assertThat(g.count()).isEqualTo(3);
            });
    assertThat(inventory.newestSegment().orElseThrow().name())
        .isEqualTo(WalFileName.segment(1, 10, ONE_MB));
  }

  @Test
  void pinsAreStoredInTheArchiveAndSurviveReopening() throws Exception {
    WalFileName backup = WalFileName.parse("000000010000000000000005.00000028.backup");
    archive.push(segment(5, 42));
    assertThatThrownBy(() -> archive.pin(backup)).isInstanceOf(WalFileNotFoundException.class);
    Path file = Files.createDirectories(dir.resolve("bk")).resolve(backup.name());
    Files.writeString(
        file,
        "START WAL LOCATION: 0/500028 (file 000000010000000000000005)\n"
            + "STOP WAL LOCATION: 0/500100 (file 000000010000000000000005)\n"
            + "CHECKPOINT LOCATION: 0/500060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
            + "START TIME: 2026-11-20 10:00:00 UTC\nLABEL: pinned\nSTART TIMELINE: 1\n"
            + "STOP TIME: 2026-11-20 10:01:00 UTC\nSTOP TIMELINE: 1\n");
    archive.push(file);
    archive.pin(backup);
    archive.pin(backup);
    WalArchive reopened = WalArchive.builder(storage).keyring(keyring).build();
    assertThat(reopened.pinnedBackups()).containsExactly(backup);
    reopened.unpin(backup);
    assertThat(archive.pinnedBackups()).isEmpty();
    assertThatThrownBy(() -> archive.pin(WalFileName.parse("000000010000000000000005")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void inventoryLeavesOutNamesNoSegmentOfTheArchivesSizeCanHave() throws Exception {
    archive.push(segment(3, 3));
    // with 1 MiB segments the low 8 hex digits stop at 0x00000FFF
    storage.create("wal/000000010000000000001000", ObjectSource.ofBytes(new byte[1]), Map.of());
    storage.create("wal/notes.txt", ObjectSource.ofBytes(new byte[1]), Map.of());
    ArchiveInventory inventory = archive.inventory();
    assertThat(inventory.entries()).hasSize(1);
    assertThat(inventory.unrecognizedKeys())
        .containsExactly("wal/000000010000000000001000", "wal/notes.txt");
    assertThat(inventory.timelines())
        .singleElement()
        .satisfies(t -> assertThat(t.gaps()).isEmpty());
  }

  private static byte[] filled(int value) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }
}
