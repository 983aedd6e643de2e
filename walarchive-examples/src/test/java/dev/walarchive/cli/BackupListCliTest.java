package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.testing.SyntheticDataDirectory;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walarchive backup-list} (the packaged CLI, text and {@code --json}) on three backups whose
 * leases were written by the library's upload, the code {@code backup-push} runs: one complete, one
 * whose push still runs (its lease holds), and one whose lease expired 5 minutes ago (written by an
 * upload whose clock is 10 minutes behind). No server.
 */
class BackupListCliTest {
  private static final long SYSID = 7714373470879505852L;
  private static final WalSegmentSize SIZE = WalSegmentSize.of(1 << 20);
  private static final BackupName COMPLETE =
      BackupName.of(Instant.parse("2026-12-01T18:30:12Z"), Lsn.parse("0/200028"));
  private static final BackupName RUNNING =
      BackupName.of(Instant.parse("2026-12-01T18:40:00Z"), Lsn.parse("0/400028"));
  private static final BackupName EXPIRED =
      BackupName.of(Instant.parse("2026-12-01T18:35:00Z"), Lsn.parse("0/300028"));
  private static final Pattern TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

  @TempDir Path tmp;
  private String key;

  private WalArchive archive(Clock clock) throws IOException {
    return WalArchive.builder(ArchiveStorages.open("file:" + tmp.resolve("archive"), Map.of()))
        .keyring(
            Keyring.builder().addKey("k1", Keyring.decodeBase64Key(key)).activeKeyId("k1").build())
        .tempDirectory(tmp)
        .clock(clock)
        .build();
  }

  private BackupUpload upload(WalArchive archive, BackupName name) throws IOException {
    Path data = tmp.resolve("data-" + name);
    SyntheticDataDirectory.create(data, SYSID);
    SyntheticDataDirectory.write(data.resolve("base/5/16384"), new byte[100_000]);
    BackupUpload upload =
        archive
            .baseBackups()
            .upload(
                name,
                data,
                new BackupUpload.Options(
                    2, "test", 150018, "PG_15_202209061", BackupUpload.Progress.NONE));
    upload.copyFiles();
    return upload;
  }

  private void completeBackup(WalArchive archive) throws IOException {
    Path wal = Files.createDirectories(tmp.resolve("wal"));
    for (long s = 2; s <= 3; s++) {
      archive.push(SyntheticWal.writeSegment(wal, SYSID, 1, s, SIZE, s));
    }
    Path history = wal.resolve("000000010000000000000002.00000028.backup");
    Files.writeString(
        history,
        "START WAL LOCATION: 0/200028 (file 000000010000000000000002)\n"
            + "STOP WAL LOCATION: 0/300100 (file 000000010000000000000003)\n"
            + "CHECKPOINT LOCATION: 0/200060\n"
            + "BACKUP METHOD: streamed\n"
            + "BACKUP FROM: primary\n"
            + "START TIME: 2026-12-01 18:30:12 UTC\n"
            + "LABEL: test\n"
            + "START TIMELINE: 1\n"
            + "STOP TIME: 2026-12-01 18:30:15 UTC\n"
            + "STOP TIMELINE: 1\n",
        UTF_8);
    archive.push(history);
    try (BackupUpload upload = upload(archive, COMPLETE)) {
      upload.complete(
          "START WAL LOCATION: 0/200028 (file 000000010000000000000002)\n"
              + "CHECKPOINT LOCATION: 0/200060\n"
              + "BACKUP METHOD: streamed\n"
              + "BACKUP FROM: primary\n"
              + "START TIME: 2026-12-01 18:30:12 UTC\n"
              + "LABEL: test\n"
              + "START TIMELINE: 1\n",
          "",
          Lsn.parse("0/300100"));
    }
  }

  private static String line(String stdout, BackupName name) {
    List<String> lines = stdout.lines().filter(l -> l.startsWith(name + " ")).toList();
    assertThat(lines).as(stdout).hasSize(1);
    return lines.get(0);
  }

  private static String jsonLine(String stdout, BackupName name) {
    List<String> lines =
        stdout.lines().filter(l -> l.startsWith("{\"name\":\"" + name + "\",")).toList();
    assertThat(lines).as(stdout).hasSize(1);
    return lines.get(0);
  }

  /** The one time stamp in {@code text} after {@code before}. */
  private static Instant timeAfter(String text, String before) {
    Matcher m = Pattern.compile(Pattern.quote(before) + "(" + TIME.pattern() + ")").matcher(text);
    assertThat(m.find()).as("'%s' then a time in: %s", before, text).isTrue();
    return Instant.parse(m.group(1));
  }

  @Test
  void showsRunningPushesWithTheirLeaseAndExpiredOnesAsInterrupted() throws Exception {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    key = Base64.getEncoder().encodeToString(k);
    Path keyFile = tmp.resolve("archive.key");
    Files.writeString(keyFile, key + "\n", UTF_8);
    Drills.restrictToOwner(keyFile);
    Path config = tmp.resolve("walarchive.properties");
    Files.writeString(
        config,
        "url=file:" + tmp.resolve("archive") + "\nkey-file=" + keyFile + "\nkey-id=k1\n",
        UTF_8);
    Drills.restrictToOwner(config);
    Files.createDirectories(tmp.resolve("archive"));
    String holder =
        java.net.InetAddress.getLocalHost().getHostName() + " pid " + ProcessHandle.current().pid();

    try (WalArchive archive = archive(Clock.systemUTC());
        WalArchive behind = archive(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)))) {
      completeBackup(archive);
      Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      try (BackupUpload running = upload(archive, RUNNING);
          BackupUpload expired = upload(behind, EXPIRED)) {
        Instant after = Instant.now();
        Map<String, String> env = Map.of("WALARCHIVE_CONFIG", config.toString());

        Cli.Result text = Cli.run(env, "backup-list");
        assertThat(text.exitCode()).as("%s", text).isZero();
        String c = line(text.stdout(), COMPLETE);
        assertThat(c).containsPattern(COMPLETE + " +complete ").doesNotContain("lease");
        String r = line(text.stdout(), RUNNING);
        assertThat(r)
            .containsPattern(RUNNING + " +running ")
            .contains("(lease of " + holder + " until ");
        Instant until = timeAfter(r, "(lease of " + holder + " until ");
        assertThat(until)
            .isBetween(before.plus(Duration.ofMinutes(5)), after.plus(Duration.ofMinutes(5)));
        String e = line(text.stdout(), EXPIRED);
        assertThat(e)
            .containsPattern(EXPIRED + " +incomplete ")
            .contains("(interrupted: lease of " + holder + " expired ");
        Instant expiredAt = timeAfter(e, "(interrupted: lease of " + holder + " expired ");
        assertThat(expiredAt)
            .isBetween(before.minus(Duration.ofMinutes(5)), after.minus(Duration.ofMinutes(5)));
        // oldest first: the expired push started before the running one
        assertThat(text.stdout().indexOf(EXPIRED.toString()))
            .isLessThan(text.stdout().indexOf(RUNNING.toString()));

        Cli.Result json = Cli.run(env, "backup-list", "--json");
        assertThat(json.exitCode()).as("%s", json).isZero();
        String jc = jsonLine(json.stdout(), COMPLETE);
        assertThat(jc)
            .contains("\"status\":\"complete\"")
            .contains("\"state\":\"complete\"")
            .contains("\"leaseHolder\":null")
            .contains("\"leaseUntil\":null");
        String jr = jsonLine(json.stdout(), RUNNING);
        assertThat(jr)
            .contains("\"status\":\"incomplete\"")
            .contains("\"complete\":false")
            .contains("\"state\":\"running\"")
            .contains("\"leaseHolder\":\"" + holder + "\"")
            .contains("\"leaseUntil\":\"" + until + "\"");
        String je = jsonLine(json.stdout(), EXPIRED);
        assertThat(je)
            .contains("\"status\":\"incomplete\"")
            .contains("\"state\":\"incomplete\"")
            .contains("\"leaseHolder\":\"" + holder + "\"")
            .contains("\"leaseUntil\":\"" + expiredAt + "\"");
      }
      // both pushes ended without completing (their leases deleted): interrupted, no lease
      Cli.Result text = Cli.run(Map.of("WALARCHIVE_CONFIG", config.toString()), "backup-list");
      assertThat(line(text.stdout(), RUNNING))
          .containsPattern(RUNNING + " +incomplete ")
          .contains("(interrupted: no lease)");
      assertThat(line(text.stdout(), EXPIRED)).contains("(interrupted: no lease)");
    }
  }
}
