package dev.walarchive.core.wal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The long page header at the start of every WAL segment ({@code XLogLongPageHeaderData}): which
 * PostgreSQL version wrote it, for which cluster, and which part of which timeline's WAL it holds.
 * Push reads it to refuse a file that is not the segment its name claims or that belongs to another
 * cluster.
 *
 * <p>The layout read is that of little-endian 64-bit platforms (x86-64, ARM64): {@code xlp_magic}
 * (uint16), {@code xlp_info} (uint16), {@code xlp_tli} (uint32), {@code xlp_pageaddr} (uint64),
 * {@code xlp_rem_len} (uint32), four bytes of padding, {@code xlp_sysid} (uint64), {@code
 * xlp_seg_size} (uint32) and {@code xlp_xlog_blcksz} (uint32): {@link #LENGTH} bytes.
 *
 * @param magic the page magic ({@code XLOG_PAGE_MAGIC}), which identifies the WAL format version
 * @param postgresMajorVersion the PostgreSQL major version that writes this magic: 9 for the 9.x
 *     releases (see {@link #postgresVersion()} for which one), 10, 11, ... for later ones
 * @param timeline the timeline of the first record on the page, 1 to 0xFFFFFFFF
 * @param pageAddress the WAL position of the page: the start of the segment
 * @param systemIdentifier the cluster's system identifier (unsigned, as in {@code
 *     pg_control_system()})
 * @param segmentSize the cluster's WAL segment size
 * @param blockSize the WAL block (page) size, usually 8192
 */
public record SegmentHeader(
    int magic,
    int postgresMajorVersion,
    long timeline,
    Lsn pageAddress,
    long systemIdentifier,
    WalSegmentSize segmentSize,
    int blockSize) {

  /** The number of bytes at the start of a segment that {@link #parse} needs. */
  public static final int LENGTH = 40;

  private static final int XLP_LONG_HEADER = 0x0002;
  private static final int XLP_ALL_FLAGS = 0x0007;

  /** Page magic numbers of released PostgreSQL versions (from 9.4 on), with version names. */
  private static final int[] MAGICS = {
    0xD07E, 0xD087, 0xD093, 0xD097, 0xD098, 0xD101, 0xD106, 0xD10D, 0xD110, 0xD113, 0xD116, 0xD118
  };

  private static final String[] VERSIONS = {
    "9.4", "9.5", "9.6", "10", "11", "12", "13", "14", "15", "16", "17", "18"
  };

  /**
   * Validates the header's fields against each other.
   *
   * @throws IllegalArgumentException if the magic is unknown or does not match {@code
   *     postgresMajorVersion}, the timeline is 0, the page address is not at a segment start, or
   *     the block size is not a power of two from 1 KiB to 64 KiB
   */
  public SegmentHeader {
    requireNonNull(pageAddress, "pageAddress is null");
    requireNonNull(segmentSize, "segmentSize is null");
    int index = versionIndex(magic);
    if (majorOf(VERSIONS[index]) != postgresMajorVersion) {
      throw new IllegalArgumentException(
          "page magic "
              + hex(magic)
              + " belongs to PostgreSQL "
              + VERSIONS[index]
              + ", not "
              + postgresMajorVersion);
    }
    WalFileName.checkTimeline(timeline);
    if (pageAddress.segmentOffset(segmentSize) != 0) {
      throw new IllegalArgumentException(
          "page address "
              + pageAddress
              + " is not the start of a "
              + segmentSize.bytes()
              + "-byte segment");
    }
    if (blockSize < 1024 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
      throw new IllegalArgumentException(
          "invalid WAL block size " + blockSize + ": expected a power of two from 1024 to 65536");
    }
  }

  /**
   * Reads the long page header from the first {@link #LENGTH} bytes of a segment ({@code bytes} may
   * be longer).
   *
   * @throws IllegalArgumentException saying what is wrong if the bytes are not the start of a WAL
   *     segment of a known PostgreSQL version
   */
  public static SegmentHeader parse(byte[] bytes) {
    requireNonNull(bytes, "bytes is null");
    if (bytes.length < LENGTH) {
      throw new IllegalArgumentException(
          "not a WAL segment: "
              + bytes.length
              + " bytes, shorter than a segment header ("
              + LENGTH
              + ")");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    int magic = Short.toUnsignedInt(buffer.getShort(0));
    int info = Short.toUnsignedInt(buffer.getShort(2));
    long timeline = Integer.toUnsignedLong(buffer.getInt(4));
    long pageAddress = buffer.getLong(8);
    long systemIdentifier = buffer.getLong(24);
    long segmentSize = Integer.toUnsignedLong(buffer.getInt(32));
    long blockSize = Integer.toUnsignedLong(buffer.getInt(36));
    int index = versionIndex(magic);
    if ((info & XLP_LONG_HEADER) == 0 || (info & ~XLP_ALL_FLAGS) != 0) {
      throw new IllegalArgumentException(
          "not the start of a WAL segment: page info bits "
              + hex(info)
              + " (a segment's first page has the long-header bit 0x0002 and no bits above 0x0007)");
    }
    if (timeline == 0) {
      throw new IllegalArgumentException("not a WAL segment: its header says timeline 0");
    }
    WalSegmentSize size;
    try {
      size = WalSegmentSize.of(segmentSize);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a WAL segment: its header says " + e.getMessage());
    }
    if (blockSize > Integer.MAX_VALUE) {
      blockSize = 0; // rejected below
    }
    try {
      return new SegmentHeader(
          magic,
          majorOf(VERSIONS[index]),
          timeline,
          Lsn.of(pageAddress),
          systemIdentifier,
          size,
          (int) blockSize);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a WAL segment: " + e.getMessage(), e);
    }
  }

  private static int versionIndex(int magic) {
    for (int i = 0; i < MAGICS.length; i++) {
      if (MAGICS[i] == magic) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "unknown WAL page magic "
            + hex(magic)
            + ": not a WAL segment, or written by a PostgreSQL version other than "
            + VERSIONS[0]
            + " to "
            + VERSIONS[VERSIONS.length - 1]);
  }

  private static int majorOf(String version) {
    int dot = version.indexOf('.');
    return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
  }

  private static String hex(int value) {
    return String.format(Locale.ROOT, "0x%04X", value);
  }

  /**
   * Returns the {@link #LENGTH} bytes of this header as PostgreSQL lays them out on little-endian
   * platforms, with {@code xlp_info} = long header and {@code xlp_rem_len} = 0; {@link
   * #parse(byte[])} reads them back. Useful to build synthetic segments for tests.
   */
  public byte[] toBytes() {
    ByteBuffer buffer = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putShort(0, (short) magic);
    buffer.putShort(2, (short) XLP_LONG_HEADER);
    buffer.putInt(4, (int) timeline);
    buffer.putLong(8, pageAddress.value());
    buffer.putLong(24, systemIdentifier);
    buffer.putInt(32, (int) segmentSize.bytes());
    buffer.putInt(36, blockSize);
    return buffer.array();
  }

  /** Returns the PostgreSQL version that writes this magic, such as {@code 9.6} or {@code 15}. */
  public String postgresVersion() {
    return VERSIONS[versionIndex(magic)];
  }

  /** Returns the number of the segment this header starts. */
  public long segmentNumber() {
    return pageAddress.segmentNumber(segmentSize);
  }

  /**
   * Checks that this header belongs to the segment {@code name}: its page address must be the start
   * of that segment, and its timeline must not be above the name's. (The header may carry an older
   * timeline: when a timeline begins in the middle of a segment, PostgreSQL starts the new
   * timeline's segment with a copy of the parent timeline's WAL, pages and headers included.)
   *
   * @throws IllegalArgumentException if {@code name} is not a segment or partial segment, or the
   *     header contradicts it, saying what the file really holds
   */
  public void checkMatches(WalFileName name) {
    requireNonNull(name, "name is null");
    if (name.kind() != WalFileName.Kind.SEGMENT
        && name.kind() != WalFileName.Kind.PARTIAL_SEGMENT) {
      throw new IllegalArgumentException(name + " is not a WAL segment name");
    }
    Lsn expected;
    try {
      expected = Lsn.ofSegment(name.segmentNumber(segmentSize), 0, segmentSize);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "file "
              + name
              + " cannot hold WAL of a cluster with "
              + segmentSize.bytes()
              + "-byte segments, which its header says it does",
          e);
    }
    if (!pageAddress.equals(expected) || timeline > name.timeline()) {
      throw new IllegalArgumentException(
          "file "
              + name
              + " holds WAL for "
              + pageAddress
              + " on timeline "
              + timeline
              + ", but its name says "
              + expected
              + " on timeline "
              + name.timeline());
    }
  }
}
