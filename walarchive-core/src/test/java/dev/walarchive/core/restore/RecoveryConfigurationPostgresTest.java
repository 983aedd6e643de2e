package dev.walarchive.core.restore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.wal.Lsn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RecoveryConfiguration#writeTo} against a real PostgreSQL 15: the recovery settings an
 * earlier recovery left in {@code postgresql.auto.conf}, and a target set in {@code
 * postgresql.conf}, no longer apply to the new recovery.
 */
class RecoveryConfigurationPostgresTest {
  /**
   * The backup of a server that was itself restored to a time with promote holds that recovery's
   * settings in its postgresql.auto.conf; a recovery of it "to the end" must replay every archived
   * commit. Before the fix the old target time still applied: recovery stopped before the last
   * commit, promoted, and the row was silently missing.
   */
  @Test
  void aRecoveryToTheEndIgnoresTheTargetOfAnEarlierRecovery() throws Exception {
    Path base = PostgresServer.createBaseDir("walarchive-recovery-conf");
    try (PostgresServer primary =
        PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 16)) {
      Path archive = PostgresServer.createDirectory(base.resolve("archive"));
      primary
          .setConfig("archive_mode", "on")
          .setConfig("archive_command", "cp %p " + archive + "/%f")
          .start();
      primary.execute("CREATE TABLE t(i int)");
      Path backup = base.resolve("backup");
      primary.pgBasebackup(backup);
      // what the earlier recovery left: a target after the backup's end, before the commit
      primary.execute("INSERT INTO t VALUES (1)");
      String oldTarget = primary.queryOne("SELECT now()");
      Thread.sleep(50);
      primary.execute("INSERT INTO t VALUES (2)");
      String last = primary.queryOne("SELECT pg_walfile_name(pg_current_wal_lsn())");
      primary.queryOne("SELECT pg_switch_wal()");
      primary.waitFor(
          "SELECT last_archived_wal >= '" + last + "' FROM pg_stat_archiver",
          Duration.ofMinutes(1));
      Files.writeString(
          backup.resolve(RecoveryConfiguration.AUTO_CONF),
          "restore_command = 'cp "
              + archive
              + "/%f %p'\n"
              + "recovery_target_time = '"
              + oldTarget
              + "'\n"
              + "recovery_target_action = 'promote'\n",
          UTF_8,
          StandardOpenOption.APPEND);

      RecoveryConfiguration.builder("cp " + archive + "/%f %p")
          .setting("archive_mode", "off")
          .build()
          .writeTo(backup);
      PostgresServer.chownToPostgres(backup.resolve(RecoveryConfiguration.AUTO_CONF));
      PostgresServer.chownToPostgres(backup.resolve(RecoveryConfiguration.RECOVERY_SIGNAL));

      primary.stop();
      try (PostgresServer restored = PostgresServer.existing(backup)) {
        restored.start();
        restored.waitUntilRecoveryEnds(Duration.ofMinutes(2));
        assertThat(restored.queryOne("SELECT count(*) FROM t")).isEqualTo("2");
        assertThat(restored.queryOne("SHOW recovery_target_time")).isEmpty();
      }
    } finally {
      PostgresServer.deleteTree(base);
    }
  }

  /**
   * A position target next to a time target in postgresql.conf and a restore point in the old
   * auto.conf: PostgreSQL reads only the position (before the fix it refused to start, "multiple
   * recovery targets specified").
   */
  @Test
  void aTargetIsTheOnlyOneEvenIfPostgresqlConfSetsAnother() throws Exception {
    try (PostgresServer pg = PostgresServer.initdb(16)) {
      Files.writeString(
          pg.dataDir().resolve("postgresql.conf"),
          "recovery_target_time = '2026-12-01 14:41:28+00'\nrecovery_target_inclusive = off\n",
          UTF_8,
          StandardOpenOption.APPEND);
      pg.setConfig("recovery_target_name", "old point");
      pg.setConfig("recovery_target_action", "shutdown");

      RecoveryConfiguration.builder("/bin/false %f %p")
          .target(RecoveryTarget.lsn(Lsn.parse("0/3000000")))
          .action(RecoveryConfiguration.Action.PROMOTE)
          .build()
          .writeTo(pg.dataDir());
      PostgresServer.chownToPostgres(pg.dataDir().resolve(RecoveryConfiguration.AUTO_CONF));

      assertThat(show(pg, "recovery_target_lsn")).isEqualTo("0/3000000");
      assertThat(show(pg, "recovery_target_time")).isEmpty();
      assertThat(show(pg, "recovery_target_name")).isEmpty();
      assertThat(show(pg, "recovery_target_action")).isEqualTo("promote");
      assertThat(show(pg, "restore_command")).isEqualTo("/bin/false %f %p");
    }
  }

  /** The value PostgreSQL reads from the data directory's configuration ({@code postgres -C}). */
  private static String show(PostgresServer pg, String name) throws Exception {
    return pg.runAsPostgres(
            List.of(
                PostgresServer.binDir().resolve("postgres").toString(),
                "-D",
                pg.dataDir().toString(),
                "-C",
                name))
        .strip();
  }
}
