package dev.walarchive.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The library checks against a real PostgreSQL 15. The server's archive_command copies each file
 * into an incoming directory, and a relay thread pushes it into the archive through {@link
 * WalArchive#push}: the archive is a real walarchive archive, without needing the CLI here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArchivingCheckPostgresTest {
  private Path base;
  private Path incoming;
  private Path archiveDir;
  private PostgresServer server;
  private WalArchive archive;
  private Thread relay;
  private final AtomicBoolean stop = new AtomicBoolean();

  @BeforeAll
  void start() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-check-lib");
    incoming = PostgresServer.createDirectory(base.resolve("incoming"));
    archiveDir = base.resolve("archive");
    archive = WalArchive.builder(ArchiveStorages.filesystem(archiveDir)).build();
    server = PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("pg")), 16);
    server.setConfig("archive_mode", "on");
    server.setConfig("archive_command", "cp %p " + incoming + "/%f");
    server.start();
    relay =
        new Thread(
            () -> {
              while (!stop.get()) {
                try (var files = Files.list(incoming)) {
                  for (Path f : files.sorted().toList()) {
                    archive.push(f);
                    Files.delete(f);
                  }
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return;
                } catch (Exception e) {
                  // retried on the next round
                }
              }
            },
            "relay");
    relay.setDaemon(true);
    relay.start();
  }

  @AfterAll
  void stop() throws Exception {
    stop.set(true);
    if (relay != null) {
      relay.join(5000);
    }
    if (server != null) {
      server.close();
    }
    if (archive != null) {
      archive.close();
    }
    PostgresServer.deleteTree(base);
  }

  private CheckReport check(ArchivingCheck.Builder b, WalArchive a) throws Exception {
    try (Connection c = server.connect()) {
      return b.build().run(c, a);
    }
  }

  private static CheckResult result(CheckReport r, String name) {
    return r.results().stream()
        .filter(x -> x.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + r.results()));
  }

  @Test
  void aWorkingPrimaryPassesAndTheForcedSegmentIsRestored() throws Exception {
    CheckReport report =
        check(
            ArchivingCheck.builder().timeout(Duration.ofSeconds(60)).maxAge(Duration.ofHours(1)),
            archive);
    assertThat(report.passed()).as("%s", report.results()).isTrue();
    CheckResult e2e = result(report, "end_to_end");
    assertThat(e2e.state()).isEqualTo(CheckResult.State.OK);
    String segment = e2e.message().split(" ")[2];
    assertThat(archive.inventory().contains(dev.walarchive.core.wal.WalFileName.parse(segment)))
        .isTrue();
    assertThat(result(report, "archive_identity").state()).isEqualTo(CheckResult.State.OK);
    assertThat(result(report, "wal_level").message()).contains("postgresql.conf:");
    assertThat(report.figures().readyCount()).isPresent();
    assertThat(report.figures().lagSegments()).hasValue(0);
    assertThat(report.figures().newestArchivedSegment()).hasValue(segment);
    // archive_command is cp: walarchive cannot confirm where it archives
    assertThat(result(report, "archive_command").state()).isEqualTo(CheckResult.State.WARNING);
  }

  @Test
  void anArchiveOfAnotherClusterFailsWithoutForcingASwitch() throws Exception {
    Path other = base.resolve("other-archive");
    Path wal = Files.createDirectories(base.resolve("other-wal"));
    try (WalArchive otherArchive = WalArchive.builder(ArchiveStorages.filesystem(other)).build()) {
      otherArchive.push(
          SyntheticWal.writeSegment(wal, 42L, 1, 1, WalSegmentSize.ofMegabytes(16), 0));
      Lsn before = Lsn.parse(server.queryOne("SELECT pg_current_wal_lsn()"));
      CheckReport report = check(ArchivingCheck.builder(), otherArchive);
      assertThat(report.passed()).isFalse();
      CheckResult identity = result(report, "archive_identity");
      assertThat(identity.state()).isEqualTo(CheckResult.State.FAILED);
      assertThat(identity.message()).contains("belongs to cluster 42");
      assertThat(identity.fix()).contains("archive URL of its own");
      assertThat(report.results()).noneMatch(r -> r.name().equals("end_to_end"));
      // a restore point and a switch would have moved to the next segment boundary
      WalSegmentSize size = WalSegmentSize.ofMegabytes(16);
      long room = size.bytes() - before.segmentOffset(size);
      Lsn after = Lsn.parse(server.queryOne("SELECT pg_current_wal_lsn()"));
      assertThat(after.minus(before)).isLessThan(room);
    }
  }

  @Test
  void anExpectedConfigFileTheServerDoesNotReadFails() throws Exception {
    Path notIncluded = server.writeDataFile("conf.d-walarchive.conf", "archive_mode = on\n");
    CheckReport report =
        check(
            ArchivingCheck.builder().forceSwitch(false).expectedConfigFile(notIncluded.toString()),
            archive);
    CheckResult source = result(report, "config_source");
    assertThat(source.state()).isEqualTo(CheckResult.State.FAILED);
    assertThat(source.message())
        .contains("does not read " + notIncluded)
        .contains("archive_mode = 'on' (from " + server.dataDir().resolve("postgresql.auto.conf"));
    assertThat(source.fix()).contains("include '" + notIncluded + "'");
  }

  @Test
  void aSettingOverriddenByALaterFileNamesBothFiles() throws Exception {
    // the user's include file sets archive_timeout, postgresql.auto.conf (ALTER SYSTEM) overrides
    // it
    Path include = server.writeDataFile("archive-settings.conf", "archive_timeout = 60\n");
    Path conf = server.dataDir().resolve("postgresql.conf");
    String original = Files.readString(conf);
    try {
      Files.writeString(conf, original + "include 'archive-settings.conf'\n");
      server.execute("ALTER SYSTEM SET archive_timeout = 0");
      server.execute("SELECT pg_reload_conf()");
      CheckReport report =
          check(
              ArchivingCheck.builder()
                  .forceSwitch(false)
                  .rpo(Duration.ofMinutes(5))
                  .expectedConfigFile("archive-settings.conf"),
              archive);
      CheckResult source = result(report, "config_source");
      assertThat(source.state()).isEqualTo(CheckResult.State.FAILED);
      assertThat(source.message())
          .contains("archive_timeout = '60' at " + include + ":1 is overridden by")
          .contains(server.dataDir().resolve("postgresql.auto.conf").toString());
      assertThat(source.fix()).contains("ALTER SYSTEM RESET archive_timeout");
      CheckResult timeout = result(report, "archive_timeout");
      assertThat(timeout.state()).isEqualTo(CheckResult.State.FAILED);
      assertThat(timeout.fix()).contains("archive_timeout");
    } finally {
      Files.writeString(conf, original);
      server.execute("ALTER SYSTEM RESET archive_timeout");
      server.execute("SELECT pg_reload_conf()");
    }
  }

  @Test
  void withoutThePrivilegeToSwitchTheEndToEndCheckSaysWhatToGrant() throws Exception {
    server.execute("DROP ROLE IF EXISTS plain; CREATE ROLE plain LOGIN");
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", "plain");
    try (Connection c =
        java.sql.DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres", p)) {
      CheckReport report = ArchivingCheck.builder().build().run(c, archive);
      CheckResult e2e = result(report, "end_to_end");
      assertThat(e2e.state()).isEqualTo(CheckResult.State.FAILED);
      assertThat(e2e.fix()).contains("GRANT EXECUTE ON FUNCTION pg_switch_wal()");
      assertThat(result(report, "ready").fix()).contains("pg_monitor");
      assertThat(List.of(report.passed())).containsExactly(false);
    }
  }
}
