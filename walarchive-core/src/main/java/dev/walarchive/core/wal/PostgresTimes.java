package dev.walarchive.core.wal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the times PostgreSQL writes into backup history files: {@code pg_strftime("%Y-%m-%d
 * %H:%M:%S %Z")} in the server's {@code log_timezone}.
 */
final class PostgresTimes {
  private static final Pattern TIME =
      Pattern.compile("(\\d{4})-(\\d{2})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) (\\S+)");
  private static final Pattern NUMERIC_ZONE =
      Pattern.compile("([+-])(\\d{2})(?::?(\\d{2}))?(?::?(\\d{2}))?");

  /**
   * Abbreviations the tz database uses for exactly one offset today (ambiguous ones such as CST,
   * IST, AST or BST are left out on purpose: an empty answer beats a wrong one). Zones without an
   * abbreviation print a numeric offset, which is always understood.
   */
  private static final Map<String, Integer> ABBREVIATIONS =
      Map.ofEntries(
          Map.entry("UTC", 0),
          Map.entry("UCT", 0),
          Map.entry("GMT", 0),
          Map.entry("Z", 0),
          Map.entry("WET", 0),
          Map.entry("WEST", 60),
          Map.entry("CET", 60),
          Map.entry("CEST", 120),
          Map.entry("MET", 60),
          Map.entry("MEST", 120),
          Map.entry("EET", 120),
          Map.entry("EEST", 180),
          Map.entry("MSK", 180),
          Map.entry("SAST", 120),
          Map.entry("WAT", 60),
          Map.entry("CAT", 120),
          Map.entry("EAT", 180),
          Map.entry("PKT", 300),
          Map.entry("WIB", 420),
          Map.entry("WITA", 480),
          Map.entry("WIT", 540),
          Map.entry("HKT", 480),
          Map.entry("JST", 540),
          Map.entry("KST", 540),
          Map.entry("AWST", 480),
          Map.entry("ACST", 570),
          Map.entry("ACDT", 630),
          Map.entry("AEST", 600),
          Map.entry("AEDT", 660),
          Map.entry("NZST", 720),
          Map.entry("NZDT", 780),
          Map.entry("HST", -600),
          Map.entry("AKST", -540),
          Map.entry("AKDT", -480),
          Map.entry("PST", -480),
          Map.entry("PDT", -420),
          Map.entry("MST", -420),
          Map.entry("MDT", -360),
          Map.entry("CDT", -300),
          Map.entry("EST", -300),
          Map.entry("EDT", -240),
          Map.entry("ADT", -180),
          Map.entry("NST", -210),
          Map.entry("NDT", -150));

  private PostgresTimes() {}

  /** Returns the instant {@code text} denotes, or empty if its form or zone is not understood. */
  static Optional<Instant> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = TIME.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    Optional<ZoneOffset> offset = offset(m.group(7));
    if (offset.isEmpty()) {
      return Optional.empty();
    }
    try {
      LocalDateTime local =
          LocalDateTime.of(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)),
              Integer.parseInt(m.group(4)),
              Integer.parseInt(m.group(5)),
              Integer.parseInt(m.group(6)));
      return Optional.of(local.toInstant(offset.get()));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<ZoneOffset> offset(String zone) {
    Integer minutes = ABBREVIATIONS.get(zone);
    if (minutes != null) {
      return Optional.of(ZoneOffset.ofTotalSeconds(minutes * 60));
    }
    Matcher m = NUMERIC_ZONE.matcher(zone);
    if (!m.matches()) {
      return Optional.empty();
    }
    int hours = Integer.parseInt(m.group(2));
    int mins = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    int secs = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
    if (hours > 18 || mins > 59 || secs > 59) {
      return Optional.empty();
    }
    int total = hours * 3600 + mins * 60 + secs;
    if (m.group(1).equals("-")) {
      if (total == 0) {
        return Optional.empty(); // "-00": the tz database's "local time unknown"
      }
      total = -total;
    }
    try {
      return Optional.of(ZoneOffset.ofTotalSeconds(total));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }
}
