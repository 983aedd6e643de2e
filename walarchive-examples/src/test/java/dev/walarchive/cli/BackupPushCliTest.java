package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupNotFoundException;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.backup.BaseBackups;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code walarchive backup-push} and {@code backup-list} against a real PostgreSQL 15 with a
 * tablespace, archiving through the packaged CLI into an encrypted file archive; the backup is read
 * back with the library's {@link BaseBackups}. One server serves every case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupPushCliTest {
  private Path base;
  private Path archiveDir;
  private Path config;
  private Path tablespace;
  private String key;
  private PostgresServer primary;
  private String completeName;

  @BeforeAll
  void start() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-backup-cli");
    archiveDir = base.resolve("archive");
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    key = Base64.getEncoder().encodeToString(k);
    Path keyFile = base.resolve("archive.key");
    Files.writeString(keyFile, key + "\n", UTF_8);
    config = base.resolve("walarchive.properties");
    Files.writeString(
        config, "url=file:" + archiveDir + "\nkey-file=" + keyFile + "\nkey-id=k1\n", UTF_8);
    for (Path p : List.of(keyFile, config)) {
      Drills.chownToPostgres(p);
      Drills.restrictToOwner(p);
    }
    primary = PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 16);
    primary.setConfig("archive_mode", "on");
    primary.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
    primary.setConfig("autovacuum", "off");
    primary.start();
    tablespace = PostgresServer.createDirectory(base.resolve("ts1"));
    primary.execute("CREATE TABLESPACE ts1 LOCATION '" + tablespace + "'");
    primary.execute(
        "CREATE TABLE still (id int, pad text) TABLESPACE ts1;"
            + " INSERT INTO still SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;"
            + " CREATE TABLE busy (id serial, at timestamptz DEFAULT clock_timestamp());"
            + " CREATE UNLOGGED TABLE scratch (id int); INSERT INTO scratch VALUES (1);");
    primary.execute("VACUUM FREEZE still; CHECKPOINT");
    Drills.switchAndWaitForArchive(primary);
  }

  @AfterAll
  void stop() throws Exception {
    if (primary != null) {
      try {
        primary.close();
      } catch (Exception e) {
        // keep going
      }
    }
    if (base != null) {
      Drills.exec(List.of("chmod", "-R", "u+rwX", base.toString()));
      PostgresServer.deleteTree(base);
    }
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(primary.port()));
    env.put("PGUSER", "postgres");
    env.put("PGDATABASE", "postgres");
    env.put("WALARCHIVE_CONFIG", config.toString());
    return env;
  }

  private WalArchive archive() throws IOException {
    return WalArchive.builder(ArchiveStorages.open("file:" + archiveDir, Map.of()))
        .keyring(
            Keyring.builder().addKey("k1", Keyring.decodeBase64Key(key)).activeKeyId("k1").build())
        .build();
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  @Order(1)
  void backupPushWhileWritingGivesACompleteBackupWhoseFilesReadBackVerified() throws Exception {
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong rows = new AtomicLong();
    Thread writer =
        new Thread(
            () -> {
              try (Connection c = primary.connect();
                  Statement s = c.createStatement()) {
                while (writing.get()) {
                  s.execute(
                      "INSERT INTO busy (id) SELECT nextval('busy_id_seq') FROM generate_series(1, 200)");
                  rows.addAndGet(200);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    writer.start();
    Cli.Result r;
    try {
      r = Cli.run(env(), "backup-push", "--parallel", "3");
    } finally {
      writing.set(false);
      writer.join();
    }
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(rows.get()).isPositive();
    assertThat(r.stdout()).containsPattern("base_\\d{8}T\\d{6}Z_[0-9A-F]{16} complete: ");
    assertThat(r.stderr()).isEmpty(); // no progress output when stderr is not a terminal
    completeName = r.stdout().substring(0, r.stdout().indexOf(' '));

    try (WalArchive archive = archive()) {
      BaseBackups backups = archive.baseBackups();
      List<BaseBackupInfo> list = backups.list();
      assertThat(list).hasSize(1);
      BaseBackupInfo info = list.get(0);
      assertThat(info.name().toString()).isEqualTo(completeName);
      assertThat(info.complete()).isTrue();
      BackupManifest m = backups.manifest(info.name());
      long oid =
          Long.parseLong(primary.queryOne("SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'"));
      assertThat(m.tablespaces()).containsEntry(oid, tablespace.toString());
      assertThat(m.tablespaceMap()).contains(oid + " " + tablespace);
      assertThat(m.backupLabel()).contains("START WAL LOCATION: " + m.startLsn());
      assertThat(m.stopLsn()).isGreaterThan(m.startLsn());
      assertThat(archiveDir.resolve("wal").resolve(m.stopSegment().name())).isRegularFile();
      assertThat(info.completed().get().backupHistoryFile()).isEqualTo(m.backupHistoryFile());

      Map<String, BackupFile> files =
          m.files().stream()
              .collect(Collectors.toMap(BackupFile::path, f -> f, (a, b) -> a, LinkedHashMap::new));
      List<String> dirs = m.directories().stream().map(d -> d.path()).toList();
      // PostgreSQL's exclusion rules
      assertThat(files).doesNotContainKeys("postmaster.pid", "postmaster.opts");
      assertThat(files.keySet()).noneMatch(p -> p.startsWith("pg_wal/"));
      assertThat(files.keySet()).noneMatch(p -> p.contains("pg_internal.init"));
      assertThat(dirs)
          .contains("pg_wal", "pg_wal/archive_status", "pg_replslot", "pg_stat_tmp", "pg_tblspc");
      String scratch = primary.queryOne("SELECT pg_relation_filepath('scratch')");
      assertThat(files).containsKey(scratch + "_init").doesNotContainKey(scratch);
      String still = primary.queryOne("SELECT pg_relation_filepath('still')");
      assertThat(still).startsWith("pg_tblspc/" + oid + "/PG_15_");
      assertThat(files).containsKeys(still, "global/pg_control", "PG_VERSION", "postgresql.conf");

      // files that did not change during the backup read back byte for byte
      for (String p : List.of(still, "PG_VERSION", "postgresql.conf", "pg_hba.conf")) {
        BackupFile f = files.get(p);
        byte[] read;
        try (InputStream in = backups.openFile(info.name(), f)) {
          read = in.readAllBytes();
        }
        assertThat(read).as(p).isEqualTo(Files.readAllBytes(primary.dataDir().resolve(p)));
      }
      // every object decodes and every file matches its checksum
      // (a file larger than an extent is in several objects: each of its pieces is checked)
      Map<String, List<BackupFile>> byObject =
          m.files().stream()
              .flatMap(f -> f.pieces().stream())
              .collect(Collectors.groupingBy(BackupFile::object));
      AtomicLong seen = new AtomicLong();
      for (Map.Entry<String, List<BackupFile>> e : byObject.entrySet()) {
        backups.readObject(
            info.name(),
            e.getKey(),
            e.getValue(),
            (f, in) -> {
              in.transferTo(java.io.OutputStream.nullOutputStream());
              seen.incrementAndGet();
            });
      }
      assertThat(seen.get()).isEqualTo(m.files().stream().mapToLong(f -> f.pieces().size()).sum());
      assertThat(m.originalSize()).isEqualTo(info.completed().get().originalSize());
    }

    Cli.Result list = Cli.run(env(), "backup-list");
    assertThat(list.exitCode()).as("%s", list).isZero();
    assertThat(list.stdout()).contains(completeName).contains("complete");
    Cli.Result json = Cli.run(env(), "backup-list", "--json");
    assertThat(json.exitCode()).as("%s", json).isZero();
    assertThat(json.stdout())
        .contains("\"name\":\"" + completeName + "\"")
        .contains("\"complete\":true")
        .contains("\"pinned\":false");
  }

  @Test
  @Order(2)
  void theBackupStartsAsAServerWithTheTablespaceRemapped() throws Exception {
    long still = 20000;
    Path restoreBase = PostgresServer.createDirectory(base.resolve("restore"));
    Path data = restoreBase.resolve("data");
    Path newTablespace = restoreBase.resolve("ts1-restored");
    Files.createDirectories(newTablespace);
    try (WalArchive archive = archive()) {
      BaseBackups backups = archive.baseBackups();
      BaseBackupInfo info =
          backups.list().stream()
              .filter(b -> b.name().toString().equals(completeName))
              .findFirst()
              .orElseThrow();
      BackupManifest m = backups.manifest(info.name());
      Files.createDirectories(data);
      for (var e : m.tablespaces().entrySet()) {
        Files.createDirectories(data.resolve("pg_tblspc"));
        Files.createSymbolicLink(data.resolve("pg_tblspc/" + e.getKey()), newTablespace);
      }
      for (var d : m.directories()) {
        Files.createDirectories(data.resolve(d.path()));
      }
      // files in extents whole through openFile, the others object by object
      for (BackupFile f : m.files()) {
        if (!f.extents().isEmpty()) {
          Files.createDirectories(data.resolve(f.path()).getParent());
          try (InputStream in = backups.openFile(info.name(), f)) {
            Files.copy(in, data.resolve(f.path()));
          }
        }
      }
      Map<String, List<BackupFile>> byObject =
          m.files().stream()
              .filter(f -> f.extents().isEmpty())
              .collect(Collectors.groupingBy(BackupFile::object));
      for (var e : byObject.entrySet()) {
        backups.readObject(
            info.name(),
            e.getKey(),
            e.getValue(),
            (f, in) -> {
              Files.createDirectories(data.resolve(f.path()).getParent());
              Files.copy(in, data.resolve(f.path()));
            });
      }
      Files.writeString(data.resolve("backup_label"), m.backupLabel(), UTF_8);
      StringBuilder map = new StringBuilder();
      for (long oid : m.tablespaces().keySet()) {
        map.append(oid).append(' ').append(newTablespace).append('\n');
      }
      Files.writeString(data.resolve("tablespace_map"), map.toString(), UTF_8);
    }
    Files.writeString(data.resolve("recovery.signal"), "", UTF_8);
    Drills.exec(List.of("chown", "-R", "postgres:", restoreBase.toString()));
    Drills.exec(List.of("chmod", "700", data.toString()));
    try (PostgresServer restored = PostgresServer.existing(data)) {
      restored.setConfig("archive_mode", "off");
      restored.setConfig(
          "restore_command", Cli.launcher() + " wal-fetch --config " + config + " %f %p");
      restored.setConfig("recovery_target", "immediate");
      restored.setConfig("recovery_target_action", "promote");
      restored.start();
      restored.waitUntilRecoveryEnds(Duration.ofMinutes(2));
      assertThat(restored.queryOne("SELECT count(*) FROM still")).isEqualTo(Long.toString(still));
      assertThat(
              restored.queryOne(
                  "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'ts1'"))
          .isEqualTo(newTablespace.toString());
      assertThat(Long.parseLong(restored.queryOne("SELECT count(*) FROM busy"))).isPositive();
      // the unlogged table exists, empty (its init fork only)
      assertThat(restored.queryOne("SELECT count(*) FROM scratch")).isEqualTo("0");
      assertThat(restored.queryOne("SELECT count(*) FROM pg_class")).isNotNull();
    }
  }

  @Test
  @Order(3)
  void aPushKilledMidwayIsListedAsIncomplete() throws Exception {
    primary.execute(
        "CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 600000) g");
    Process p =
        Cli.groupLeaderBuilder(env(), "backup-push", "--parallel", "1")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    String killed = null;
    while (killed == null && System.nanoTime() < deadline && p.isAlive()) {
      Path backups = archiveDir.resolve("basebackups");
      if (Files.isDirectory(backups)) {
        try (var s = Files.list(backups)) {
          for (Path d : s.toList()) {
            if (!d.getFileName().toString().equals(completeName)
                && Files.isDirectory(d.resolve("data"))) {
              try (var objects = Files.list(d.resolve("data"))) {
                // a stored object, not the storage's temporary directory
                if (objects.anyMatch(o -> !o.getFileName().toString().startsWith("."))) {
                  killed = d.getFileName().toString();
                }
              }
            }
          }
        }
      }
      Thread.sleep(10);
    }
    Cli.signalGroup(p, "KILL");
    p.waitFor();
    assertThat(killed).as("an object of the second backup appeared").isNotNull();
    String killedName = killed;
    try (WalArchive archive = archive()) {
      List<BaseBackupInfo> list = archive.baseBackups().list();
      assertThat(list).extracting(b -> b.name().toString()).contains(completeName, killed);
      BaseBackupInfo incomplete =
          list.stream()
              .filter(b -> b.name().toString().equals(killedName))
              .findFirst()
              .orElseThrow();
      assertThat(incomplete.complete()).isFalse();
      assertThatThrownBy(() -> archive.baseBackups().manifest(incomplete.name()))
          .isInstanceOf(BackupNotFoundException.class)
          .hasMessageContaining("not complete");
    }
    Cli.Result list = Cli.run(env(), "backup-list");
    // killed with -9, the push left its lease behind: listed as running until the lease expires
    assertThat(list.stdout())
        .containsPattern(killed + " +running .*\\(lease of .+ pid \\d+ until [0-9TZ:-]+\\)");
    // the server's backup was aborted with the connection: the next push succeeds
    Cli.Result again = Cli.run(env(), "backup-push");
    assertThat(again.exitCode()).as("%s", again).isZero();
  }

  @Test
  @Order(4)
  void aTamperedObjectFailsToReadWithAClearError() throws Exception {
    try (WalArchive archive = archive()) {
      BaseBackups backups = archive.baseBackups();
      BaseBackupInfo info =
          backups.list().stream()
              .filter(b -> b.name().toString().equals(completeName))
              .findFirst()
              .orElseThrow();
      BackupManifest m = backups.manifest(info.name());
      // a large file (an object of its own) through openFile, and a shared object through
      // readObject: a flipped bit in the middle of either is refused, naming the object
      String still = primary.queryOne("SELECT pg_relation_filepath('still')");
      BackupFile large =
          m.files().stream().filter(x -> x.path().equals(still)).findFirst().orElseThrow();
      assertThat(large.offset()).isZero();
      BackupFile small =
          m.files().stream().filter(x -> x.path().equals("PG_VERSION")).findFirst().orElseThrow();
      List<BackupFile> shared =
          m.files().stream().filter(x -> x.object().equals(small.object())).toList();
      assertThat(shared.size()).isGreaterThan(1);
      tampered(
          large.object(),
          () -> {
            try (InputStream in = backups.openFile(info.name(), large)) {
              in.readAllBytes();
            }
          });
      tampered(
          small.object(),
          () ->
              backups.readObject(
                  info.name(),
                  small.object(),
                  shared,
                  (file, in) -> in.transferTo(java.io.OutputStream.nullOutputStream())));
    }
  }

  private void tampered(String key, org.assertj.core.api.ThrowableAssert.ThrowingCallable read)
      throws Exception {
    Path object = archiveDir.resolve(key);
    byte[] original = Files.readAllBytes(object);
    byte[] tampered = original.clone();
    tampered[tampered.length / 2] ^= 0x01;
    Files.write(object, tampered);
    try {
      assertThatThrownBy(read).isInstanceOf(IOException.class).hasMessageContaining(key);
    } finally {
      Files.write(object, original);
    }
  }
}
