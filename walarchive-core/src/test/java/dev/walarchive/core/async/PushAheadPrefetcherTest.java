package dev.walarchive.core.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushAheadPrefetcherTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final long SYSID = 7000000000000000001L;

  @TempDir Path temp;

  private Path dataDir(int segments) throws Exception {
    Path status = Files.createDirectories(temp.resolve("pgdata/pg_wal/archive_status"));
    Path wal = status.getParent();
    for (int i = 1; i <= segments; i++) {
      Path f = SyntheticWal.writeSegment(wal, SYSID, 1, i, SIZE, i);
      Files.createFile(status.resolve(f.getFileName() + ".ready"));
    }
    return wal.getParent();
  }

  @Test
  void readyFilesAreOldestFirstHistoryFirstAndSkipDoneFiles() throws Exception {
    Path data = dataDir(3);
    Path status = data.resolve("pg_wal/archive_status");
    Files.move(
        status.resolve("000000010000000000000002.ready"),
        status.resolve("000000010000000000000002.done"));
    Files.writeString(data.resolve("pg_wal/00000002.history"), "1\t0/3000000\tno reason\n");
    Files.createFile(status.resolve("00000002.history.ready"));
    assertThat(PushAhead.readyFiles(data))
        .extracting(p -> p.getFileName().toString())
        .containsExactly(
            "00000002.history", "000000010000000000000001", "000000010000000000000003");
  }

  @Test
  void pushesEveryReadySegmentWithAResultPerFileAndTellsTheListener() throws Exception {
    Path data = dataDir(6);
    List<PushOutcome> heard = Collections.synchronizedList(new ArrayList<>());
    try (WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).build();
        PushAhead pushAhead =
            PushAhead.builder(archive)
                .parallelism(3)
                .listener(
                    new AsyncListener() {
                      @Override
                      public void pushed(PushOutcome outcome) {
                        heard.add(outcome);
                      }
                    })
                .build()) {
      List<PushOutcome> outcomes = pushAhead.pushReady(data);
      assertThat(outcomes).hasSize(6).allMatch(PushOutcome::succeeded);
      assertThat(heard).hasSize(6);
      for (PushOutcome o : outcomes) {
        assertThat(archive.read(o.name())).isEqualTo(Files.readAllBytes(o.file()));
      }
      // PostgreSQL's markers are left alone
      assertThat(data.resolve("pg_wal/archive_status/000000010000000000000001.ready")).exists();
      // a second round is idempotent
      assertThat(pushAhead.pushReady(data)).allMatch(PushOutcome::succeeded);
    }
  }

  @Test
  void aConflictIsAFailedOutcomeNotRetriedAndOthersStillSucceed() throws Exception {
    Path data = dataDir(3);
    try (WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).build();
        PushAhead pushAhead =
            PushAhead.builder(archive).retries(5, Duration.ofSeconds(30)).build()) {
      Path other = Files.createDirectories(temp.resolve("other"));
      archive.push(SyntheticWal.writeSegment(other, SYSID, 1, 2, SIZE, 99));
      List<PushOutcome> outcomes = pushAhead.pushReady(data);
      assertThat(outcomes.get(0).succeeded()).isTrue();
      assertThat(outcomes.get(1).failure()).isInstanceOf(ArchiveConflictException.class);
      assertThat(outcomes.get(1).attempts()).isEqualTo(1);
      assertThat(outcomes.get(2).succeeded()).isTrue();
    }
  }

  @Test
  void prefetchesAlongTheTimelineAndReportsTheEndAsNotFound() throws Exception {
    Path data = dataDir(4);
    Path spool = Files.createDirectories(temp.resolve("spool"));
    try (WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).build();
        PushAhead pushAhead = PushAhead.builder(archive).build();
        Prefetcher prefetcher = Prefetcher.builder(archive).parallelism(2).build()) {
      pushAhead.pushReady(data);
      List<FetchOutcome> outcomes =
          prefetcher.prefetch(WalFileName.parse("000000010000000000000002"), 5, SIZE, spool);
      assertThat(outcomes)
          .extracting(FetchOutcome::status)
          .containsExactly(
              FetchOutcome.Status.FETCHED,
              FetchOutcome.Status.FETCHED,
              FetchOutcome.Status.FETCHED,
              FetchOutcome.Status.NOT_FOUND,
              FetchOutcome.Status.NOT_FOUND);
      for (int i = 2; i <= 4; i++) {
        String name = WalFileName.segment(1, i, SIZE).name();
        assertThat(spool.resolve(name)).hasSameBinaryContentAs(data.resolve("pg_wal/" + name));
      }
      assertThat(spool.resolve("000000010000000000000005")).doesNotExist();
      try (var files = Files.list(spool)) {
        assertThat(files).hasSize(3); // no temporary file left
      }
    }
  }

  @Test
  void aFetchSubmittedFirstRunsBeforeTheFetchesQueuedAheadThatHaveNotStarted() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> started = Collections.synchronizedList(new ArrayList<>());
    AsyncListener listener =
        new AsyncListener() {
          @Override
          public void started(WalFileName name) {
            started.add(name.name());
            if (started.size() == 1) {
              running.countDown();
              try {
                release.await(); // holds the only thread until the others are queued
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    Path dir = Files.createDirectories(temp.resolve("spool"));
    try (WalArchive archive = WalArchive.builder(ArchiveStorages.memory()).build();
        Prefetcher prefetcher =
            Prefetcher.builder(archive).parallelism(1).listener(listener).build()) {
      List<CompletableFuture<FetchOutcome>> futures = new ArrayList<>();
      futures.add(prefetcher.submit(segment(1), dir.resolve("1")));
      assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
      futures.add(prefetcher.submit(segment(2), dir.resolve("2")));
      futures.add(prefetcher.submit(segment(3), dir.resolve("3")));
      futures.add(prefetcher.submitFirst(segment(4), dir.resolve("4")));
      futures.add(prefetcher.submitFirst(segment(5), dir.resolve("5")));
      release.countDown();
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
      assertThat(futures).allMatch(f -> f.getNow(null) != null);
    }
    assertThat(started)
        .containsExactly(
            segment(1).name(),
            segment(4).name(),
            segment(5).name(),
            segment(2).name(),
            segment(3).name());
  }

  private static WalFileName segment(long segno) {
    return WalFileName.segment(1, segno, SIZE);
  }

  @Test
  void segmentsFromStaysOnTheTimelineAcrossAnXlogIdBoundary() {
    WalSegmentSize size = WalSegmentSize.ofMegabytes(1024);
    assertThat(Prefetcher.segmentsFrom(WalFileName.parse("000000030000000000000003"), 3, size))
        .extracting(WalFileName::name)
        .containsExactly(
            "000000030000000000000003", "000000030000000100000000", "000000030000000100000001");
  }
}
