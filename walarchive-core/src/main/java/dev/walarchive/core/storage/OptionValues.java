package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way walarchive writes durations, sizes and booleans: in storage options, URL parameters,
 * properties files, environment variables, CLI flags ({@code --max-age}, {@code --timeout}) and
 * retention policies ({@code window=}).
 *
 * <ul>
 *   <li>Durations: a positive whole number with a unit, {@code ms}, {@code s}, {@code m} (minutes),
 *       {@code h}, {@code d} (24 hours) or {@code w} (7 days), such as {@code 500ms}, {@code 30s},
 *       {@code 5m}, {@code 2h}, {@code 1d}, {@code 1w}; or an ISO-8601 duration such as {@code
 *       PT30S}, {@code PT2M30S} or {@code P7D} (what {@link Duration#toString()} prints). There are
 *       no months or years (their length varies).
 *   <li>Sizes: a whole number of bytes, optionally with a binary unit: {@code B}, {@code k} or
 *       {@code KiB} (1024), {@code m} or {@code MiB} (1024²), {@code g} or {@code GiB} (1024³),
 *       such as {@code 1048576}, {@code 512k}, {@code 16MiB}, {@code 1G}. Decimal units ({@code
 *       16MB} could mean either) and fractions ({@code 1.5GiB}) are refused.
 *   <li>Booleans: {@code true}/{@code false}, {@code yes}/{@code no}, {@code on}/{@code off} (as
 *       PostgreSQL writes them).
 * </ul>
 *
 * <p>Units and words may be in any case. A space, inside the value ({@code 16 MiB}) or around it,
 * is refused (readers that trim, such as the properties file, do so before). The parsers throw an
 * {@link IllegalArgumentException} that names what was being read, shows the value and says what
 * would be valid; because the value is shown, never pass a secret to them.
 */
public final class OptionValues {
  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h|d|w)");
  private static final Pattern SIZE = Pattern.compile("([0-9]+)(|b|k|kib|m|mib|g|gib)");

  static final String DURATION_EXPECTED =
      "expected a whole number with ms, s, m, h, d or w (such as 500ms, 30s, 5m, 2h, 1d, 1w)"
          + " or an ISO-8601 duration (such as PT30S)";
  static final String SIZE_EXPECTED =
      "expected a whole number of bytes, optionally with a binary unit k/KiB, m/MiB or g/GiB"
          + " (such as 512k or 16MiB)";
  static final String BOOLEAN_EXPECTED = "expected true or false (or yes/no, on/off)";

  private OptionValues() {}

  /**
   * Parses a positive duration (see the class description).
   *
   * @param what what is being read, for the message: an option ({@code s3.api-timeout}), a flag
   *     ({@code --max-age}) or a description ({@code recovery window})
   * @param value the text; shown in the message, so never a secret
   * @throws IllegalArgumentException naming {@code what} and the value if it is not such a
   *     duration, is not positive, or is too large
   */
  public static Duration parseDuration(String what, String value) {
    requireNonNull(what, "what is null");
    requireNonNull(value, () -> what + " is null");
    String text = value;
    Duration d;
    try {
      Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        d =
            switch (m.group(2)) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              case "d" -> Duration.ofDays(n);
              default -> Duration.ofDays(Math.multiplyExact(n, 7));
            };
      } else if (text.startsWith("P") || text.startsWith("p")) {
        d = Duration.parse(text);
      } else {
        throw invalid(what, value, DURATION_EXPECTED);
      }
    } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
      throw invalid(what, value, "too large or not a duration; " + DURATION_EXPECTED);
    }
    if (d.isNegative() || d.isZero()) {
      throw invalid(what, value, "must be longer than zero");
    }
    return d;
  }

  /**
   * Writes a positive duration so that {@link #parseDuration} reads it back: in the largest unit of
   * {@code d}, {@code h}, {@code m}, {@code s} and {@code ms} that divides it ({@code 7d}, {@code
   * 36h}, {@code 1500ms}), else in ISO-8601 ({@code PT0.000001S}).
   */
  public static String formatDuration(Duration duration) {
    requireNonNull(duration, "duration is null");
    if (duration.getNano() % 1_000_000 == 0 && !duration.isNegative()) {
      long seconds = duration.getSeconds();
      if (duration.getNano() != 0) {
        try {
          return duration.toMillis() + "ms";
        } catch (ArithmeticException e) {
          return duration.toString();
        }
      }
      if (seconds % 86_400 == 0) {
        return seconds / 86_400 + "d";
      }
      if (seconds % 3_600 == 0) {
        return seconds / 3_600 + "h";
      }
      if (seconds % 60 == 0) {
        return seconds / 60 + "m";
      }
      return seconds + "s";
    }
    return duration.toString();
  }

  /**
   * Writes a duration for a message, rounded down to a whole number of the largest unit that keeps
   * it readable: seconds below two minutes, minutes below two hours, hours below two days, else
   * days ({@code 90s}, {@code 45m}, {@code 36h}, {@code 12d}). {@link #parseDuration} reads it
   * (once it is positive), but as an approximation: {@link #formatDuration} is the exact form.
   */
  public static String formatRounded(Duration duration) {
    requireNonNull(duration, "duration is null");
    long s = duration.getSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return (s / 60) + "m";
    }
    if (s < 172800) {
      return (s / 3600) + "h";
    }
    return (s / 86400) + "d";
  }

  /**
   * Parses a size in bytes (see the class description).
   *
   * @param what what is being read, for the message
   * @param value the text; shown in the message, so never a secret
   * @return the number of bytes, zero or more
   * @throws IllegalArgumentException naming {@code what} and the value if it is not such a size or
   *     does not fit in a {@code long}
   */
  public static long parseSize(String what, String value) {
    requireNonNull(what, "what is null");
    requireNonNull(value, () -> what + " is null");
    Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw invalid(what, value, SIZE_EXPECTED);
    }
    int shift =
        switch (m.group(2)) {
          case "k", "kib" -> 10;
          case "m", "mib" -> 20;
          case "g", "gib" -> 30;
          default -> 0;
        };
    try {
      long n = Long.parseLong(m.group(1));
      if (n <= Long.MAX_VALUE >> shift) {
        return n << shift;
      }
    } catch (NumberFormatException e) {
      // too large: reported below
    }
    throw invalid(what, value, "too large");
  }

  /**
   * Writes a size so that {@link #parseSize} reads it back: in the largest of {@code GiB}, {@code
   * MiB} and {@code KiB} that divides it ({@code 16MiB}), else in bytes ({@code 1000}).
   *
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public static String formatSize(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("size " + bytes + " is negative");
    }
    if (bytes != 0 && bytes % (1L << 30) == 0) {
      return (bytes >> 30) + "GiB";
    }
    if (bytes != 0 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + "MiB";
    }
    if (bytes != 0 && bytes % (1L << 10) == 0) {
      return (bytes >> 10) + "KiB";
    }
    return Long.toString(bytes);
  }

  /**
   * Parses a boolean: {@code true}, {@code yes} or {@code on}; {@code false}, {@code no} or {@code
   * off}; any case. Nothing else ({@code 1}, {@code t}, {@code y}) is a boolean.
   *
   * @param what what is being read, for the message
   * @param value the text; shown in the message, so never a secret
   * @throws IllegalArgumentException naming {@code what} and the value otherwise
   */
  public static boolean parseBoolean(String what, String value) {
    requireNonNull(what, "what is null");
    requireNonNull(value, () -> what + " is null");
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> {
        return true;
      }
      case "false", "no", "off" -> {
        return false;
      }
      default -> throw invalid(what, value, BOOLEAN_EXPECTED);
    }
  }

  private static IllegalArgumentException invalid(String what, String value, String expected) {
    return new IllegalArgumentException("invalid " + what + " '" + value + "': " + expected);
  }
}
