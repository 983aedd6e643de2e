package dev.walarchive.core.backup;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.Lsn;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The name of a base backup pushed by walarchive: {@code base_<start time>_<start LSN>}, for
 * example {@code base_20261201T183012Z_0000000002000028}.
 *
 * <p>The start time is UTC, to the second ({@code yyyyMMdd'T'HHmmss'Z'}), taken when {@code
 * pg_backup_start} returned; the start LSN is the backup's start WAL location as 16 uppercase
 * hexadecimal digits. Names therefore sort by start time (never by LSN, which after a point-in-time
 * restore can go backwards), and two backups of one cluster never share a name.
 *
 * @param startTime when the backup started, whole seconds, years 1970 to 9999
 * @param startLsn where the backup's WAL starts
 */
public record BackupName(Instant startTime, Lsn startLsn) implements Comparable<BackupName> {
  /** The prefix every backup name starts with. */
  private static final String PREFIX = "base_";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final int LENGTH = PREFIX.length() + 16 + 1 + 16;
  private static final Instant MAX = Instant.parse("9999-12-31T23:59:59Z");

  public BackupName {
    requireNonNull(startTime, "startTime is null");
    requireNonNull(startLsn, "startLsn is null");
    if (startTime.getNano() != 0) {
      throw new IllegalArgumentException(
          "backup start time " + startTime + " must be whole seconds; truncate it");
    }
    if (startTime.isBefore(Instant.EPOCH) || startTime.isAfter(MAX)) {
      throw new IllegalArgumentException(
          "backup start time " + startTime + " is outside the years 1970 to 9999");
    }
  }

  /** The name for a backup that started at {@code startTime} (truncated to seconds). */
  public static BackupName of(Instant startTime, Lsn startLsn) {
    requireNonNull(startTime, "startTime is null");
    return new BackupName(startTime.truncatedTo(ChronoUnit.SECONDS), startLsn);
  }

  /**
   * Parses a backup name.
   *
   * @throws IllegalArgumentException naming the text if it is not a backup name
   */
  public static BackupName parse(String text) {
    requireNonNull(text, "text is null");
    if (text.length() != LENGTH
        || !text.startsWith(PREFIX)
        || text.charAt(PREFIX.length() + 16) != '_') {
      throw invalid(text);
    }
    String time = text.substring(PREFIX.length(), PREFIX.length() + 16);
    String lsn = text.substring(PREFIX.length() + 17);
    long value = 0;
    for (int i = 0; i < lsn.length(); i++) {
      char c = lsn.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
        throw invalid(text);
      }
      value = (value << 4) | Character.digit(c, 16);
    }
    for (int i = 0; i < time.length(); i++) {
      char c = time.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      if (i == 8 ? c != 'T' : i == 15 ? c != 'Z' : !digit) {
        throw invalid(text);
      }
    }
    Instant start;
    try {
      start = LocalDateTime.parse(time, TIME).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw invalid(text);
    }
    try {
      return new BackupName(start, Lsn.of(value));
    } catch (IllegalArgumentException e) {
      throw invalid(text);
    }
  }

  /** Whether {@code text} is a valid backup name. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static IllegalArgumentException invalid(String text) {
    String shown = text.length() > 80 ? text.substring(0, 77) + "..." : text;
    return new IllegalArgumentException(
        "'" + shown + "' is not a base backup name (like base_20261201T183012Z_0000000002000028)");
  }

  /** Orders by start time, then start LSN (the same order as the names' text). */
  @Override
  public int compareTo(BackupName other) {
    int c = startTime.compareTo(other.startTime);
    return c != 0 ? c : startLsn.compareTo(other.startLsn);
  }

  @Override
  public String toString() {
    return PREFIX
        + TIME.format(startTime)
        + "_"
        + String.format(Locale.ROOT, "%016X", startLsn.value());
  }
}
