package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.s3.S3TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A primary {@code file:} archive with an S3 (s3proxy) copy, through the CLI and a real PostgreSQL
 * 15: pushes fail while the copy is down and catch up after; in lagging mode they succeed, the lag
 * shows and {@code sync} levels it; with objects deleted from the primary, recovery completes from
 * the copy with every committed row; {@code copy} between {@code s3://} and {@code file:} is
 * byte-exact, refuses a tampered object and copies nothing the second time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CopiesDrillTest {
  private S3TestServer s3;
  private Path base;
  private Path config;
  private Path keyFile;
  private Path primaryDir;
  private String copyUrl;
  private PostgresServer primary;
  private final List<PostgresServer> servers = new ArrayList<>();
  private int deadPort;

  @BeforeAll
  void start() throws Exception {
    s3 = S3TestServer.start();
    base = PostgresServer.createBaseDir("walarchive-copies-drill");
    primaryDir = base.resolve("primary-archive");
    copyUrl = s3.url("copy");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    keyFile = base.resolve("archive.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n", UTF_8);
    Drills.restrictToOwner(keyFile);
    config = base.resolve("walarchive.properties");
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort(); // nothing listens there once it is closed
    }
    writeConfig(false, false);
    Drills.chownToPostgres(base);
    Drills.restrictToOwner(keyFile);
  }

  @AfterAll
  void stop() throws Exception {
    for (PostgresServer s : servers) {
      try {
        s.close();
      } catch (Exception e) {
        // keep closing the others
      }
    }
    if (s3 != null) {
      s3.close();
    }
    if (base != null) {
      PostgresServer.deleteTree(base);
    }
  }

  /** The CLI's settings: the primary file: archive, its S3 copy (down: a dead endpoint). */
  private void writeConfig(boolean copyDown, boolean lagging) throws Exception {
    Map<String, String> settings = new TreeMap<>();
    settings.put("url", "file:" + primaryDir);
    settings.put("copy-url", copyUrl);
    s3.options().forEach((name, value) -> settings.put("copy.1." + name, value));
    if (copyDown) {
      settings.put("copy.1.s3.endpoint", "http://127.0.0.1:" + deadPort);
      settings.put("copy.1.s3.max-attempts", "1");
    }
    if (lagging) {
      settings.put("copy-mode", "lagging");
    }
    settings.put("compression", "zstd");
    settings.put("key-file", keyFile.toString());
    settings.put("key-id", "drill");
    StringBuilder sb = new StringBuilder();
    settings.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Drills.writeAsPostgres(config, sb.toString());
    Drills.restrictToOwner(config);
  }

  private Cli.Result cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--config");
    all.add(config.toString());
    return Cli.run(Map.of(), all.toArray(String[]::new));
  }

  private long rows() throws Exception {
    return Long.parseLong(primary.queryOne("SELECT count(*) FROM marks"));
  }

  private void insert(int phase, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      primary.execute("INSERT INTO marks (phase) VALUES (" + phase + ")");
    }
  }

  @Test
  @Order(1)
  void archivesToBothFailsOrLagsWhileTheCopyIsDownAndRestoresFromTheCopy() throws Exception {
    primary =
        track(PostgresServer.initdb(PostgresServer.createDirectory(base.resolve("primary")), 1));
    primary.setConfig("wal_level", "replica");
    primary.setConfig("archive_mode", "on");
    primary.setConfig("archive_command", Cli.launcher() + " wal-push --config " + config + " %p");
    primary.start();
    primary.execute("CREATE TABLE marks (id serial PRIMARY KEY, phase int NOT NULL)");
    insert(0, 10);
    Path backup = base.resolve("backup");
    primary.pgBasebackup(backup, "-X", "none", "-c", "fast");
    insert(1, 10);
    Drills.switchAndWaitForArchive(primary);
    Cli.Result level = cli("status");
    assertThat(level.exitCode()).as(level.toString()).isZero();
    assertThat(level.stdout()).contains("copy " + copyUrl + ": level with the archive");
    Cli.Result check =
        Cli.run(
            Map.of(
                "PGHOST", "127.0.0.1",
                "PGPORT", Integer.toString(primary.port()),
                "PGUSER", "postgres",
                "PGDATABASE", "postgres"),
            "check",
            "--config",
            config.toString(),
            "--timeout",
            "2m");
    assertThat(check.stdout())
        .as(check.toString())
        .containsPattern("OK +copy_1: forced segment [0-9A-F]{24} is in copy " + copyUrl + " too");

    // the copy goes down: pushes fail (strict), PostgreSQL keeps the WAL and retries
    writeConfig(true, false);
    insert(2, 10);
    long failedBefore =
        Long.parseLong(primary.queryOne("SELECT failed_count FROM pg_stat_archiver"));
    String closed = primary.queryOne("SELECT pg_walfile_name(pg_switch_wal())");
    primary.waitFor(
        "SELECT failed_count > " + failedBefore + " FROM pg_stat_archiver", Duration.ofMinutes(2));
    assertThat(
            primary.queryOne(
                "SELECT coalesce(last_archived_wal, '') < '" + closed + "' FROM pg_stat_archiver"))
        .isEqualTo("t");
    assertThat(primary.logTail()).contains("copy " + copyUrl);
    // it comes back: archiving catches up, nothing missing in either archive
    writeConfig(false, false);
    primary.waitFor(
        "SELECT coalesce(last_archived_wal, '') >= '" + closed + "' FROM pg_stat_archiver",
        Duration.ofMinutes(3));
    Drills.switchAndWaitForArchive(primary);
    level = cli("status");
    assertThat(level.stdout()).as(level.toString()).contains("level with the archive");
    Cli.Result dry = cli("sync", "--dry-run");
    assertThat(dry.stdout()).as(dry.toString()).startsWith("0 object(s)");

    // lagging mode: pushes succeed while the copy is down, the lag shows, sync levels it
    writeConfig(true, true);
    insert(3, 10);
    Drills.switchAndWaitForArchive(primary);
    writeConfig(false, true);
    Cli.Result lag = cli("status");
    assertThat(lag.stdout())
        .as(lag.toString())
        .containsPattern("copy .*: lags [1-9][0-9]* WAL file");
    Cli.Result metrics = cli("status", "--prometheus");
    // valid exposition format, each family once, the same metrics for both archives
    List<PrometheusText.Sample> samples = PrometheusText.parse(metrics.stdout());
    assertThat(samples)
        .filteredOn(x -> x.name().equals("walarchive_newest_segment_age_seconds"))
        .extracting(x -> x.labels().get("archive"))
        .containsExactly("file:" + primaryDir, copyUrl);
    assertThat(metrics.stdout())
        .containsPattern(
            "walarchive_copy_missing_files\\{archive=\"file:.*\",copy=\"s3://.*\"} [1-9]");
    Cli.Result sync = cli("sync");
    assertThat(sync.exitCode()).as(sync.toString()).isZero();
    assertThat(sync.stdout()).containsPattern("copied [1-9][0-9]* object");
    level = cli("status");
    assertThat(level.stdout()).as(level.toString()).contains("level with the archive");

    insert(4, 10);
    long committed = rows();
    Drills.switchAndWaitForArchive(primary);
    primary.stop();

    // objects vanish from the primary mid-way: every other WAL segment after the backup
    List<Path> segments;
    try (Stream<Path> s = Files.list(primaryDir.resolve("wal"))) {
      segments =
          s.filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}")).sorted().toList();
    }
    int deleted = 0;
    for (int i = segments.size() / 3; i < segments.size(); i += 2) {
      Files.delete(segments.get(i));
      deleted++;
    }
    assertThat(deleted).isGreaterThan(1);

    Path dataDir = base.resolve("restored");
    Drills.copyAsPostgres(backup, dataDir);
    PostgresServer restored = track(PostgresServer.existing(dataDir));
    restored.setConfig("archive_mode", "off");
    restored.setConfig(
        "restore_command", Cli.launcher() + " wal-fetch --config " + config + " %f %p");
    Drills.writeAsPostgres(dataDir.resolve("recovery.signal"), "");
    restored.start();
    restored.waitFor("SELECT NOT pg_is_in_recovery()", Duration.ofMinutes(3));
    assertThat(Long.parseLong(restored.queryOne("SELECT count(*) FROM marks")))
        .isEqualTo(committed);
    assertThat(restored.queryOne("SELECT count(DISTINCT phase) FROM marks")).isEqualTo("5");
    assertThat(restored.logTail()).containsPattern("restored [0-9A-F]{24} from copy s3://");
    restored.stop();
  }

  @Test
  @Order(2)
  void copyBetweenBackendsIsByteExactRefusesATamperedObjectAndCopiesNothingTheSecondTime()
      throws Exception {
    Path migrated = base.resolve("migrated");
    String fileUrl = "file:" + migrated;
    Cli.Result first = cli("copy", "--from", copyUrl, "--to", fileUrl);
    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.stdout()).containsPattern("copied [1-9][0-9]* object");
    Map<String, String> s3Options = new TreeMap<>(s3.options());
    try (ArchiveStorage from = ArchiveStorages.open(copyUrl, s3Options);
        ArchiveStorage to = ArchiveStorages.open(fileUrl, Map.of())) {
      List<String> keys = keys(from);
      assertThat(keys).isNotEmpty().isEqualTo(keys(to));
      for (String key : keys) {
        assertThat(bytes(to, key)).as(key).isEqualTo(bytes(from, key));
      }
    }
    Cli.Result second = cli("copy", "--from", copyUrl, "--to", fileUrl);
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.stdout()).startsWith("copied 0 object(s)");

    // file: to s3:// (an URL that is not a configured copy takes the archive's options: here from
    // the environment), with one object damaged on the way
    Path victim;
    try (Stream<Path> s = Files.list(migrated.resolve("wal"))) {
      victim =
          s.filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}"))
              .sorted()
              .toList()
              .get(2);
    }
    byte[] content = Files.readAllBytes(victim);
    content[content.length / 2] ^= 0x20;
    Files.write(victim, content);
    String back = s3.url("back");
    Cli.Result tampered =
        Cli.run(
            s3.environment(),
            "copy",
            "--config",
            config.toString(),
            "--from",
            fileUrl,
            "--to",
            back);
    assertThat(tampered.exitCode()).as(tampered.toString()).isEqualTo(1);
    assertThat(tampered.stderrLines())
        .singleElement()
        .asString()
        .contains("refused wal/" + victim.getFileName())
        .contains("corrupt");
    try (ArchiveStorage to = ArchiveStorages.open(back, s3Options)) {
      assertThat(keys(to)).doesNotContain("wal/" + victim.getFileName()).isNotEmpty();
    }
    Cli.Result again =
        Cli.run(
            s3.environment(),
            "copy",
            "--config",
            config.toString(),
            "--from",
            fileUrl,
            "--to",
            back);
    assertThat(again.stdout()).as(again.toString()).startsWith("copied 0 object(s)");
  }

  private static List<String> keys(ArchiveStorage storage) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list("");
    while (it.hasNext()) {
      ObjectEntry e = it.next();
      if (!e.key().startsWith("walarchive.manifest")) {
        keys.add(e.key());
      }
    }
    return keys;
  }

  private static byte[] bytes(ArchiveStorage storage, String key) throws IOException {
    try (InputStream in = storage.open(key)) {
      return in.readAllBytes();
    }
  }

  private PostgresServer track(PostgresServer server) {
    servers.add(server);
    return server;
  }
}
