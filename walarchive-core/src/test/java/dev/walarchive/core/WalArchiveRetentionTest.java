package dev.walarchive.core;

import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.booleans;

import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.retention.RetentionApplyException;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPlanner;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.testing.ForwardingStorage;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/** Retention through the facade: pins merged, tolerant history reads, apply with its guards. */
class WalArchiveRetentionTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @TempDir Path dir;

  /**
   * An archive on timeline 1 with {@code segments} segments, backups starting at the given segments
   * (each stopping an hour per segment after T0), and some of them pinned.
   */
  record Spec(
      int segments,
      List<Integer> backupSegments,
      List<Boolean> pinned,
      int keep,
      boolean damagedBackup,
      int batchSize) {}

  private static Gen<Spec> specs() {
    return intsBetween(3, 30)
        .flatMap(
            segments ->
                listsOf(intsBetween(1, segments), 1, 5)
                    .zip(
                        listsOf(booleans().all(), 5, 5),
                        intsBetween(1, 3),
                        booleans().all(),
                        (backups, pins, keep, damaged) ->
                            new Spec(
                                segments,
                                backups.stream().distinct().sorted().toList(),
                                pins,
                                keep,
                                damaged,
                                1))
                    .zip(
                        intsBetween(1, 7),
                        (s, batch) ->
                            new Spec(
                                s.segments(),
                                s.backupSegments(),
                                s.pinned(),
                                s.keep(),
                                s.damagedBackup(),
                                batch)));
  }

  @Test
  void applyingAPlanNeverDeletesWhatAPinnedBackupNeedsAndApplyingTwiceChangesNothing() {
    qt().withExamples(60)
        .forAll(specs())
        .checkAssert(
            spec -> {
              try (WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).build()) {
                List<WalFileName> backups = populate(archive, spec);
                Set<WalFileName> pinned = new TreeSet<>();
                for (int i = 0; i < backups.size(); i++) {
                  if (spec.pinned().get(i)) {
                    archive.pin(backups.get(i));
                    pinned.add(backups.get(i));
                  }
                }
                RetentionPlan plan =
                    archive.planRetention(
                        RetentionPolicy.builder().keepBackups(spec.keep()).build(), T0);
                assertThat(plan.archivePins()).containsExactlyElementsOf(pinned);
                assertThat(plan.skipped()).hasSize(spec.damagedBackup() ? 1 : 0);
                archive.applyRetention(plan, spec.batchSize(), RetentionListener.NONE);

                Set<String> after = keys(archive.storage());
                for (WalFileName b : pinned) {
                  assertThat(after).contains(WalArchive.keyOf(b));
                  long from = b.segmentNumber(SIZE);
                  for (long s = from; s <= spec.segments(); s++) {
                    assertThat(after).contains(WalArchive.keyOf(WalFileName.segment(1, s, SIZE)));
                  }
                }
                assertThat(after).contains(ManifestFormat.KEY);

                assertThat(archive.applyRetention(plan, spec.batchSize(), RetentionListener.NONE))
                    .isEqualTo(plan.deletions().size());
                assertThat(keys(archive.storage())).isEqualTo(after);
                RetentionPlan again =
                    archive.planRetention(
                        RetentionPolicy.builder().keepBackups(spec.keep()).build(), T0);
                assertThat(again.deletions()).isEmpty();
                assertThat(archive.applyRetention(again, RetentionListener.NONE)).isZero();
                assertThat(keys(archive.storage())).isEqualTo(after);
              } catch (IOException e) {
                throw new AssertionError(e);
              }
            });
  }

  @Test
  void aDamagedBackupHistoryIsSkippedAndReportedNotFatal() throws IOException {
    try (WalArchive archive = WalArchive.inMemory()) {
      populate(archive, new Spec(6, List.of(2, 4), List.of(false, false), 1, true, 1));
      ArchiveHistories histories = archive.histories(archive.inventory());
      assertThat(histories.backups()).hasSize(2);
      assertThat(histories.skipped()).hasSize(1);
      assertThat(histories.skipped().get(0).toString())
          .startsWith("cannot read backup history file 000000010000000000000005.00000028.backup");
      assertThatThrownBy(() -> archive.backups(archive.inventory()))
          .isInstanceOf(IOException.class);

      RetentionPlan plan =
          archive.planRetention(RetentionPolicy.builder().keepBackups(1).build(), T0);
      assertThat(plan.warnings().get(0)).isEqualTo(histories.skipped().get(0).toString());
    }
  }

  @Test
  void aPlanThatExpiresABackupPinnedInTheArchiveIsRefusedBeforeAnythingIsDeleted()
      throws IOException {
    try (WalArchive archive = WalArchive.inMemory()) {
      List<WalFileName> backups =
          populate(archive, new Spec(8, List.of(2, 5), List.of(false, false), 1, false, 1));
      archive.pin(backups.get(0));
      // a team's own job that plans without the archive's pins
      var inventory = archive.inventory();
      RetentionPlan unpinned =
          RetentionPlanner.plan(
              inventory,
              archive.backups(inventory),
              archive.timelineHistories(inventory),
              RetentionPolicy.builder().keepBackups(1).build(),
              T0);
      assertThat(unpinned.deletions()).isNotEmpty();
      Set<String> before = keys(archive.storage());
      assertThatThrownBy(() -> archive.applyRetention(unpinned, RetentionListener.NONE))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(backups.get(0).name())
          .hasMessageContaining("pinned");
      assertThat(keys(archive.storage())).isEqualTo(before);

      RetentionPlan pinned =
          archive.planRetention(RetentionPolicy.builder().keepBackups(1).build(), T0);
      assertThat(pinned.retainedBackups())
          .extracting(RetentionPlan.Backup::name)
          .contains(backups.get(0));
    }
  }

  @Test
  void aFailedBatchStopsTheRunSaysHowFarItGotAndTheNextRunFinishes() throws IOException {
    FailingDeletes storage = new FailingDeletes(ArchiveStorages.memory());
    try (WalArchive archive = WalArchive.builder(storage).build()) {
      populate(archive, new Spec(10, List.of(1, 8), List.of(false, false), 1, false, 1));
      RetentionPlan plan =
          archive.planRetention(RetentionPolicy.builder().keepBackups(1).build(), T0);
      // backup history first, then segments 1..7
      assertThat(plan.deletions()).hasSize(8);
      String victim = WalArchive.keyOf(WalFileName.segment(1, 4, SIZE));
      storage.failing = victim;
      List<String> failed = new ArrayList<>();
      List<Long> progress = new ArrayList<>();
      RetentionListener listener =
          new RetentionListener() {
            @Override
            public void deleted(List<RetentionPlan.Deletion> batch, long files, long bytes) {
              progress.add(files);
            }

            @Override
            public void failed(RetentionPlan.Deletion deletion, String reason) {
              failed.add(deletion.name() + ": " + reason);
            }
          };
      assertThatThrownBy(() -> archive.applyRetention(plan, 3, listener))
          .isInstanceOfSatisfying(
              RetentionApplyException.class,
              e -> {
                assertThat(e.deletedFiles()).isEqualTo(5);
                assertThat(e.plannedFiles()).isEqualTo(8);
                assertThat(e.failed())
                    .extracting(d -> WalArchive.keyOf(d.name()))
                    .containsExactly(victim);
                assertThat(e.getMessage()).contains("5 of 8 files were deleted");
              });
      assertThat(progress).containsExactly(3L);
      assertThat(failed).containsExactly(WalFileName.segment(1, 4, SIZE) + ": injected");
      assertThat(keys(storage)).contains(victim);
      assertThat(keys(storage))
          .doesNotContain(WalArchive.keyOf(WalFileName.segment(1, 5, SIZE)))
          .contains(WalArchive.keyOf(WalFileName.segment(1, 6, SIZE)));

      storage.failing = null;
      RetentionPlan rest =
          archive.planRetention(RetentionPolicy.builder().keepBackups(1).build(), T0);
      assertThat(rest.deletions())
          .extracting(d -> WalArchive.keyOf(d.name()))
          .containsExactly(
              victim,
              WalArchive.keyOf(WalFileName.segment(1, 6, SIZE)),
              WalArchive.keyOf(WalFileName.segment(1, 7, SIZE)));
      archive.applyRetention(rest, RetentionListener.NONE);
      assertThat(
              archive.planRetention(RetentionPolicy.builder().keepBackups(1).build(), T0).isEmpty())
          .isTrue();
    }
  }

  /** Writes the manifest, segments 1..n (dummy bodies) and the backups; returns the backups. */
  private List<WalFileName> populate(WalArchive archive, Spec spec) throws IOException {
    ArchiveStorage storage = archive.storage();
    archive.createArchive(42L, SIZE);
    for (long s = 1; s <= spec.segments(); s++) {
      storage.create(
          WalArchive.keyOf(WalFileName.segment(1, s, SIZE)),
          ObjectSource.ofBytes(new byte[] {1}),
          Map.of());
    }
    Path sub = Files.createTempDirectory(dir, "wal");
    List<WalFileName> backups = new ArrayList<>();
    for (int segment : spec.backupSegments()) {
      Lsn start = Lsn.ofSegment(segment, 0x28, SIZE);
      WalFileName name = WalFileName.backupHistory(1, start, SIZE);
      Path file = sub.resolve(name.name());
      Files.writeString(
          file,
          backupHistory(start, T0.minusSeconds(3600L * (100 - segment))),
          StandardCharsets.US_ASCII);
      archive.push(file);
      backups.add(name);
    }
    if (spec.damagedBackup()) {
      WalFileName name = WalFileName.backupHistory(1, Lsn.ofSegment(5, 0x28, SIZE), SIZE);
      if (!backups.contains(name)) {
        storage.create(
            WalArchive.keyOf(name), ObjectSource.ofBytes("not an object".getBytes()), Map.of());
      } else {
        storage.create(
            WalArchive.keyOf(WalFileName.backupHistory(1, Lsn.ofSegment(5, 0x30, SIZE), SIZE)),
            ObjectSource.ofBytes("not an object".getBytes()),
            Map.of());
      }
    }
    return backups;
  }

  private static String backupHistory(Lsn start, Instant stopped) {
    Lsn stop = start.plus(0x200);
    return "START WAL LOCATION: "
        + start
        + " (file "
        + WalFileName.ofLsn(1, start, SIZE)
        + ")\nSTOP WAL LOCATION: "
        + stop
        + " (file "
        + WalFileName.ofLsn(1, stop, SIZE)
        + ")\nCHECKPOINT LOCATION: "
        + start.plus(0x38)
        + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: "
        + PG_TIME.format(stopped.minusSeconds(60))
        + " UTC\nLABEL: test\nSTART TIMELINE: 1\nSTOP TIME: "
        + PG_TIME.format(stopped)
        + " UTC\nSTOP TIMELINE: 1\n";
  }

  private static Set<String> keys(ArchiveStorage storage) throws IOException {
    Set<String> keys = new TreeSet<>();
    ObjectIterator it = storage.list("");
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  /** Memory storage whose batch delete fails for one key, deleting the others. */
  private static final class FailingDeletes extends ForwardingStorage {
    volatile String failing;

    FailingDeletes(ArchiveStorage delegate) {
      super(delegate);
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
      String f = failing;
      if (f == null || !keys.contains(f)) {
        delegate.delete(keys);
        return;
      }
      delegate.delete(keys.stream().filter(k -> !k.equals(f)).collect(Collectors.toList()));
      throw new BatchDeleteException(Map.of(f, "injected"));
    }
  }
}
