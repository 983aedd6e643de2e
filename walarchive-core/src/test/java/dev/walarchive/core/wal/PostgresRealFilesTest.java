package dev.walarchive.core.wal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.testing.PostgresServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The primitives against files a real PostgreSQL 15 archived: a cluster with 1 MiB segments
 * archives with {@code cp}, takes a real {@code pg_basebackup}, and the backup is restored as a
 * standby from the archive and promoted (timeline 2), then restarted as a standby and promoted
 * again (timeline 3). The second promotion happens in the middle of a segment, so the archive holds
 * the timeline-2 copy of that segment as {@code .partial} and a timeline-3 copy that starts with
 * timeline-2 pages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresRealFilesTest {
  private static final WalSegmentSize SEGMENT_SIZE = WalSegmentSize.ofMegabytes(1);
  private static final Duration WAIT = Duration.ofMinutes(2);

  private Path baseDir;
  private Path archive;
  private PostgresServer primary;
  private PostgresServer standby;
  private Instant startedAt;
  private String systemIdentifier;
  private int walBlockSize;
  private int serverMajorVersion;
  private String backupLabel;
  private Lsn replayedBeforeFirstPromotion;
  private Lsn firstLsnOnTimeline2;
  private Lsn lastLsnOnTimeline2;
  private Lsn firstLsnOnTimeline3;
  private Lsn endOfArchivedWal;

  @BeforeAll
  void archiveBackupAndTwoPromotions() throws Exception {
    startedAt = Instant.now().minusSeconds(1);
    baseDir = PostgresServer.createBaseDir("walarchive-realfiles");
    archive = PostgresServer.createDirectory(baseDir.resolve("archive"));
    String archiveCommand = "test ! -f " + archive + "/%f && cp %p " + archive + "/%f";

    primary =
        PostgresServer.initdb(PostgresServer.createDirectory(baseDir.resolve("primary")), 1)
            .setConfig("archive_mode", "on")
            .setConfig("archive_command", archiveCommand)
            .setConfig("log_timezone", "Asia/Dubai") // writes times as "+04"
            .start();
    systemIdentifier = primary.queryOne("SELECT system_identifier FROM pg_control_system()");
    walBlockSize = Integer.parseInt(primary.queryOne("SHOW wal_block_size"));
    serverMajorVersion = Integer.parseInt(primary.queryOne("SHOW server_version_num")) / 10000;
    primary.pgbench("-i", "-s", "1", "-q");

    Path backup = baseDir.resolve("standby");
    primary.pgBasebackup(backup);
    backupLabel = Files.readString(backup.resolve("backup_label"), UTF_8);

    primary.execute("CREATE TABLE after_backup AS SELECT generate_series(1, 10000) AS i");
    Lsn switched = Lsn.parse(primary.queryOne("SELECT pg_switch_wal()"));
    waitForArchived(WalFileName.ofEndLsn(1, switched, SEGMENT_SIZE).name());
    waitForArchivedSuffix(".backup");
    primary.stop();

    standby =
        PostgresServer.existing(backup)
            .setConfig("restore_command", "cp " + archive + "/%f %p")
            .setConfig("archive_mode", "on")
            .setConfig("archive_command", archiveCommand)
            .setConfig("log_timezone", "UTC");
    standby.writeDataFile("standby.signal", "");
    standby.start();
    standby.waitFor("SELECT pg_last_wal_replay_lsn() >= '" + switched + "'::pg_lsn", WAIT);
    replayedBeforeFirstPromotion = Lsn.parse(standby.queryOne("SELECT pg_last_wal_replay_lsn()"));
    standby.promote();
    firstLsnOnTimeline2 = Lsn.parse(standby.queryOne("SELECT pg_current_wal_lsn()"));
    standby.execute("CREATE TABLE on_timeline_2 AS SELECT generate_series(1, 10000) AS i");
    Lsn switched2 = Lsn.parse(standby.queryOne("SELECT pg_switch_wal()"));
    waitForArchived("00000002.history");
    waitForArchived(WalFileName.ofEndLsn(2, switched2, SEGMENT_SIZE).name());

    standby.execute("CREATE TABLE still_on_timeline_2 AS SELECT generate_series(1, 100) AS i");
    lastLsnOnTimeline2 = Lsn.parse(standby.queryOne("SELECT pg_current_wal_lsn()"));
    standby.stop();
    standby.writeDataFile("standby.signal", "");
    standby.start();
    standby.promote();
    firstLsnOnTimeline3 = Lsn.parse(standby.queryOne("SELECT pg_current_wal_lsn()"));
    standby.execute("CREATE TABLE on_timeline_3 AS SELECT generate_series(1, 10000) AS i");
    endOfArchivedWal = Lsn.parse(standby.queryOne("SELECT pg_switch_wal()"));
    waitForArchived("00000003.history");
    waitForArchived(WalFileName.ofEndLsn(3, endOfArchivedWal, SEGMENT_SIZE).name());
    waitForArchivedSuffix(".partial");
    standby.waitFor("SELECT failed_count = 0 FROM pg_stat_archiver", WAIT);
  }

  @AfterAll
  void cleanUp() throws Exception {
    try {
      if (standby != null) {
        standby.close();
      }
    } finally {
      try {
        if (primary != null) {
          primary.close();
        }
      } finally {
        if (baseDir != null && !Boolean.getBoolean("walarchive.pg.keep")) {
          PostgresServer.deleteTree(baseDir);
        }
      }
    }
  }

  @Test
  void parsesTheBackupHistoryFilePostgresArchived() throws Exception {
    Path file = onlyArchived(".backup");
    WalFileName name = WalFileName.parse(file.getFileName().toString());
    BackupHistory history = BackupHistory.parse(name, Files.readString(file, UTF_8));

    Matcher start = labelLine("START WAL LOCATION: (\\S+) \\(file (\\S+)\\)");
    Matcher checkpoint = labelLine("CHECKPOINT LOCATION: (\\S+)");
    assertThat(history.startLsn()).isEqualTo(Lsn.parse(start.group(1)));
    assertThat(history.startSegment()).isEqualTo(WalFileName.parse(start.group(2)));
    assertThat(history.checkpointLsn()).isEqualTo(Lsn.parse(checkpoint.group(1)));
    assertThat(history.stopLsn()).isGreaterThan(history.startLsn());
    assertThat(history.stopLsn()).isLessThanOrEqualTo(replayedBeforeFirstPromotion);
    assertThat(history.stopSegment())
        .isEqualTo(WalFileName.ofLsn(1, history.stopLsn(), SEGMENT_SIZE));
    assertThat(history.label()).isEqualTo("pg_basebackup base backup");
    assertThat(history.startTimeline()).isEqualTo(1);
    assertThat(history.stopTimeline()).isEqualTo(1);
    assertThat(history.backupMethod()).contains("streamed");
    assertThat(history.backupFrom()).contains("primary");

    assertThat(name).isEqualTo(WalFileName.backupHistory(1, history.startLsn(), SEGMENT_SIZE));
    assertThat(name.backupStartLsn(SEGMENT_SIZE)).isEqualTo(history.startLsn());

    assertThat(history.startTimeText()).endsWith(" +04");
    assertThat(history.stopTimeText()).endsWith(" +04");
    Instant now = Instant.now().plusSeconds(1);
    assertThat(history.startTime().orElseThrow()).isBetween(startedAt.minusSeconds(1), now);
    assertThat(history.stopTime().orElseThrow()).isBetween(history.startTime().orElseThrow(), now);
  }

  @Test
  void parsesTimelineHistoryFilesAndWritesThemByteForByte() throws Exception {
    byte[] file2 = Files.readAllBytes(archive.resolve("00000002.history"));
    byte[] file3 = Files.readAllBytes(archive.resolve("00000003.history"));
    TimelineHistory history2 = TimelineHistory.parse(2, new String(file2, UTF_8));
    TimelineHistory history3 = TimelineHistory.parse(3, new String(file3, UTF_8));

    assertThat(history2.toFileContent().getBytes(UTF_8)).isEqualTo(file2);
    assertThat(history3.toFileContent().getBytes(UTF_8)).isEqualTo(file3);

    assertThat(history2.entries()).hasSize(1);
    TimelineHistory.Entry first = history2.entries().get(0);
    assertThat(first.timeline()).isEqualTo(1);
    assertThat(first.switchPoint())
        .isGreaterThanOrEqualTo(replayedBeforeFirstPromotion)
        .isLessThanOrEqualTo(firstLsnOnTimeline2);
    assertThat(history3.entries()).hasSize(2).startsWith(first);
    TimelineHistory.Entry second = history3.entries().get(1);
    assertThat(second.timeline()).isEqualTo(2);
    assertThat(second.switchPoint())
        .isGreaterThanOrEqualTo(lastLsnOnTimeline2)
        .isLessThanOrEqualTo(firstLsnOnTimeline3);

    // What PostgreSQL's writeTimeLineHistory writes, rebuilt from the entries alone.
    assertThat(
            TimelineHistory.ofFirstTimeline()
                .branch(2, first.switchPoint(), first.reason())
                .toFileContent()
                .getBytes(UTF_8))
        .isEqualTo(file2);
    assertThat(
            history2
                .branch(3, second.switchPoint(), second.reason())
                .toFileContent()
                .getBytes(UTF_8))
        .isEqualTo(file3);

    assertThat(history3.ancestry()).containsExactly(3L, 2L, 1L);
    assertThat(history3.timelineOf(first.switchPoint().plus(-1))).isEqualTo(1);
    assertThat(history3.timelineOf(first.switchPoint())).isEqualTo(2);
    assertThat(history3.timelineOf(second.switchPoint())).isEqualTo(3);
    assertThat(history3.endOf(1)).contains(first.switchPoint());
    assertThat(history3.endOf(3)).isEmpty();
  }

  @Test
  void readsTheHeadersOfRealSegments() throws Exception {
    Map<WalFileName, SegmentHeader> headers = archivedSegmentHeaders();
    assertThat(headers).hasSizeGreaterThan(10);
    int olderTimelineHeaders = 0;
    for (Map.Entry<WalFileName, SegmentHeader> e : headers.entrySet()) {
      WalFileName name = e.getKey();
      SegmentHeader header = e.getValue();
      assertThat(Long.toString(header.systemIdentifier()))
          .as(name.name())
          .isEqualTo(systemIdentifier);
      assertThat(header.segmentSize()).as(name.name()).isEqualTo(SEGMENT_SIZE);
      assertThat(header.blockSize()).as(name.name()).isEqualTo(walBlockSize);
      assertThat(header.postgresMajorVersion()).as(name.name()).isEqualTo(serverMajorVersion);
      assertThat(header.postgresVersion()).isEqualTo(Integer.toString(serverMajorVersion));
      assertThat(header.pageAddress())
          .as(name.name())
          .isEqualTo(Lsn.ofSegment(name.segmentNumber(SEGMENT_SIZE), 0, SEGMENT_SIZE));
      header.checkMatches(name);
      if (header.timeline() < name.timeline()) {
        olderTimelineHeaders++;
      } else {
        assertThat(header.timeline()).as(name.name()).isEqualTo(name.timeline());
      }
      WalFileName elsewhere =
          WalFileName.segment(name.timeline(), name.segmentNumber(SEGMENT_SIZE) + 1, SEGMENT_SIZE);
      assertThatThrownBy(() -> header.checkMatches(elsewhere))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(elsewhere.name())
          .hasMessageContaining("holds WAL for " + header.pageAddress());
    }
    // the timeline-3 segment holding the mid-segment switch starts with timeline-2 pages
    assertThat(olderTimelineHeaders).isEqualTo(1);
    assertThat(headers.keySet())
        .anyMatch(name -> name.kind() == WalFileName.Kind.PARTIAL_SEGMENT && name.timeline() == 2);
  }

  @Test
  void everySegmentARecoveryOfTheBackupReadsIsInTheArchive() throws Exception {
    BackupHistory backup =
        BackupHistory.parse(
            WalFileName.parse(onlyArchived(".backup").getFileName().toString()),
            Files.readString(onlyArchived(".backup"), UTF_8));
    TimelineHistory history =
        TimelineHistory.parse(3, Files.readString(archive.resolve("00000003.history"), UTF_8));

    List<WalFileName> needed =
        history.segmentsForRecovery(backup.startLsn(), endOfArchivedWal, SEGMENT_SIZE);

    assertThat(needed).isSorted().doesNotHaveDuplicates();
    assertThat(needed.get(0)).isEqualTo(backup.startSegment());
    assertThat(needed.get(needed.size() - 1))
        .isEqualTo(WalFileName.ofEndLsn(3, endOfArchivedWal, SEGMENT_SIZE));
    List<String> missing = new ArrayList<>();
    for (WalFileName name : needed) {
      if (!Files.exists(archive.resolve(name.name()))
          && !Files.exists(archive.resolve(name.name() + ".partial"))) {
        missing.add(name.name());
      }
    }
    assertThat(missing).as("segments not in the archive, not even as .partial").isEmpty();
    // the first switch was at a segment boundary, the second inside a segment: one number twice
    long switchSegment = history.entries().get(1).switchPoint().segmentNumber(SEGMENT_SIZE);
    assertThat(needed)
        .filteredOn(name -> name.segmentNumber(SEGMENT_SIZE) == switchSegment)
        .extracting(WalFileName::timeline)
        .containsExactly(2L, 3L);
  }

  private Map<WalFileName, SegmentHeader> archivedSegmentHeaders() throws Exception {
    Map<WalFileName, SegmentHeader> headers = new TreeMap<>();
    try (Stream<Path> files = Files.list(archive)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        WalFileName name = WalFileName.parse(file.getFileName().toString());
        if (name.kind() == WalFileName.Kind.SEGMENT
            || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
          assertThat(Files.size(file)).as(name.name()).isEqualTo(SEGMENT_SIZE.bytes());
          byte[] bytes;
          try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(SegmentHeader.LENGTH);
          }
          headers.put(name, SegmentHeader.parse(bytes));
        }
      }
    }
    return headers;
  }

  private Matcher labelLine(String regex) {
    Matcher m = Pattern.compile("(?m)^" + regex + "$").matcher(backupLabel);
    assertThat(m.find()).as("backup_label has %s:%n%s", regex, backupLabel).isTrue();
    return m;
  }

  private Path onlyArchived(String suffix) throws Exception {
    try (Stream<Path> files = Files.list(archive)) {
      List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
      assertThat(found).as("archived %s files", suffix).hasSize(1);
      return found.get(0);
    }
  }

  private void waitForArchived(String name) throws Exception {
    waitUntil(() -> Files.exists(archive.resolve(name)), "archived " + name);
  }

  private void waitForArchivedSuffix(String suffix) throws Exception {
    waitUntil(
        () -> {
          try (Stream<Path> files = Files.list(archive)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(suffix));
          }
        },
        "an archived " + suffix + " file");
  }

  private interface Check {
    boolean done() throws Exception;
  }

  private void waitUntil(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        PostgresServer server = standby != null && standby.isRunning() ? standby : primary;
        throw new AssertionError(
            "timed out waiting for " + what + "; server log:\n" + server.logTail());
      }
      Thread.sleep(100);
    }
  }
}
