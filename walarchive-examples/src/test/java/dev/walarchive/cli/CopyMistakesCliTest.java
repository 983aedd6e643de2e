package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies that are not what they should be, as processes: a copy of another cluster, a damaged
 * object in a copy, an object that fails verification only in the copy. Each is refused (never
 * restored, never "level", never exit 0 in a dry run) with one line.
 */
class CopyMistakesCliTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final long SYSID = 7_300_000_000_000_000_411L;
  private static final long OTHER = 7_300_000_000_000_000_422L;
  private static final String FIVE = "000000010000000000000005";
  private static final String SIX = "000000010000000000000006";

  @TempDir Path dir;
  private Path archive;
  private Path restored;

  @BeforeEach
  void setUp() throws Exception {
    archive = dir.resolve("archive");
    restored = Files.createDirectories(dir.resolve("restored"));
    for (long segno : new long[] {5, 7}) {
      push(archive, SYSID, segno);
    }
  }

  private void push(Path to, long sysid, long segno) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src-" + sysid + "-" + segno));
    Path segment = SyntheticWal.writeSegment(src, sysid, 1, segno, SIZE, segno + sysid % 7);
    Cli.Result r = Cli.run(Map.of("WALARCHIVE_URL", "file:" + to), "wal-push", segment.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private static Map<String, String> env(Path archive, Path copy) {
    return Map.of("WALARCHIVE_URL", "file:" + archive, "WALARCHIVE_COPY_URL", "file:" + copy);
  }

  private static String oneLine(Cli.Result r, int exitCode, String... fragments) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
    assertThat(r.stderrLines()).as(r.toString()).hasSize(1);
    String line = r.stderrLines().get(0);
    assertThat(line).as(r.toString()).contains(fragments).doesNotContain("Exception");
    return line;
  }

  @Test
  void aCopyOfAnotherClusterIsNeverRestoredFromAndNeverReportedAsLagging() throws Exception {
    Path foreign = dir.resolve("foreign");
    push(foreign, OTHER, 6); // holds the 6 the archive lacks, of another cluster
    Map<String, String> env = env(archive, foreign);

    Cli.Result fetch = Cli.run(env, "wal-fetch", SIX, restored.resolve("RECOVERYXLOG").toString());
    oneLine(
        fetch,
        126,
        "copy file:" + foreign,
        "not a copy of file:" + archive,
        Long.toUnsignedString(OTHER),
        Long.toUnsignedString(SYSID));
    assertThat(restored).isEmptyDirectory();

    Cli.Result status = Cli.run(env, "status");
    assertThat(status.exitCode()).as(status.toString()).isEqualTo(2);
    assertThat(status.stdout())
        .contains("copy file:" + foreign + ": not a copy of this archive: ")
        .doesNotContain("lags")
        .doesNotContain("walarchive sync");

    for (String[] args :
        new String[][] {
          {"sync", "--dry-run"}, {"copy", "--to", "file:" + foreign, "--dry-run"}, {"sync"}
        }) {
      Cli.Result r = Cli.run(env, args);
      oneLine(r, 2, "holds cluster " + Long.toUnsignedString(OTHER));
      assertThat(r.stdout()).as(r.toString()).doesNotContain("would copy");
    }
    assertThat(Files.exists(foreign.resolve("wal").resolve(FIVE))).isFalse();
  }

  @Test
  void aDryRunIntoAnArchiveThatDiffersInEncryptionIsRefusedAsTheRealRunIs() throws Exception {
    Path encrypted = dir.resolve("encrypted");
    Path key = Drills.writeRandomKey(dir.resolve("key"));
    Path src = Files.createDirectories(dir.resolve("src-encrypted"));
    Path segment = SyntheticWal.writeSegment(src, SYSID, 1, 9, SIZE, 9);
    Cli.Result pushed =
        Cli.run(
            Map.of("WALARCHIVE_URL", "file:" + encrypted, "WALARCHIVE_KEY_FILE", key.toString()),
            "wal-push",
            segment.toString());
    assertThat(pushed.exitCode()).as(pushed.toString()).isZero();
    Map<String, String> env = Map.of("WALARCHIVE_URL", "file:" + archive);
    Cli.Result real = Cli.run(env, "copy", "--to", "file:" + encrypted);
    oneLine(real, 2, "encrypted");
    Cli.Result dry = Cli.run(env, "copy", "--to", "file:" + encrypted, "--dry-run");
    oneLine(dry, 2, "encrypted");
    assertThat(dry.stdout()).doesNotContain("would copy");
  }

  @Test
  void aTruncatedObjectInTheCopyIsReportedAsDamagedNeverAsLevel() throws Exception {
    Path copy = dir.resolve("copy");
    Map<String, String> env = env(archive, copy);
    Cli.Result synced = Cli.run(env, "sync");
    assertThat(synced.exitCode()).as(synced.toString()).isZero();
    Cli.Result level = Cli.run(env, "status");
    assertThat(level.stdout()).as(level.toString()).contains("level with the archive");

    Path object = copy.resolve("wal").resolve(FIVE);
    try (RandomAccessFile f = new RandomAccessFile(object.toFile(), "rw")) {
      f.setLength(f.length() - 1000); // the storage metadata (at its start) stays intact
    }

    Cli.Result status = Cli.run(env, "status");
    assertThat(status.exitCode()).as(status.toString()).isEqualTo(1);
    assertThat(status.stdout())
        .as(status.toString())
        .doesNotContain("level with the archive")
        .contains("copy file:" + copy + ": wal/" + FIVE + " is not the archive's: ")
        .contains("is damaged");
    Cli.Result json = Cli.run(env, "status", "--json");
    assertThat(json.stdout()).contains("\"differingObjects\":[{\"key\":\"wal/" + FIVE + "\"");

    Cli.Result dry = Cli.run(env, "sync", "--dry-run");
    assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(1);
    assertThat(dry.stdout()).contains("would refuse wal/" + FIVE + ": ");

    Cli.Result sync = Cli.run(env, "sync");
    oneLine(
        sync,
        1,
        "refused wal/" + FIVE,
        "in file:" + copy + " is damaged",
        "Delete the damaged object from file:" + copy);
    assertThat(sync.stdout()).contains("1 refused").doesNotContain("2 already there");

    // the repair the line names
    Files.delete(object);
    Cli.Result repaired = Cli.run(env, "sync");
    assertThat(repaired.exitCode()).as(repaired.toString()).isZero();
    assertThat(Cli.run(env, "status").stdout()).contains("level with the archive");
  }

  @Test
  void aCopyThatAloneFailsVerificationIsAnIntegrityFailureInOneLine() throws Exception {
    Path copy = dir.resolve("copy");
    Map<String, String> env = env(archive, copy);
    assertThat(Cli.run(env, "sync").exitCode()).isZero();
    Path object = copy.resolve("wal").resolve(FIVE);
    try (RandomAccessFile f = new RandomAccessFile(object.toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 1);
    }
    Files.delete(archive.resolve("wal").resolve(FIVE));

    Cli.Result fetch = Cli.run(env, "wal-fetch", FIVE, restored.resolve("RECOVERYXLOG").toString());
    oneLine(
        fetch,
        128,
        FIVE + " could not be restored from any archive",
        "file:" + archive + " does not hold it",
        "copy file:" + copy + ": ",
        "corrupt");
    assertThat(restored).isEmptyDirectory();
  }
}
