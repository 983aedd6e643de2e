package dev.walarchive.core.backup;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A transaction snapshot in PostgreSQL's text form ({@code pg_current_snapshot()}, {@code
 * xmin:xmax:xip,...}, 64-bit transaction ids with their epoch): every transaction below {@code
 * xmin} had ended, {@code xmax} and later had not started, and those in {@code xip} were running.
 */
record TransactionSnapshot(long xmin, long xmax, List<Long> xip) {
  private static final long EPOCH = 1L << 32;

  TransactionSnapshot {
    xip = List.copyOf(xip);
    if (Long.compareUnsigned(xmin, xmax) > 0) {
      throw new IllegalArgumentException("xmin " + xmin + " is after xmax " + xmax);
    }
    for (long x : xip) {
      if (Long.compareUnsigned(x, xmin) < 0 || Long.compareUnsigned(x, xmax) >= 0) {
        throw new IllegalArgumentException("running transaction " + x + " is outside xmin..xmax");
      }
    }
  }

  /**
   * Parses {@code xmin:xmax:xip,...} strictly (decimal numbers, the list possibly empty).
   *
   * @throws IllegalArgumentException naming the text if it is not such a snapshot
   */
  static TransactionSnapshot parse(String text) {
    String[] parts = text.split(":", -1);
    if (parts.length != 3) {
      throw invalid(text);
    }
    try {
      List<Long> xip = new ArrayList<>();
      if (!parts[2].isEmpty()) {
        for (String x : parts[2].split(",", -1)) {
          xip.add(number(x, text));
        }
      }
      return new TransactionSnapshot(number(parts[0], text), number(parts[1], text), xip);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + BackupPaths.shown(text) + "' is not a transaction snapshot: " + e.getMessage(), e);
    }
  }

  private static long number(String s, String text) {
    if (s.isEmpty()
        || s.length() > 20
        || !s.chars().allMatch(c -> c >= '0' && c <= '9')
        || (s.length() > 1 && s.charAt(0) == '0')) {
      throw invalid(text);
    }
    return Long.parseUnsignedLong(s);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "'" + BackupPaths.shown(text) + "' is not a snapshot like 100:104:100,102");
  }

  /**
   * Whether transaction {@code xid} had not ended at this snapshot: it is {@code xmax} or later, or
   * in {@code xip}. A 32-bit id is taken with the epoch that puts it nearest {@code xmax}.
   */
  boolean notEnded(BigInteger xid) {
    if (xid.signum() < 0 || xid.bitLength() > 64) {
      throw new IllegalArgumentException("transaction id " + xid + " is out of range");
    }
    long full = xid.longValue();
    if (xid.bitLength() <= 32 && Long.compareUnsigned(xmax, EPOCH) >= 0) {
      long candidate = (xmax & ~(EPOCH - 1)) | full;
      if (candidate - xmax > EPOCH / 2) {
        candidate -= EPOCH;
      } else if (xmax - candidate > EPOCH / 2) {
        candidate += EPOCH;
      }
      full = candidate;
    }
    return Long.compareUnsigned(full, xmax) >= 0 || xip.contains(full);
  }
}
