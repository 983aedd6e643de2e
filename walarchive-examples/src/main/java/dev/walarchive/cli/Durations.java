package dev.walarchive.cli;

import dev.walarchive.core.storage.OptionValues;
import java.time.Duration;

/**
 * Durations as the CLI reads them: as everywhere in walarchive ({@link OptionValues}), {@code
 * 500ms}, {@code 90s}, {@code 30m}, {@code 6h}, {@code 7d}, {@code 1w} or ISO-8601 ({@code PT1H}).
 */
final class Durations {
  private Durations() {}

  /**
   * The positive duration {@code text} (spaces around it, as shell quoting may leave, are dropped),
   * or a configuration error naming {@code option}.
   */
  static Duration parse(String text, String option) throws CliException {
    try {
      return OptionValues.parseDuration(option, text.strip());
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  static String format(Duration d) {
    long s = d.getSeconds();
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
}
