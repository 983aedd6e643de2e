package dev.walarchive.core.wal;

import static java.util.Objects.requireNonNull;

/**
 * A WAL position (log sequence number): an unsigned 64-bit byte address in a cluster's write-ahead
 * log, printed and parsed the way PostgreSQL does ({@code 16/B374D848}).
 *
 * <p>Positions compare as unsigned numbers. Arithmetic never wraps silently: it throws {@link
 * ArithmeticException} instead. Segment arithmetic always takes the cluster's {@link
 * WalSegmentSize}.
 */
public final class Lsn implements Comparable<Lsn> {
  /** The position {@code 0/0}, which PostgreSQL uses as "invalid". */
  public static final Lsn ZERO = new Lsn(0);

  private static final int MAX_COMPONENT_DIGITS = 8;

  private final long value;

  private Lsn(long value) {
    this.value = value;
  }

  /**
   * Returns the position with the given raw value; the value is read as an unsigned 64-bit number,
   * so every {@code long} is valid.
   */
  public static Lsn of(long value) {
    return value == 0 ? ZERO : new Lsn(value);
  }

  /**
   * Parses PostgreSQL's text form of an LSN: two hexadecimal numbers of one to eight digits each,
   * separated by {@code /} (such as {@code 16/B374D848} or {@code 0/0}). Like PostgreSQL's {@code
   * pg_lsn} input, both upper and lower case digits are accepted; nothing else is (no spaces, signs
   * or {@code 0x} prefixes).
   *
   * @throws IllegalArgumentException naming the text if it is not an LSN
   */
  public static Lsn parse(String text) {
    requireNonNull(text, "text is null");
    int slash = text.indexOf('/');
    if (slash < 1
        || slash > MAX_COMPONENT_DIGITS
        || text.length() - slash - 1 < 1
        || text.length() - slash - 1 > MAX_COMPONENT_DIGITS) {
      throw invalid(text);
    }
    long high = 0;
    for (int i = 0; i < slash; i++) {
      char c = text.charAt(i);
      if (!Inputs.isHex(c)) {
        throw invalid(text);
      }
      high = (high << 4) | Character.digit(c, 16);
    }
    long low = 0;
    for (int i = slash + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Inputs.isHex(c)) {
        throw invalid(text);
      }
      low = (low << 4) | Character.digit(c, 16);
    }
    return of(high << 32 | low);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "invalid LSN "
            + Inputs.quote(text)
            + ": expected two hexadecimal numbers of 1 to 8 digits separated by '/',"
            + " such as 16/B374D848");
  }

  /**
   * Returns the position at the start of segment {@code segmentNumber} plus {@code offset} bytes.
   *
   * @throws IllegalArgumentException if the segment number does not exist for this segment size or
   *     the offset is not within a segment
   */
  public static Lsn ofSegment(long segmentNumber, long offset, WalSegmentSize segmentSize) {
    requireNonNull(segmentSize, "segmentSize is null");
    if (segmentNumber < 0 || Long.compareUnsigned(segmentNumber, segmentSize.segmentCount()) >= 0) {
      throw new IllegalArgumentException(
          "invalid segment number "
              + Long.toUnsignedString(segmentNumber)
              + " for segment size "
              + segmentSize.bytes()
              + ": expected 0 to "
              + (segmentSize.segmentCount() - 1));
    }
    if (offset < 0 || offset >= segmentSize.bytes()) {
      throw new IllegalArgumentException(
          "invalid segment offset "
              + offset
              + ": expected 0 to "
              + (segmentSize.bytes() - 1)
              + " for segment size "
              + segmentSize.bytes());
    }
    return of(segmentNumber << segmentSize.shift() | offset);
  }

  /** Returns the raw value; read it as unsigned ({@link Long#toUnsignedString(long)}). */
  public long value() {
    return value;
  }

  /**
   * Returns this position moved by {@code bytes} (which may be negative).
   *
   * @throws ArithmeticException if the result would leave the range 0/0 to FFFFFFFF/FFFFFFFF
   */
  public Lsn plus(long bytes) {
    long result = value + bytes;
    if (bytes >= 0
        ? Long.compareUnsigned(result, value) < 0
        : Long.compareUnsigned(result, value) > 0) {
      throw new ArithmeticException(
          "LSN " + this + (bytes >= 0 ? " + " : " - ") + Math.abs(bytes) + " is out of range");
    }
    return of(result);
  }

  /**
   * Returns the signed number of bytes from {@code other} to this position ({@code this - other}),
   * like PostgreSQL's {@code pg_wal_lsn_diff(this, other)}.
   *
   * @throws ArithmeticException if the difference does not fit in a {@code long} (positions more
   *     than 2^63 - 1 bytes apart)
   */
  public long minus(Lsn other) {
    requireNonNull(other, "other is null");
    long difference = value - other.value;
    boolean fits = Long.compareUnsigned(value, other.value) >= 0 ? difference >= 0 : difference < 0;
    if (!fits) {
      throw new ArithmeticException(
          "the difference " + this + " - " + other + " does not fit in a signed 64-bit number");
    }
    return difference;
  }

  /**
   * Returns the number of the segment that holds the byte at this position (PostgreSQL's {@code
   * XLByteToSeg}).
   */
  public long segmentNumber(WalSegmentSize segmentSize) {
    requireNonNull(segmentSize, "segmentSize is null");
    return value >>> segmentSize.shift();
  }

  /** Returns the byte offset of this position within its segment. */
  public long segmentOffset(WalSegmentSize segmentSize) {
    requireNonNull(segmentSize, "segmentSize is null");
    return value & (segmentSize.bytes() - 1);
  }

  /** Compares positions as unsigned 64-bit numbers. */
  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Lsn && ((Lsn) other).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  /**
   * Returns the position as PostgreSQL prints it: the high and low 32 bits in uppercase hex without
   * leading zeros, separated by {@code /} ({@code 16/B374D848}).
   */
  @Override
  public String toString() {
    return Long.toHexString(value >>> 32).toUpperCase(java.util.Locale.ROOT)
        + "/"
        + Long.toHexString(value & 0xFFFF_FFFFL).toUpperCase(java.util.Locale.ROOT);
  }
}
