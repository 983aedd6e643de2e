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
}
