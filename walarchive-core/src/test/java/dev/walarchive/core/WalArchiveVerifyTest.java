package dev.walarchive.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.VerifyOptions;
import dev.walarchive.core.archive.VerifyReport;
import dev.walarchive.core.archive.VerifyReport.Finding;
import dev.walarchive.core.archive.VerifyReport.Kind;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.testing.Properties;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WalArchive#verify}: continuity, integrity (all, sample, none), freshness, as data. */
class WalArchiveVerifyTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final long SYSID = 7_000_000_000_000_000_042L;
  private static final Instant T0 = Instant.parse("2026-06-01T03:00:00Z");

  @TempDir Path dir;

  /** The storage's clock: when objects are archived. */
  private final MutableClock archived = new MutableClock(T0);

  private final ArchiveStorage storage = ArchiveStorages.memory(archived);
  private WalFileName backup;

  @BeforeEach
  void archiveWithOneBackupAndSixSegments() throws IOException {
    // not closed: closing the archive closes the storage, which each test opens again
    WalArchive archive = archive(T0);
    for (long s = 1; s <= 6; s++) {
      archive.push(SyntheticWal.writeSegment(dir, SYSID, 1, s, SIZE, 0));
    }
    Lsn start = Lsn.ofSegment(2, 0x28, SIZE);
    backup = WalFileName.backupHistory(1, start, SIZE);
    archive.push(backupHistory(backup, start, Lsn.ofSegment(3, 0x100, SIZE)));
  }

  /** An archive on the storage whose clock says {@code now}. */
  private WalArchive archive(Instant now) {
    return WalArchive.builder(storage).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
  }

  private Path backupHistory(WalFileName name, Lsn start, Lsn stop) throws IOException {
    Path file = dir.resolve(name.name());
    Files.writeString(
        file,
        "START WAL LOCATION: "
            + start
            + " (file "
            + WalFileName.ofLsn(1, start, SIZE)
            + ")\nSTOP WAL LOCATION: "
            + stop
            + " (file "
            + WalFileName.ofLsn(1, stop, SIZE)
            + ")\nCHECKPOINT LOCATION: "
            + start.plus(0x60)
            + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
            + "START TIME: 2026-06-01 01:00:00 UTC\nLABEL: test\nSTART TIMELINE: 1\n"
            + "STOP TIME: 2026-06-01 01:01:00 UTC\nSTOP TIMELINE: 1\n",
        StandardCharsets.US_ASCII);
    return file;
  }

  @Test
  void aCompleteArchiveIsOkAndEveryObjectIsVerified() throws IOException {
    try (WalArchive archive = archive(T0)) {
      VerifyReport report = archive.verify();
      assertThat(report.isOk()).isTrue();
      assertThat(report.findings()).isEmpty();
      assertThat(report.summary()).isEqualTo("verify: ok");
      assertThat(report.continuity())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.isComplete()).isTrue();
                assertThat(r.required()).isEqualTo(5); // segments 2..6
              });
      assertThat(report.integrity()).contains(new VerifyReport.Integrity(7, 7));
    }
  }

  @Test
  void aMissingSegmentIsAGapNamingBackupTimelineAndSegment() throws IOException {
    WalFileName lost = WalFileName.segment(1, 4, SIZE);
    storage.delete(List.of(WalArchive.keyOf(lost)));
    try (WalArchive archive = archive(T0)) {
      VerifyReport report = archive.verify(VerifyOptions.builder().noIntegrity().build());
      assertThat(report.isOk()).isFalse();
      assertThat(report.integrity()).isEmpty();
      assertThat(report.problems())
          .containsExactly(
              new Finding(
                  Kind.GAP,
                  "backup " + backup + " to the end of timeline 1: missing " + lost,
                  Optional.of(lost),
                  Optional.of(backup),
                  OptionalLong.of(1)));
      assertThat(report.summary()).isEqualTo("verify: 1 problem(s)");
    }
  }

  @Test
  void aDamagedObjectIsCorruptAndTheRestAreVerified() throws IOException {
    WalFileName damaged = WalFileName.segment(1, 5, SIZE);
    String key = WalArchive.keyOf(damaged);
    ObjectStat stat = storage.stat(key);
    byte[] bytes;
    try (InputStream in = storage.open(key)) {
      bytes = in.readAllBytes();
    }
    bytes[bytes.length - 20] ^= 0x01;
    storage.delete(List.of(key));
    storage.create(key, ObjectSource.ofBytes(bytes), stat.metadata());
    try (WalArchive archive = archive(T0)) {
      VerifyReport report = archive.verify(VerifyOptions.builder().parallelism(3).build());
      assertThat(report.problems())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.kind()).isEqualTo(Kind.CORRUPT);
                assertThat(f.file()).contains(damaged);
                assertThat(f.message()).startsWith(damaged + ": ").doesNotContain("\n");
              });
      assertThat(report.integrity()).contains(new VerifyReport.Integrity(7, 6));
      // continuity looks at names only: the damaged segment is present
      assertThat(report.continuity()).allSatisfy(r -> assertThat(r.isComplete()).isTrue());
      assertThat(archive.verify(VerifyOptions.builder().noIntegrity().build()).isOk()).isTrue();
    }
  }

  @Test
  void aSampleChecksThatManyDistinctObjects() throws IOException {
    try (WalArchive archive = archive(T0)) {
      for (int n : new int[] {1, 3, 7, 50}) {
        VerifyReport report = archive.verify(VerifyOptions.builder().sample(n).build());
        long expected = Math.min(n, 7);
        assertThat(report.integrity()).contains(new VerifyReport.Integrity(expected, expected));
      }
    }
  }

  @Test
  void freshnessComparesTheNewestSegmentWithTheArchivesClock() throws IOException {
    VerifyOptions limit = VerifyOptions.builder().maxAge(Duration.ofMinutes(15)).build();
    // not closed: closing an archive closes the storage the second one reads
    assertThat(archive(T0.plus(Duration.ofMinutes(15))).verify(limit).isOk()).isTrue();
    try (WalArchive archive = archive(T0.plus(Duration.ofHours(2)))) {
      VerifyReport report = archive.verify(limit);
      WalFileName newest = WalFileName.segment(1, 6, SIZE);
      assertThat(report.problems())
          .singleElement()
          .isEqualTo(
              new Finding(
                  Kind.STALE,
                  "newest segment " + newest + " is 2h old (limit 15m)",
                  Optional.of(newest),
                  Optional.empty(),
                  OptionalLong.of(1)));
    }
  }

  @Test
  void anArchiveWithoutAReadableBackupHasAProblemSayingSo() throws IOException {
    storage.delete(List.of(WalArchive.keyOf(backup)));
    // not closed: closing an archive closes the storage the second one reads
    assertThat(archive(T0).verify().problems())
        .extracting(Finding::kind, Finding::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Kind.NO_BACKUP, "no base backup found in the archive (no .backup file)"));
    storage.create(
        WalArchive.keyOf(backup),
        ObjectSource.ofBytes("not an object".getBytes()),
        java.util.Map.of());
    try (WalArchive archive = archive(T0)) {
      VerifyReport report = archive.verify(VerifyOptions.builder().noIntegrity().build());
      assertThat(report.problems())
          .extracting(Finding::kind)
          .containsExactly(Kind.UNREADABLE_HISTORY, Kind.NO_BACKUP);
      assertThat(report.problems().get(0).file()).contains(backup);
      assertThat(report.problems().get(1).message())
          .isEqualTo("no readable base backup in the archive (1 .backup file(s) cannot be read)");
    }
  }

  @Test
  void aTimelineGrowingBesideItsBranchIsAWarningNotAProblem() throws IOException {
    try (WalArchive archive = archive(T0)) {
      // a test restore promoted to timeline 2 inside segment 4 archives a minute later
      archived.set(T0.plusSeconds(60));
      TimelineHistory tl2 =
          TimelineHistory.ofFirstTimeline().branch(2, Lsn.ofSegment(4, 0x5000, SIZE), "test");
      Path history = dir.resolve(tl2.fileName().name());
      Files.writeString(history, tl2.toFileContent(), StandardCharsets.US_ASCII);
      archive.push(history);
      archive.push(SyntheticWal.writeSegment(dir, SYSID, 2, 4, SIZE, 0));
      VerifyOptions continuityOnly = VerifyOptions.builder().noIntegrity().build();
      assertThat(archive.verify(continuityOnly).warnings()).as("a promotion").isEmpty();

      // and the primary goes on archiving timeline 1
      archived.set(T0.plusSeconds(120));
      archive.push(SyntheticWal.writeSegment(dir, SYSID, 1, 7, SIZE, 0));
      VerifyReport report = archive.verify(continuityOnly);
      assertThat(report.isOk()).as("%s", report.findings()).isTrue();
      assertThat(report.warnings())
          .singleElement()
          .satisfies(
              w -> {
                assertThat(w.kind()).isEqualTo(Kind.DIVERGENCE);
                assertThat(w.timeline()).hasValue(1);
                assertThat(w.message()).startsWith("timelines 1 and 2 grow side by side");
              });
      assertThat(report.divergences()).hasSize(1);
      assertThat(report.continuity()).extracting(r -> r.timeline()).containsExactly(1L, 2L);
      assertThat(report.summary()).isEqualTo("verify: ok, 1 warning(s)");
    }
  }

  @Test
  void noManifestIsAConfigurationErrorNotAnEmptyReport() {
    try (WalArchive archive = WalArchive.inMemory()) {
      assertThatThrownBy(archive::verify).isInstanceOf(ArchiveConfigurationException.class);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Floyd's sampling: n distinct objects (all if there are fewer), in listing order. */
  @Test
  void aSampleIsDistinctObjectsInListingOrder() {
    Properties.qt()
        .forAll(
            Properties.intsBetween(0, 60),
            Properties.intsBetween(1, 80),
            Properties.longsBetween(0, Long.MAX_VALUE))
        .checkAssert(
            (size, n, seed) -> {
              List<ArchiveInventory.Entry> all = new java.util.ArrayList<>();
              for (int i = 0; i < size; i++) {
                all.add(new ArchiveInventory.Entry(WalFileName.segment(1, i, SIZE), 1, T0));
              }
              List<ArchiveInventory.Entry> chosen =
                  Verifier.sample(all, n, new java.util.Random(seed));
              assertThat(chosen).hasSize(Math.min(n, size));
              assertThat(all).containsSubsequence(chosen);
              assertThat(chosen).doesNotHaveDuplicates();
            });
  }

  @Test
  void optionsAreValidatedAtOnce() {
    assertThatThrownBy(() -> VerifyOptions.builder().sample(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> VerifyOptions.builder().parallelism(65))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from 1 to 64");
    assertThatThrownBy(() -> VerifyOptions.builder().maxAge(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(VerifyOptions.defaults().integrity()).isTrue();
    assertThat(VerifyOptions.defaults().sample()).isEmpty();
    assertThat(VerifyOptions.defaults().parallelism()).isEqualTo(4);
    assertThat(VerifyOptions.builder().sample(3).noIntegrity().build().integrity()).isFalse();
  }

  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
