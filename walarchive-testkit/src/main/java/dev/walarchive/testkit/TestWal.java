package dev.walarchive.testkit;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes synthetic WAL files that pass walarchive's validation, for tests of code that archives:
 * segments with a PostgreSQL 15 long page header (the rest zero), and timeline history files.
 */
public final class TestWal {
  private TestWal() {}

  /**
   * Writes segment {@code segmentNumber} of {@code timeline} into {@code dir}, named as PostgreSQL
   * names it, and returns its path.
   *
   * @param systemIdentifier the cluster the segment claims to belong to
   */
  public static Path writeSegment(
      Path dir, long systemIdentifier, long timeline, long segmentNumber, WalSegmentSize size)
      throws IOException {
    WalFileName name = WalFileName.segment(timeline, segmentNumber, size);
    SegmentHeader header =
        new SegmentHeader(
            0xD110,
            15,
            timeline,
            Lsn.ofSegment(segmentNumber, 0, size),
            systemIdentifier,
            size,
            8192);
    Path file = dir.resolve(name.name());
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header.toBytes());
      byte[] zeros = new byte[64 * 1024];
      long remaining = size.bytes() - SegmentHeader.LENGTH;
      while (remaining > 0) {
        int n = (int) Math.min(zeros.length, remaining);
        out.write(zeros, 0, n);
        remaining -= n;
      }
    }
    return file;
  }

  /**
   * Writes {@code history} as PostgreSQL would archive it (e.g. {@code
   * TimelineHistory.ofFirstTimeline().branch(2, Lsn.parse("0/3000000"), "promoted")}) and returns
   * its path.
   */
  public static Path writeTimelineHistory(Path dir, TimelineHistory history) throws IOException {
    Path file = dir.resolve(history.fileName().name());
    Files.writeString(file, history.toFileContent(), StandardCharsets.US_ASCII);
    return file;
  }
}
