package dev.walarchive.core.format;

import static java.util.Objects.requireNonNull;

/**
 * How object bodies are compressed before they are encrypted: not at all, or with zstd at a given
 * level. The string form ({@link #toString()}, {@link #parse(String)}) is {@code none}, {@code
 * zstd} (default level) or {@code zstd:<level>}.
 *
 * @param algorithm the compression algorithm
 * @param level the zstd level, {@value #MIN_ZSTD_LEVEL} to {@value #MAX_ZSTD_LEVEL} except 0
 *     (negative levels trade ratio for speed); always 0 for {@link Algorithm#NONE}
 */
public record Compression(Algorithm algorithm, int level) {
  /** Compression algorithms an object body may use. */
  public enum Algorithm {
    /** The body is the plaintext itself. */
    NONE,
    /** The body is one zstd frame. */
    ZSTD
  }

  /**
   * The zstd level used by {@link #zstdDefault()}. Chosen from measurements on real WAL written by
   * pgbench: level 3 shrinks it about 13:1, 5% better than level 1 at about the same speed, while
   * levels 6 and 9 gain another 6 to 9% for three to five times the compression time (see the
   * object format section of the README).
   */
  public static final int DEFAULT_ZSTD_LEVEL = 3;

  /** Lowest (fastest) accepted zstd level. */
  public static final int MIN_ZSTD_LEVEL = -7;

  /** Highest (slowest, strongest) accepted zstd level. */
  public static final int MAX_ZSTD_LEVEL = 22;

  public Compression {
    requireNonNull(algorithm, "algorithm is null");
    if (algorithm == Algorithm.NONE && level != 0) {
      throw new IllegalArgumentException("level must be 0 without compression, got " + level);
    }
    if (algorithm == Algorithm.ZSTD
        && (level < MIN_ZSTD_LEVEL || level > MAX_ZSTD_LEVEL || level == 0)) {
      throw new IllegalArgumentException(
          "invalid zstd level "
              + level
              + ": expected 1 to "
              + MAX_ZSTD_LEVEL
              + ", or "
              + MIN_ZSTD_LEVEL
              + " to -1 for faster, weaker compression");
    }
  }

  /** No compression. */
  public static Compression none() {
    return new Compression(Algorithm.NONE, 0);
  }

  /**
   * zstd at the given level.
   *
   * @throws IllegalArgumentException if the level is 0 or outside {@value #MIN_ZSTD_LEVEL} to
   *     {@value #MAX_ZSTD_LEVEL}
   */
  public static Compression zstd(int level) {
    return new Compression(Algorithm.ZSTD, level);
  }

  /** zstd at {@value #DEFAULT_ZSTD_LEVEL}. */
  public static Compression zstdDefault() {
    return zstd(DEFAULT_ZSTD_LEVEL);
  }

  /**
   * Parses {@code none}, {@code zstd} or {@code zstd:<level>}, the form {@link #toString()} prints.
   *
   * @throws IllegalArgumentException naming the input if it is none of these
   */
  public static Compression parse(String text) {
    requireNonNull(text, "text is null");
    if (text.equals("none")) {
      return none();
    }
    if (text.equals("zstd")) {
      return zstdDefault();
    }
    if (text.startsWith("zstd:")) {
      String digits = text.substring("zstd:".length());
      if (digits.matches("-?[1-9][0-9]{0,2}")) {
        int level = Integer.parseInt(digits);
        if (level >= MIN_ZSTD_LEVEL && level <= MAX_ZSTD_LEVEL) {
          return zstd(level);
        }
      }
    }
    throw new IllegalArgumentException(
        "invalid compression '"
            + text
            + "': expected none, zstd or zstd:<level> with level 1 to "
            + MAX_ZSTD_LEVEL
            + " (or "
            + MIN_ZSTD_LEVEL
            + " to -1 for faster, weaker compression)");
  }

  /** {@code none} or {@code zstd:<level>}; {@link #parse(String)} reads it back. */
  @Override
  public String toString() {
    return algorithm == Algorithm.NONE ? "none" : "zstd:" + level;
  }
}
