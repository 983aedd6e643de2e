package dev.walarchive.core.wal;

/**
 * The size of a cluster's WAL segment files, as chosen by {@code initdb --wal-segsize}: a power of
 * two from 1 MiB to 1 GiB. 16 MiB is only the default; nothing in walarchive assumes it.
 *
 * <p>A cluster's segment size can be read from its segments ({@link SegmentHeader#segmentSize()})
 * or from {@code SHOW wal_segment_size}.
 *
 * @param bytes the segment size in bytes
 */
public record WalSegmentSize(long bytes) {
  /** The smallest segment size PostgreSQL allows: 1 MiB. */
  public static final long MIN_BYTES = 1L << 20;

  /** The largest segment size PostgreSQL allows: 1 GiB. */
  public static final long MAX_BYTES = 1L << 30;

  /** PostgreSQL's default segment size: 16 MiB. */
  public static final WalSegmentSize DEFAULT = new WalSegmentSize(16L << 20);

  /**
   * Validates the size.
   *
   * @throws IllegalArgumentException if {@code bytes} is not a power of two from 1 MiB to 1 GiB
   */
  public WalSegmentSize {
    if (bytes < MIN_BYTES || bytes > MAX_BYTES || Long.bitCount(bytes) != 1) {
      throw new IllegalArgumentException(
          "invalid WAL segment size "
              + bytes
              + " bytes: expected a power of two from 1 MiB (1048576) to 1 GiB (1073741824)");
    }
  }

  /**
   * Returns the segment size of {@code bytes} bytes.
   *
   * @throws IllegalArgumentException if {@code bytes} is not a power of two from 1 MiB to 1 GiB
   */
  public static WalSegmentSize of(long bytes) {
    return new WalSegmentSize(bytes);
  }

  /**
   * Returns the segment size of {@code megabytes} MiB, as given to {@code initdb --wal-segsize}.
   *
   * @throws IllegalArgumentException if {@code megabytes} is not a power of two from 1 to 1024
   */
  public static WalSegmentSize ofMegabytes(int megabytes) {
    if (megabytes < 1 || megabytes > 1024 || Integer.bitCount(megabytes) != 1) {
      throw new IllegalArgumentException(
          "invalid WAL segment size "
              + megabytes
              + " MiB: expected a power of two from 1 to 1024 (initdb --wal-segsize)");
    }
    return new WalSegmentSize((long) megabytes << 20);
  }

  /**
   * Returns how many segments one 4 GiB "xlogid" holds: 2^32 / {@link #bytes()}. This is the
   * modulus of the last eight hex digits of a segment file name.
   */
  public long segmentsPerXLogId() {
    return (1L << 32) >>> shift();
  }

  /** log2 of the size: the number of low LSN bits that form the offset within a segment. */
  int shift() {
    return Long.numberOfTrailingZeros(bytes);
  }

  /** The number of segments in the whole 64-bit WAL address space: 2^64 / {@link #bytes()}. */
  long segmentCount() {
    return 1L << (64 - shift());
  }
}
