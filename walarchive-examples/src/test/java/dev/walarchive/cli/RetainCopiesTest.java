package dev.walarchive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.walarchive.core.testing.SyntheticWal;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code retain --apply} deletes the archive's plan in its copies too; in process, no server. */
class RetainCopiesTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
  private static final long SYSID = 7_300_000_000_000_000_151L;
  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @TempDir Path dir;

  private String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as("walarchive %s: %s%s", List.of(args), out, err).isZero();
    return out.toString();
  }

  @Test
  void retainApplyDeletesTheSameFilesInEveryCopy() throws Exception {
    Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
    Path config = dir.resolve("walarchive.properties");
    Files.writeString(
        config, "url=file:" + dir.resolve("a") + "\ncopy-url=file:" + dir.resolve("b") + "\n");
    for (long segno = 1; segno <= 8; segno++) {
      Path segment = SyntheticWal.writeSegment(pgWal, SYSID, 1, segno, SIZE, 0);
      run("wal-push", "--config", config.toString(), segment.toString());
    }
    Instant stopped = Instant.parse("2026-11-30T10:00:00Z");
    for (long segno : new long[] {2, 6}) {
      Lsn start = Lsn.ofSegment(segno, 0x28, SIZE);
      Path backup = pgWal.resolve(WalFileName.backupHistory(1, start, SIZE).name());
      Files.writeString(backup, backupHistory(start, stopped.plusSeconds(segno * 60)));
      run("wal-push", "--config", config.toString(), backup.toString());
    }
    String out = run("retain", "--config", config.toString(), "--policy", "keep=1", "--apply");
    assertThat(out).contains("applied to copy file:" + dir.resolve("b"));
    List<String> primary = names(dir.resolve("a/wal"));
    assertThat(primary)
        .doesNotContain("000000010000000000000001")
        .contains("000000010000000000000006");
    assertThat(names(dir.resolve("b/wal"))).isEqualTo(primary);
  }

  private static List<String> names(Path wal) throws Exception {
    try (Stream<Path> s = Files.list(wal)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String backupHistory(Lsn start, Instant stopped) {
    Lsn stop = start.plus(0x200);
    return "START WAL LOCATION: "
        + start
        + " (file "
        + WalFileName.ofLsn(1, start, SIZE)
        + ")\nSTOP WAL LOCATION: "
        + stop
        + " (file "
        + WalFileName.ofLsn(1, stop, SIZE)
        + ")\nCHECKPOINT LOCATION: "
        + start.plus(0x38)
        + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: "
        + PG_TIME.format(stopped.minusSeconds(60))
        + " UTC\nLABEL: test\nSTART TIMELINE: 1\nSTOP TIME: "
        + PG_TIME.format(stopped)
        + " UTC\nSTOP TIMELINE: 1\n";
  }
}
