package dev.walarchive.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.testing.ForwardingStorage;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@link BaseBackupPush}'s wait for the WAL a backup needs, against a real PostgreSQL 15 whose
 * {@code archive_command} never succeeds: while the storage also refuses the WAL that the push
 * tries to store, the backup fails after its WAL timeout and stays incomplete; once the storage
 * takes WAL, it still fails: the push does not store WAL from {@code pg_wal} itself, only the
 * server's archiving may bring it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BaseBackupPushWalWaitTest {
  private final AtomicBoolean refuseWal = new AtomicBoolean(true);
  private Path base;
  private Path archiveDir;
  private PostgresServer server;

  @BeforeAll
  void start() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-backup-wal-wait");
    archiveDir = base.resolve("archive");
    server = PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("pg")), 16);
    server.setConfig("archive_mode", "on");
    server.setConfig("archive_command", "false");
    server.start();
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    PostgresServer.deleteTree(base);
  }

  @Test
  @Timeout(300)
  void walThatPostgresNeverArchivesFailsTheBackupAfterItsTimeoutEvenWhenTheStorageTakesWal()
      throws Exception {
    long cluster =
        Long.parseUnsignedLong(
            server.queryOne("SELECT system_identifier::text FROM pg_control_system()"));
    try (WalArchive archive = archive()) {
      archive.createArchive(cluster, WalSegmentSize.ofMegabytes(16));
      try (Connection c = server.connect()) {
        BaseBackupPush push =
            BaseBackupPush.builder().fastCheckpoint(true).walTimeout(Duration.ofSeconds(3)).build();
        assertThatThrownBy(() -> push.run(c, archive))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("did not archive")
            .hasMessageContaining("within PT3S")
            .hasMessageContaining("the backup stays incomplete");
      }
      List<BaseBackupInfo> backups = archive.baseBackups().list();
      assertThat(backups).hasSize(1);
      assertThat(backups.get(0).complete()).isFalse();
    }

    // the storage takes WAL again, but the archiver still fails: still no complete backup (the
    // push stored the WAL from pg_wal itself before, and completed it)
    refuseWal.set(false);
    try (WalArchive archive = archive();
        Connection c = server.connect()) {
      BaseBackupPush push =
          BaseBackupPush.builder().fastCheckpoint(true).walTimeout(Duration.ofSeconds(3)).build();
      assertThatThrownBy(() -> push.run(c, archive))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("did not archive")
          .hasMessageContaining("the backup stays incomplete");
      assertThat(archive.baseBackups().list()).noneMatch(BaseBackupInfo::complete);
    }
    assertThat(server.queryOne("SELECT archived_count FROM pg_stat_archiver"))
        .as("PostgreSQL's archiver never succeeded")
        .isEqualTo("0");
  }

  private WalArchive archive() throws IOException {
    return WalArchive.builder(new RefusingWal(ArchiveStorages.filesystem(archiveDir))).build();
  }

  /** The {@code file:} archive, refusing to store WAL while {@link #refuseWal} is set. */
  private final class RefusingWal extends ForwardingStorage {
    private final String walPrefix;

    RefusingWal(ArchiveStorage delegate) {
      super(delegate);
      String key = WalArchive.keyOf(WalFileName.parse("000000010000000000000001"));
      this.walPrefix = key.substring(0, key.length() - "000000010000000000000001".length());
    }

    @Override
    public void create(String key, ObjectSource content, Map<String, String> metadata)
        throws IOException {
      if (refuseWal.get() && key.startsWith(walPrefix)) {
        throw new IOException("injected: the storage refuses " + key);
      }
      delegate.create(key, content, metadata);
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }
}
