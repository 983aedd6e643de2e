package dev.walarchive.core.restore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.Lsn;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a point-in-time recovery stops: at the end of the archived WAL ({@link #latest()}), or at a
 * time, a WAL position, a named restore point or a transaction, as PostgreSQL's {@code
 * recovery_target_*} settings say. Immutable; made by the static factories, which validate.
 *
 * <p>Only a time or a position tells which base backup can reach the target (one that finished
 * before it); for a restore point or a transaction the newest backup is chosen unless one is named.
 */
public final class RecoveryTarget {
  /** What kind of target this is. */
  public enum Kind {
    /** No target: replay all archived WAL (of the target timeline). */
    LATEST,
    /** {@code recovery_target_time}. */
    TIME,
    /** {@code recovery_target_lsn}. */
    LSN,
    /** {@code recovery_target_name}: a restore point made with {@code pg_create_restore_point}. */
    NAME,
    /** {@code recovery_target_xid}. */
    XID
  }

  private static final RecoveryTarget LATEST = new RecoveryTarget(Kind.LATEST, null, null, null);
  private static final Pattern TIME =
      Pattern.compile(
          "([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]{1,6})?)?)"
              + " ?(Z|UTC|[+-][0-9]{2}(?::?[0-9]{2})?)");
  private static final Pattern XID = Pattern.compile("[0-9]{1,20}");
  private static final BigInteger MAX_XID = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final DateTimeFormatter POSTGRES_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  private final Kind kind;
  private final Instant time;
  private final Lsn lsn;
  private final String text;

  private RecoveryTarget(Kind kind, Instant time, Lsn lsn, String text) {
    this.kind = kind;
    this.time = time;
    this.lsn = lsn;
    this.text = text;
  }

  /** No target: recovery replays every archived WAL file of the target timeline. */
  public static RecoveryTarget latest() {
    return LATEST;
  }

  /**
   * Stop at the first transaction that committed after {@code time} (PostgreSQL's {@code
   * recovery_target_time}, inclusive by default).
   *
   * @throws IllegalArgumentException if {@code time} has a finer precision than microseconds
   *     (PostgreSQL's), or is before the year 1 or after 9999
   */
  public static RecoveryTarget time(Instant time) {
    requireNonNull(time, "time is null");
    if (!time.truncatedTo(ChronoUnit.MICROS).equals(time)) {
      throw new IllegalArgumentException(
          "recovery target time " + time + " is more precise than PostgreSQL's microseconds");
    }
    int year = time.atOffset(ZoneOffset.UTC).getYear();
    if (year < 1 || year > 9999) {
      throw new IllegalArgumentException(
          "recovery target time " + time + " is outside the years 1 to 9999");
    }
    return new RecoveryTarget(Kind.TIME, time, null, null);
  }

  /** Stop at WAL position {@code lsn} ({@code recovery_target_lsn}). */
  public static RecoveryTarget lsn(Lsn lsn) {
    requireNonNull(lsn, "lsn is null");
    return new RecoveryTarget(Kind.LSN, null, lsn, null);
  }

  /**
   * Stop at the restore point {@code name} ({@code recovery_target_name}).
   *
   * @throws IllegalArgumentException if the name is empty, longer than 63 bytes in UTF-8
   *     (PostgreSQL's limit), or holds a control character
   */
  public static RecoveryTarget name(String name) {
    requireNonNull(name, "name is null");
    if (name.isEmpty() || name.getBytes(UTF_8).length > 63) {
      throw new IllegalArgumentException(
          "restore point name '" + name + "' must have 1 to 63 bytes");
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw new IllegalArgumentException(
            "restore point name must not hold control characters (character " + (i + 1) + ")");
      }
    }
    return new RecoveryTarget(Kind.NAME, null, null, name);
  }

  /**
   * Stop at transaction {@code xid} ({@code recovery_target_xid}): a decimal transaction id, plain
   * (32 bits) or with its epoch ({@code txid_current()}, 64 bits).
   *
   * @throws IllegalArgumentException if {@code xid} is not a decimal number from 3 (the first
   *     normal transaction id) to 2^64-1
   */
  public static RecoveryTarget xid(String xid) {
    requireNonNull(xid, "xid is null");
    if (!XID.matcher(xid).matches()
        || new BigInteger(xid).compareTo(BigInteger.valueOf(3)) < 0
        || new BigInteger(xid).compareTo(MAX_XID) > 0) {
      throw new IllegalArgumentException(
          "invalid transaction id '"
              + xid
              + "': expected a decimal number from 3 to 18446744073709551615");
    }
    return new RecoveryTarget(Kind.XID, null, null, new BigInteger(xid).toString());
  }

  /**
   * Parses a time with an explicit zone, as PostgreSQL prints {@code timestamptz} or in ISO 8601:
   * {@code 2026-12-01 18:30:00+00}, {@code 2026-12-01 18:30:00.123456+01:00}, {@code
   * 2026-12-01T18:30:00Z}, {@code 2026-12-01 18:30 UTC}. A time without a zone is refused: the zone
   * of the host that restores need not be the one meant.
   *
   * @throws IllegalArgumentException naming the text if it is not such a time
   */
  public static Instant parseTime(String text) {
    requireNonNull(text, "text is null");
    Matcher m = TIME.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid time '"
              + text
              + "': expected a date, a time and a zone, such as '2026-12-01 18:30:00+00' or"
              + " '2026-12-01T18:30:00.5Z'");
    }
    String clock = m.group(2).length() == 5 ? m.group(2) + ":00" : m.group(2);
    String zone = m.group(3);
    try {
      ZoneOffset offset;
      if (zone.equals("Z") || zone.equals("UTC")) {
        offset = ZoneOffset.UTC;
      } else {
        String digits = zone.substring(1).replace(":", "");
        int hours = Integer.parseInt(digits.substring(0, 2));
        int minutes = digits.length() > 2 ? Integer.parseInt(digits.substring(2)) : 0;
        int sign = zone.charAt(0) == '-' ? -1 : 1;
        offset = ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
      }
      return LocalDateTime.parse(m.group(1) + "T" + clock).toInstant(offset);
    } catch (DateTimeException | NumberFormatException e) {
      throw new IllegalArgumentException("invalid time '" + text + "': " + e.getMessage());
    }
  }

  /** Returns the kind of target. */
  public Kind kind() {
    return kind;
  }

  /** Returns the target time, for {@link Kind#TIME}. */
  public Optional<Instant> time() {
    return Optional.ofNullable(time);
  }

  /** Returns the target position, for {@link Kind#LSN}. */
  public Optional<Lsn> lsn() {
    return Optional.ofNullable(lsn);
  }

  /**
   * Returns the restore point's name ({@link Kind#NAME}) or the transaction id ({@link Kind#XID}).
   */
  public Optional<String> text() {
    return Optional.ofNullable(text);
  }

  /**
   * Returns the PostgreSQL settings for this target, in order: none for {@link #latest()}, else the
   * one {@code recovery_target_*} setting and its value (unquoted), such as {@code
   * recovery_target_time} = {@code 2026-12-01 18:30:00.000000+00}.
   */
  public Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    switch (kind) {
      case LATEST -> {}
      case TIME -> s.put("recovery_target_time", POSTGRES_TIME.format(time) + "+00");
      case LSN -> s.put("recovery_target_lsn", lsn.toString());
      case NAME -> s.put("recovery_target_name", text);
      case XID -> s.put("recovery_target_xid", text);
    }
    return s;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RecoveryTarget t
        && t.kind == kind
        && java.util.Objects.equals(t.time, time)
        && java.util.Objects.equals(t.lsn, lsn)
        && java.util.Objects.equals(t.text, text);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(kind, time, lsn, text);
  }

  /** Returns a description such as {@code time 2026-12-01T18:30:00Z} or {@code latest}. */
  @Override
  public String toString() {
    return switch (kind) {
      case LATEST -> "latest";
      case TIME -> "time " + time;
      case LSN -> "lsn " + lsn;
      case NAME -> "restore point '" + text + "'";
      case XID -> "transaction " + text;
    };
  }
}
