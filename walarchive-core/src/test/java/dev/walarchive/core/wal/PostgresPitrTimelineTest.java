package dev.walarchive.core.wal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ContinuityCheck;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPlanner;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * PostgreSQL's own scenario {@code 028_pitr_timelines} on a real PostgreSQL 15 server (1 MiB
 * segments, archive by {@code cp}): a restore point on timeline 1; a streaming standby promoted to
 * timeline 2 after it, while the primary's segment holding the restore point is never archived
 * (immediate stop); a point-in-time recovery of the base backup to the restore point, which stops
 * on timeline 1 before timeline 2 began and promotes to timeline 3 with a history whose switch
 * point goes down; and a second recovery of the same backup that follows timeline 3. Every segment
 * request of the recoveries is logged by their {@code restore_command}, and is the oracle for what
 * {@link TimelineHistory} says a recovery reads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresPitrTimelineTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final Duration WAIT = Duration.ofMinutes(2);

  private Path baseDir;
  private Path archive;
  private final List<PostgresServer> servers = new ArrayList<>();
  private Lsn restorePoint;
  private String firstWalFileOnTimeline3;
  private Lsn currentLsnOnTimeline3;
  private List<String> pitrRequests;
  private List<String> followRequests;
  private Set<String> archivedWhenFollowing;
  private String tableAfterFollowing;

  @BeforeAll
  void run028() throws Exception {
    baseDir = PostgresServer.createBaseDir("walarchive-pitr-timelines");
    archive = PostgresServer.createDirectory(baseDir.resolve("archive"));
    String archiveCommand =
        "test ! -f " + archive + "/%f && cp %p " + archive + "/%f || cmp -s %p " + archive + "/%f";

    PostgresServer primary =
        track(
            PostgresServer.initdb(PostgresServer.createDirectory(baseDir.resolve("primary")), 1)
                .setConfig("archive_mode", "on")
                .setConfig("archive_command", archiveCommand)
                .start());
    Path backup = baseDir.resolve("backup");
    primary.pgBasebackup(backup);

    primary.execute("CREATE TABLE foo(i int)");
    primary.execute("INSERT INTO foo VALUES (1)");
    restorePoint = Lsn.parse(primary.queryOne("SELECT pg_create_restore_point('rp')"));
    primary.execute("INSERT INTO foo VALUES (2)");
    Lsn primaryEnd = Lsn.parse(primary.queryOne("SELECT pg_current_wal_lsn()"));

    PostgresServer standby = track(PostgresServer.existing(copy(primary, backup, "standby")));
    standby
        .setConfig("primary_conninfo", "host=127.0.0.1 port=" + primary.port() + " user=postgres")
        .setConfig("archive_mode", "on")
        .setConfig("archive_command", archiveCommand);
    standby.writeDataFile("standby.signal", "");
    standby.start();
    standby.waitFor("SELECT pg_last_wal_replay_lsn() >= '" + primaryEnd + "'::pg_lsn", WAIT);
    // the segment with the restore point is never archived on timeline 1
    primary.kill();
    standby.promote();
    String onTimeline2 = standby.queryOne("SELECT pg_walfile_name(pg_current_wal_lsn())");
    standby.queryOne("SELECT pg_switch_wal()");
    standby.stop(); // archives all of timeline 2 first
    assertThat(archive.resolve("00000002.history")).exists();
    assertThat(archive.resolve(onTimeline2)).exists();

    Path pitrRequestLog = requestLog("pitr-requests");
    PostgresServer pitr = track(PostgresServer.existing(copy(primary, backup, "pitr")));
    pitr.setConfig("restore_command", restoreCommand(pitrRequestLog))
        .setConfig("recovery_target_name", "rp")
        .setConfig("recovery_target_action", "promote")
        .setConfig("archive_mode", "on")
        .setConfig("archive_command", archiveCommand);
    pitr.writeDataFile("recovery.signal", "");
    pitr.start();
    pitr.waitUntilRecoveryEnds(WAIT);
    assertThat(pitr.queryOne("SELECT max(i) FROM foo")).isEqualTo("1");
    pitr.execute("INSERT INTO foo VALUES (3)");
    currentLsnOnTimeline3 = Lsn.parse(pitr.queryOne("SELECT pg_current_wal_lsn()"));
    firstWalFileOnTimeline3 = pitr.queryOne("SELECT pg_walfile_name(pg_current_wal_lsn())");
    pitr.waitFor("SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'archiver'", WAIT);
    pitr.stop(); // archives the last segment
    pitrRequests = Files.readAllLines(pitrRequestLog, UTF_8);
    assertThat(archive.resolve("00000003.history")).exists();

    Path followRequestLog = requestLog("follow-requests");
    archivedWhenFollowing = archivedNames();
    PostgresServer follow = track(PostgresServer.existing(copy(primary, backup, "follow")));
    follow
        .setConfig("restore_command", restoreCommand(followRequestLog))
        .setConfig("recovery_target_action", "promote")
        .setConfig("archive_mode", "off");
    follow.writeDataFile("recovery.signal", "");
    follow.start();
    follow.waitUntilRecoveryEnds(WAIT);
    tableAfterFollowing = follow.queryOne("SELECT string_agg(i::text, ',' ORDER BY i) FROM foo");
    follow.stop();
    followRequests = Files.readAllLines(followRequestLog, UTF_8);
  }

  @AfterAll
  void cleanUp() throws Exception {
    try {
      for (PostgresServer server : servers) {
        server.close();
      }
    } finally {
      if (baseDir != null && !Boolean.getBoolean("walarchive.pg.keep")) {
        PostgresServer.deleteTree(baseDir);
      }
    }
  }

  private PostgresServer track(PostgresServer server) {
    servers.add(server);
    return server;
  }

  private Path copy(PostgresServer any, Path backup, String name) throws Exception {
    Path target = baseDir.resolve(name);
    any.runAsPostgres(List.of("cp", "-a", backup.toString(), target.toString()));
    return target;
  }

  private Path requestLog(String name) throws Exception {
    Path log = baseDir.resolve(name);
    Files.writeString(log, "", UTF_8);
    PostgresServer.chownToPostgres(log);
    return log;
  }

  /** Logs every requested name, then copies it from the archive (failing if it is not there). */
  private String restoreCommand(Path log) {
    return "echo %f >> " + log + " && cp " + archive + "/%f %p";
  }

  private Set<String> archivedNames() throws Exception {
    try (Stream<Path> files = Files.list(archive)) {
      Set<String> names = new HashSet<>();
      files.forEach(f -> names.add(f.getFileName().toString()));
      return names;
    }
  }

  private TimelineHistory history(long timeline) throws Exception {
    return TimelineHistory.parse(
        timeline,
        Files.readString(archive.resolve(WalFileName.timelineHistory(timeline).name()), UTF_8));
  }

  private BackupHistory backupHistory() throws Exception {
    try (Stream<Path> files = Files.list(archive)) {
      Path file =
          files
              .filter(f -> f.getFileName().toString().endsWith(".backup"))
              .findFirst()
              .orElseThrow();
      return BackupHistory.parse(
          WalFileName.parse(file.getFileName().toString()), Files.readString(file, UTF_8));
    }
  }

  // ---- the history file ----

  @Test
  void timeline3sHistoryHasASwitchPointBelowTimeline2sAndParsesExactly() throws Exception {
    TimelineHistory two = history(2);
    TimelineHistory three = history(3);
    String content = Files.readString(archive.resolve("00000003.history"), UTF_8);

    assertThat(three.toFileContent()).isEqualTo(content);
    assertThat(three.entries()).hasSize(2);
    TimelineHistory.Entry first = three.entries().get(0);
    TimelineHistory.Entry second = three.entries().get(1);
    assertThat(first).isEqualTo(two.entries().get(0));
    assertThat(second.timeline()).isEqualTo(2);
    assertThat(second.reason()).isEqualTo("at restore point \"rp\"");
    // the recovery stopped right after the restore point record (whose end
    // pg_create_restore_point returned), before timeline 2 began: the switch point goes down
    assertThat(second.switchPoint()).isEqualTo(restorePoint);
    assertThat(second.switchPoint()).isLessThan(first.switchPoint());
    // PostgreSQL writes it as timeline 2's file plus one line, as branch() does
    assertThat(two.branch(3, second.switchPoint(), second.reason())).isEqualTo(three);
    assertThat(content)
        .isEqualTo(
            two.toFileContent() + "\n2\t" + second.switchPoint() + "\tat restore point \"rp\"\n");

    // and walarchive archives it
    try (WalArchive wal = WalArchive.inMemory()) {
      assertThat(wal.push(archive.resolve("00000003.history")).outcome())
          .isEqualTo(PushResult.Outcome.ARCHIVED);
    }
  }

  @Test
  void timelineOfAgreesWithTheServer() throws Exception {
    TimelineHistory three = history(3);
    Lsn switchTo3 = three.endOf(2).orElseThrow();
    Lsn switchTo2 = three.endOf(1).orElseThrow();
    // what the PITR replayed (up to the restore point) is timeline 1's, what it wrote is 3's
    assertThat(three.timelineOf(restorePoint.plus(-1))).isEqualTo(1);
    assertThat(three.timelineOf(switchTo3.plus(-1))).isEqualTo(1);
    assertThat(three.timelineOf(switchTo3)).isEqualTo(3);
    assertThat(three.timelineOf(switchTo2)).isEqualTo(3);
    assertThat(three.timelineOf(currentLsnOnTimeline3)).isEqualTo(3);
    assertThat(
            WalFileName.ofEndLsn(
                    three.timelineOf(currentLsnOnTimeline3), currentLsnOnTimeline3, SIZE)
                .name())
        .isEqualTo(firstWalFileOnTimeline3);
    // on timeline 2's own path, its switch point is on timeline 2
    assertThat(history(2).timelineOf(switchTo2)).isEqualTo(2);
    // the second recovery followed timeline 3: the row written there, not timeline 2's
    assertThat(tableAfterFollowing).isEqualTo("1,3");
  }

  // ---- what the recoveries requested ----

  @Test
  void theRecoveryFollowingTimeline3RequestsSegmentsInTheOrderTimelinesToTrySays()
      throws Exception {
    checkRequests(history(3), followRequests, archivedWhenFollowing);
    // it never needed timeline 2's copy of anything
    assertThat(segmentRequests(followRequests))
        .noneMatch(name -> name.startsWith("00000002"))
        .anyMatch(name -> name.startsWith("00000003"));
  }

  @Test
  void thePitrToTheRestorePointReadTheSegmentWithItFromTimeline2() throws Exception {
    TimelineHistory two = history(2);
    long rpSegment = restorePoint.segmentNumber(SIZE);
    // as in 028: timeline 1 never archived that segment, timeline 2's copy holds it
    assertThat(archive.resolve(WalFileName.segment(1, rpSegment, SIZE).name())).doesNotExist();
    assertThat(segmentRequests(pitrRequests))
        .contains(WalFileName.segment(2, rpSegment, SIZE).name());
    assertThat(two.timelinesToTry(rpSegment, SIZE)).containsExactly(2L, 1L);
  }

  /**
   * Replays the requests: for each segment, the server asks for the timelines of {@link
   * TimelineHistory#timelinesToTry} in order (never going below the timeline it read last), until
   * the archive holds one; after the last segment it reads, it asks in vain and ends.
   */
  private void checkRequests(TimelineHistory history, List<String> requests, Set<String> archived) {
    List<String> segments = segmentRequests(requests);
    assertThat(segments).isNotEmpty();
    BackupHistory backup = backupOrThrow();
    long segno = WalFileName.parse(segments.get(0)).segmentNumber(SIZE);
    assertThat(segno).isEqualTo(backup.startLsn().segmentNumber(SIZE));
    List<String> expected = new ArrayList<>();
    List<WalFileName> read = new ArrayList<>();
    long curFileTli = 0;
    while (expected.size() < segments.size()) {
      WalFileName found = null;
      for (long tli : history.timelinesToTry(segno, SIZE)) {
        if (tli < curFileTli) {
          break;
        }
        WalFileName name = WalFileName.segment(tli, segno, SIZE);
        expected.add(name.name());
        if (archived.contains(name.name())) {
          found = name;
          break;
        }
      }
      if (found == null) {
        break;
      }
      read.add(found);
      curFileTli = found.timeline();
      segno++;
    }
    // the server may ask again for the segment it ended at; compare the first pass
    assertThat(segments.subList(0, Math.min(expected.size(), segments.size())))
        .as("segment requests of the server, all: %s", requests)
        .isEqualTo(expected);

    // segmentsForRecovery lists, for each of those segments, the copy the server read
    Lsn end = Lsn.ofSegment(read.get(read.size() - 1).segmentNumber(SIZE) + 1, 0, SIZE);
    List<WalFileName> listed = history.segmentsForRecovery(backup.startLsn(), end, SIZE);
    Map<Long, WalFileName> newestListed = new TreeMap<>();
    for (WalFileName name : listed) {
      newestListed.put(name.segmentNumber(SIZE), name);
    }
    Map<Long, WalFileName> readBySegment = new TreeMap<>();
    for (WalFileName name : read) {
      readBySegment.put(name.segmentNumber(SIZE), name);
    }
    assertThat(readBySegment).isEqualTo(newestListed);
  }

  private BackupHistory backupOrThrow() {
    try {
      return backupHistory();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> segmentRequests(List<String> requests) {
    return requests.stream().filter(r -> r.matches("[0-9A-F]{24}")).toList();
  }

  // ---- the consumers: verification and retention ----

  private ArchiveInventory inventory() throws Exception {
    List<ArchiveInventory.Entry> entries = new ArrayList<>();
    for (String name : archivedNames()) {
      Path file = archive.resolve(name);
      entries.add(
          new ArchiveInventory.Entry(
              WalFileName.parse(name),
              Files.size(file),
              Files.getLastModifiedTime(file).toInstant()));
    }
    return new ArchiveInventory(entries, List.of(), SIZE);
  }

  private Map<Long, TimelineHistory> histories() throws Exception {
    return Map.of(2L, history(2), 3L, history(3));
  }

  @Test
  void verifyFindsTheBackupRecoverableToTimeline3() throws Exception {
    List<ContinuityCheck.Result> results =
        ContinuityCheck.check(inventory(), List.of(backupHistory()), histories());
    assertThat(results)
        .filteredOn(r -> r.timeline() == 3)
        .singleElement()
        .satisfies(r -> assertThat(r.isComplete()).as(r.toString()).isTrue());
  }

  @Test
  void retentionKeepsEverySegmentTheServerRead() throws Exception {
    RetentionPlan plan =
        RetentionPlanner.plan(
            inventory(),
            List.of(backupHistory()),
            histories(),
            RetentionPolicy.parse("keep=1"),
            Instant.now());
    Set<String> deleted = new HashSet<>();
    plan.deletions().forEach(d -> deleted.add(d.name().name()));
    List<String> readByServer = new ArrayList<>();
    for (String name : segmentRequests(followRequests)) {
      if (archivedWhenFollowing.contains(name)) {
        readByServer.add(name);
      }
    }
    assertThat(readByServer).isNotEmpty().noneMatch(deleted::contains);
    assertThat(deleted).noneMatch(n -> n.endsWith(".history"));
  }
}
