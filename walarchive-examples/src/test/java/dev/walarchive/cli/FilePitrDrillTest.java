package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The PITR drill on a {@code file:} archive, plus recovery over a damaged segment. */
class FilePitrDrillTest extends AbstractPitrDrillTest {
  private Path archiveDir;

  @Override
  protected Map<String, String> archiveSettings(Path base) {
    archiveDir = base.resolve("archive");
    return Map.of("url", "file:" + archiveDir);
  }

  /** Starts a restore that must fail: asserts FATAL, the one-line reason, and no promotion. */
  private PostgresServer assertRecoveryStops(PostgresServer server, String reason)
      throws Exception {
    try {
      server.start();
    } catch (Exception expected) {
      // recovery may fail before the server accepts connections
    }
    Drills.waitUntilStopped(server, Duration.ofMinutes(3));
    assertThat(server.logTail())
        .containsPattern("FATAL: .*restore_command|FATAL:  could not restore file")
        .contains(reason);
    // it stopped at the first restore_command, before recovery touched pg_control (which still
    // says what the backup copied), so promotion is checked by its traces instead
    assertThat(server.logTail())
        .doesNotContain("selected new timeline ID")
        .doesNotContain("archive recovery complete")
        .doesNotContain("database system is ready to accept connections");
    assertThat(server.dataDir().resolve("recovery.signal")).exists();
    try (Stream<Path> s = Files.list(server.dataDir().resolve("pg_wal"))) {
      assertThat(
              s.map(p -> p.getFileName().toString())
                  .filter(n -> n.contains("RECOVERY") || n.endsWith(".history"))
                  .toList())
          .as("nothing left at %%p, no new timeline")
          .isEmpty();
    }
    return server;
  }

  @Test
  void aMistypedArchiveUrlStopsRecoveryAndNeverPromotes() throws Exception {
    Path typo = configWithEmptyLocation("e"); // file:/.../archive -> file:/.../archivee
    PostgresServer server = restoreFromBackup("restore-typo", Map.of(), typo);
    assertRecoveryStops(server, "no archive at file:" + archiveDir + "e");
    server.stop(); // the harness still counts the crashed server as running
    assertThat(Path.of(archiveDir + "e")).doesNotExist();
  }

  @Test
  void aRemovedManifestStopsRecoveryAndNeverPromotes() throws Exception {
    Path manifest = archiveDir.resolve("walarchive.manifest");
    Path aside = base.resolve("manifest-aside");
    Files.move(manifest, aside);
    try {
      PostgresServer server = restoreFromBackup("restore-no-manifest", Map.of());
      assertRecoveryStops(server, "holds archived files but no archive manifest");
      server.stop();
    } finally {
      Files.move(aside, manifest);
    }
  }

  @Test
  void aDamagedSegmentStopsRecoveryUntilItIsRepaired() throws Exception {
    // a timeline-1 segment after the backup's start segment: recovery must have begun (and marked
    // pg_control "in archive recovery") before it reaches the damage; under load pgbench writes
    // little WAL, so the segment is not chosen by its position from the end alone
    Matcher label =
        Pattern.compile("START WAL LOCATION: \\S+ \\(file ([0-9A-F]{24})\\)")
            .matcher(Files.readString(backup.resolve("backup_label")));
    assertThat(label.find()).as("backup_label names its start segment").isTrue();
    String startSegment = label.group(1);
    List<Path> segments;
    try (Stream<Path> s = Files.list(archiveDir.resolve("wal"))) {
      segments =
          s.filter(p -> p.getFileName().toString().matches("00000001[0-9A-F]{16}"))
              .filter(p -> p.getFileName().toString().compareTo(startSegment) > 0)
              .sorted()
              .toList();
    }
    assertThat(segments).as("timeline-1 segments after %s", startSegment).isNotEmpty();
    Path victim = segments.get((segments.size() - 1) / 2);
    byte[] original = Files.readAllBytes(victim);
    byte[] damaged = original.clone();
    damaged[damaged.length / 2] ^= 0x40;
    Files.write(victim, damaged);
    try {
      // timeline 1 to its end, whatever the other drill added on timeline 2
      PostgresServer broken =
          restoreFromBackup("restore-damaged", Map.of("recovery_target_timeline", "1"));
      try {
        broken.start();
      } catch (Exception expected) {
        // recovery may fail before the server accepts connections
      }
      Drills.waitUntilStopped(broken, Duration.ofMinutes(3));
      assertThat(broken.logTail())
          .contains(victim.getFileName().toString())
          .containsPattern("FATAL: .*restore_command|FATAL:  could not restore file");
      assertThat(Drills.clusterState(broken)).isNotEqualTo("in production");
      assertThat(broken.dataDir().resolve("recovery.signal")).exists();

      Files.write(victim, original);
      broken.stop(); // the harness still counts the crashed server as running
      broken.start();
      broken.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
      assertThat(broken.queryOne("SELECT count(*) FROM marks WHERE phase = 1"))
          .isEqualTo(Long.toString(phaseOneRows));
      broken.stop();
    } finally {
      Files.write(victim, original);
    }
  }
}
