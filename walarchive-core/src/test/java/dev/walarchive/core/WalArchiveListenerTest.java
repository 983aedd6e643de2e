package dev.walarchive.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveEvent;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.WalArchiveListener;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WalArchiveListener}: one event per file pushed, fetched, deleted, verified or failed. */
class WalArchiveListenerTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final long SYSID = 7_000_000_000_000_000_042L;

  @TempDir Path dir;

  /** What a listener heard, one line per event: operation, archive, file, bytes, detail. */
  private final List<String> heard = new CopyOnWriteArrayList<>();

  private final WalArchiveListener recorder =
      new WalArchiveListener() {
        @Override
        public void pushed(ArchiveEvent event, PushResult result) {
          record(event, result.outcome().toString());
        }

        @Override
        public void fetched(ArchiveEvent event) {
          record(event, "");
        }

        @Override
        public void deleted(ArchiveEvent event) {
          record(event, "");
        }

        @Override
        public void verified(ArchiveEvent event) {
          record(event, "");
        }

        @Override
        public void failed(ArchiveEvent event, Exception cause) {
          assertThat(event.bytes()).isZero();
          record(event, "failed " + cause.getClass().getSimpleName());
        }

        private void record(ArchiveEvent e, String detail) {
          assertThat(e.duration().isNegative()).isFalse();
          heard.add(
              (e.operation() + " " + e.archive() + " " + e.file() + " " + e.bytes() + " " + detail)
                  .trim());
        }
      };

  @Test
  void everyPushFetchVerifyAndFailureIsOneEventNamingTheArchive() throws IOException {
    try (WalArchive archive =
        WalArchive.builder(ArchiveStorages.memory()).name("main").listener(recorder).build()) {
      Path segment = SyntheticWal.writeSegment(dir, SYSID, 1, 1, SIZE, 0);
      WalFileName name = WalFileName.segment(1, 1, SIZE);
      archive.push(segment);
      archive.push(segment);
      archive.fetch(name.name(), dir.resolve("RECOVERYXLOG"));
      archive.verifyObject(name);
      WalFileName absent = WalFileName.segment(1, 9, SIZE);
      assertThatThrownBy(() -> archive.fetch(absent.name(), dir.resolve("RECOVERYXLOG")))
          .isInstanceOf(WalFileNotFoundException.class);
      assertThat(heard)
          .containsExactly(
              "PUSH main " + name + " 1048576 ARCHIVED",
              "PUSH main " + name + " 1048576 ALREADY_ARCHIVED",
              "FETCH main " + name + " 1048576",
              "VERIFY main " + name + " 1048576",
              "FETCH main " + absent + " 0 failed WalFileNotFoundException");
    }
  }

  @Test
  void theDefaultNameOfAnArchiveOnMemStorageIsItsUrlNotItsContent() throws IOException {
    ArchiveStorage storage = ArchiveStorages.open("mem:team", Map.of());
    storage.create("unrelated", ObjectSource.ofBytes(new byte[] {1}), Map.of());
    try (WalArchive archive = WalArchive.builder(storage).listener(recorder).build()) {
      archive.push(SyntheticWal.writeSegment(dir, SYSID, 1, 1, SIZE, 0));
      assertThat(heard)
          .containsExactly(
              "PUSH mem:team " + WalFileName.segment(1, 1, SIZE) + " 1048576 ARCHIVED");
    }
  }

  @Test
  void aDamagedObjectIsAFailedVerifyAndVerifyReportsEachObject() throws IOException {
    ArchiveStorage storage = ArchiveStorages.memory();
    String name = storage.toString(); // the default name: the storage's, when the archive is built
    try (WalArchive archive = WalArchive.builder(storage).listener(recorder).build()) {
      archive.push(SyntheticWal.writeSegment(dir, SYSID, 1, 1, SIZE, 0));
      archive.push(SyntheticWal.writeSegment(dir, SYSID, 1, 2, SIZE, 0));
      WalFileName damaged = WalFileName.segment(1, 2, SIZE);
      storage.delete(List.of(WalArchive.keyOf(damaged)));
      storage.create(
          WalArchive.keyOf(damaged), ObjectSource.ofBytes("not an object".getBytes()), Map.of());
      heard.clear();
      archive.verify();
      assertThat(heard)
          .containsExactlyInAnyOrder(
              "VERIFY " + name + " " + WalFileName.segment(1, 1, SIZE) + " 1048576",
              "VERIFY " + name + " " + damaged + " 0 failed ObjectIntegrityException");
      assertThatThrownBy(() -> archive.verifyObject(damaged))
          .isInstanceOf(ObjectFormatException.class);
    }
  }

  @Test
  void retentionDeletesAreOneEventPerFileWithItsStoredSize() throws IOException {
    ArchiveStorage storage = ArchiveStorages.memory();
    try (WalArchive archive = WalArchive.builder(storage).name("main").listener(recorder).build()) {
      archive.createArchive(SYSID, SIZE);
      for (long s = 1; s <= 6; s++) {
        storage.create(
            WalArchive.keyOf(WalFileName.segment(1, s, SIZE)),
            ObjectSource.ofBytes(new byte[(int) s]),
            Map.of());
      }
      archive.push(backupHistory(Lsn.ofSegment(2, 0x28, SIZE), "2026-05-01 00:00:00"));
      archive.push(backupHistory(Lsn.ofSegment(5, 0x28, SIZE), "2026-05-02 00:00:00"));
      RetentionPlan plan =
          archive.planRetention(
              RetentionPolicy.parse("keep=1"), Instant.parse("2026-06-01T00:00:00Z"));
      assertThat(plan.deletions()).hasSize(5); // segments 1..4 and the older backup
      heard.clear();
      archive.applyRetention(plan, 2, RetentionListener.NONE);
      assertThat(heard)
          .containsExactlyElementsOf(
              plan.deletions().stream()
                  .map(d -> "DELETE main " + d.name() + " " + d.storedSize())
                  .toList());
    }
  }

  private Path backupHistory(Lsn start, String time) throws IOException {
    WalFileName name = WalFileName.backupHistory(1, start, SIZE);
    Lsn stop = start.plus(0x200);
    return Files.writeString(
        dir.resolve(name.name()),
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
            + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: "
            + time
            + " UTC\nLABEL: test\nSTART TIMELINE: 1\nSTOP TIME: "
            + time
            + " UTC\nSTOP TIMELINE: 1\n");
  }

  @Test
  void aListenerThatThrowsNeverChangesTheOutcome() throws IOException {
    WalArchiveListener broken =
        new WalArchiveListener() {
          @Override
          public void pushed(ArchiveEvent event, PushResult result) {
            throw new IllegalStateException("metrics are down");
          }

          @Override
          public void failed(ArchiveEvent event, Exception cause) {
            throw new IllegalStateException("metrics are down");
          }
        };
    try (WalArchive archive =
        WalArchive.builder(ArchiveStorages.memory()).listener(broken).build()) {
      Path segment = SyntheticWal.writeSegment(dir, SYSID, 1, 1, SIZE, 0);
      assertThat(archive.push(segment).outcome()).isEqualTo(PushResult.Outcome.ARCHIVED);
      assertThatThrownBy(
              () -> archive.fetch(WalFileName.segment(1, 2, SIZE).name(), dir.resolve("x")))
          .isInstanceOf(WalFileNotFoundException.class);
    }
  }

  @Test
  void aNameThatIsNoWalFileNameIsNoEvent() throws IOException {
    try (WalArchive archive =
        WalArchive.builder(ArchiveStorages.memory()).listener(recorder).build()) {
      Path notWal = Files.writeString(dir.resolve("postmaster.pid"), "1");
      assertThatThrownBy(() -> archive.push(notWal)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> archive.fetch("../etc/passwd", dir.resolve("x")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(heard).isEmpty();
    }
  }

  @Test
  void theBuilderRefusesABlankName() {
    assertThatThrownBy(() -> WalArchive.builder(ArchiveStorages.memory()).name(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
