package dev.walarchive.core.testing;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes WAL segment files that pass push validation: a PostgreSQL 15 long page header for the
 * segment's name, followed by seeded pseudo-random (or zero) bytes.
 */
public final class SyntheticWal {
  /** The PostgreSQL 15 page magic. */
  public static final int PG15_MAGIC = 0xD110;

  private SyntheticWal() {}

  /** The long page header of a segment of cluster {@code systemIdentifier}. */
  public static SegmentHeader header(
      long systemIdentifier, long timeline, long segmentNumber, WalSegmentSize size) {
    return new SegmentHeader(
        PG15_MAGIC,
        15,
        timeline,
        Lsn.ofSegment(segmentNumber, 0, size),
        systemIdentifier,
        size,
        8192);
  }

  /**
   * Writes the segment {@code (timeline, segmentNumber)} into {@code dir} under its WAL file name.
   *
   * @param seed body content seed; 0 writes zeros after the header (compresses well)
   */
  public static Path writeSegment(
      Path dir,
      long systemIdentifier,
      long timeline,
      long segmentNumber,
      WalSegmentSize size,
      long seed)
      throws IOException {
    WalFileName name = WalFileName.segment(timeline, segmentNumber, size);
    Path file = dir.resolve(name.name());
    byte[] header = header(systemIdentifier, timeline, segmentNumber, size).toBytes();
    Random random = new Random(seed);
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header);
      long remaining = size.bytes() - header.length;
      while (remaining > 0) {
        int n = (int) Math.min(block.length, remaining);
        if (seed != 0) {
          random.nextBytes(block);
        }
        out.write(block, 0, n);
        remaining -= n;
      }
    }
    return file;
  }
}
