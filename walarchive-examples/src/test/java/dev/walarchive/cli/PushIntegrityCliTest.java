package dev.walarchive.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.PostgresServer;
import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mistakes that used to archive wrong bytes for good, made as a user (or a stray tool) would
 * make them, through the packaged CLI: a segment truncated while wal-push reads it, an empty or
 * non-UTF-8 timeline history file, and a {@code file:} archive whose object metadata was edited.
 */
class PushIntegrityCliTest {
  private static final long SYSID = 7_322_222_222_222_222_222L;
  private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;

  private Path base;
  private Path archiveDir;
  private Path spoolDir;
  private Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    base = PostgresServer.createBaseDir("walarchive-push-integrity");
    archiveDir = base.resolve("archive");
    spoolDir = Files.createDirectories(base.resolve("spool"));
    Path keyFile = Drills.writeRandomKey(base.resolve("key"));
    env =
        Map.of(
            "WALARCHIVE_URL", "file:" + archiveDir,
            "WALARCHIVE_KEY_FILE", keyFile.toString(),
            "WALARCHIVE_TMPDIR", spoolDir.toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    PostgresServer.deleteTree(base);
  }

  private Path segment(String dir, long segno, long seed) throws Exception {
    Path d = Files.createDirectories(base.resolve(dir));
    return SyntheticWal.writeSegment(d, SYSID, 1, segno, SIZE, seed);
  }

  private List<String> archivedNames() throws Exception {
    return Drills.archivedWalNames(archiveDir);
  }

  private static void assertOneLineError(Cli.Result r, int exitCode, String... contains) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
    assertThat(r.stderrLines()).as(r.toString()).hasSize(1);
    for (String c : contains) {
      assertThat(r.stderrLines().get(0)).as(r.toString()).contains(c);
    }
  }

  @Test
  void aSegmentTruncatedWhileWalPushReadsItIsNeverArchivedShort() throws Exception {
    Path original = segment("original", 3, 3);
    byte[] expected = Files.readAllBytes(original);
    int refused = 0;
    for (int i = 0; i < 4; i++) {
      Path pgWal = Files.createDirectories(base.resolve("pg_wal-" + i));
      Path file = pgWal.resolve(original.getFileName());
      Files.copy(original, file);
      Path out = base.resolve("push-" + i + ".err");
      Process push =
          Cli.builder(env, "wal-push", file.toString())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      // the segment is incompressible: the spool spills to a file after 8 MiB of its 16, while
      // wal-push is still reading; truncate it then, as a stray tool (or a full disk) would
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (push.isAlive() && !hasSpoolFile() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
        f.setLength(5 * 1024 * 1024);
      }
      assertThat(push.waitFor(2, TimeUnit.MINUTES)).isTrue();
      String stderr = Files.readString(out, UTF_8).trim();
      if (push.exitValue() == 0) {
        Path dest = base.resolve("restored-" + i);
        Cli.Result fetch =
            Cli.run(env, "wal-fetch", file.getFileName().toString(), dest.toString());
        assertThat(fetch.exitCode()).as(fetch.toString()).isZero();
        assertThat(Files.readAllBytes(dest)).as("iteration %s", i).isEqualTo(expected);
        PostgresServer.deleteTree(archiveDir.resolve("wal"));
      } else {
        refused++;
        assertThat(push.exitValue()).as(stderr).isEqualTo(3);
        assertThat(stderr.lines())
            .as(stderr)
            .singleElement()
            .asString()
            .contains(file.toString())
            .contains("changed while it was being read")
            .contains("nothing was archived");
        assertThat(archivedNames()).as("iteration %s: nothing stored", i).isEmpty();
      }
      try (Stream<Path> s = Files.list(spoolDir)) {
        assertThat(s.toList()).as("spool files left behind").isEmpty();
      }
    }
    System.out.printf("wal-push truncation drill: %d of 4 pushes refused%n", refused);
  }

  private boolean hasSpoolFile() throws Exception {
    try (Stream<Path> s = Files.list(spoolDir)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith("walarchive-spool-"));
    }
  }

  @Test
  void anEmptyHistoryFileIsRefusedWithExit3AndTheRealOneIsArchivedAfterwards() throws Exception {
    Path pgWal = Files.createDirectories(base.resolve("pg_wal"));
    segment("pg_wal", 1, 1); // a real pg_wal holds a segment: it names the cluster
    Path history = Files.write(pgWal.resolve("00000002.history"), new byte[0]);
    assertOneLineError(
        Cli.run(env, "wal-push", history.toString()),
        3,
        history.toString(),
        "records no timeline switch",
        "the file is empty");
    assertThat(archivedNames()).isEmpty();

    Files.writeString(history, "1\t0/3000000\tno recovery target specified\n", US_ASCII);
    Cli.Result real = Cli.run(env, "wal-push", history.toString());
    assertThat(real.exitCode()).as(real.toString()).isZero();
    assertThat(archivedNames()).containsExactly("00000002.history");
  }

  @Test
  void aHistoryFileThatIsNotUtf8IsArchivedUnchanged() throws Exception {
    // PostgreSQL writes a restore point's name into the reason byte for byte: refusing it would
    // stall archiving for good, so only the structure is checked
    Path pgWal = Files.createDirectories(base.resolve("pg_wal"));
    segment("pg_wal", 1, 1); // a real pg_wal holds a segment: it names the cluster
    byte[] content = "1\t0/3000000\tat restore point \"caf?\"\n".getBytes(US_ASCII);
    content[33] = (byte) 0xe9; // "café" in LATIN1
    Path history = Files.write(pgWal.resolve("00000003.history"), content);
    Cli.Result push = Cli.run(env, "wal-push", history.toString());
    assertThat(push.exitCode()).as(push.toString()).isZero();
    assertThat(archivedNames()).containsExactly("00000003.history");
  }

  @Test
  void anEditedDigestInAFileArchiveFailsFetchAndVerifyAndRepushNamesTheObject() throws Exception {
    Path file = segment("pg_wal", 4, 4);
    String name = file.getFileName().toString();
    Cli.Result push = Cli.run(env, "wal-push", file.toString());
    assertThat(push.exitCode()).as(push.toString()).isZero();

    // a user "fixes" the object's metadata block by hand
    Path object = archiveDir.resolve("wal").resolve(name);
    byte[] bytes = Files.readAllBytes(object);
    String head = new String(bytes, 0, 512, US_ASCII);
    int at = head.indexOf("digest=") + "digest=".length();
    int end = head.indexOf('\n', at);
    bytes[end - 1] = (byte) (bytes[end - 1] == '0' ? '1' : '0');
    Files.write(object, bytes);

    Path restore = Files.createDirectories(base.resolve("restore"));
    Path dest = restore.resolve("RECOVERYXLOG");
    Cli.Result fetch = Cli.run(env, "wal-fetch", name, dest.toString());
    assertOneLineError(
        fetch, 128, "object wal/" + name + " is corrupt", "storage metadata", "walarchive verify");
    assertThat(dest).doesNotExist();
    try (Stream<Path> s = Files.list(restore)) {
      assertThat(s.toList()).as("nothing left at %p or beside it").isEmpty();
    }

    Cli.Result verify = Cli.run(env, "verify");
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(1);
    assertThat(verify.stdout())
        .contains("CORRUPT " + name + ": object wal/" + name + " is corrupt")
        .contains("integrity: 0 of 1 objects verified");

    Cli.Result repush = Cli.run(env, "wal-push", file.toString());
    assertOneLineError(
        repush,
        4,
        "the archived object wal/" + name + " has damaged storage metadata",
        "identical",
        "delete wal/" + name);
    assertThat(repush.stderr()).doesNotContain("unreadable digest '");
  }
}
