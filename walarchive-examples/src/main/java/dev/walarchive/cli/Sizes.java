package dev.walarchive.cli;

import java.util.Locale;

/** Byte counts as the CLI prints them to people. */
final class Sizes {
  private Sizes() {}

  /**
   * {@code n} bytes, from 1 KiB in the largest binary unit with one decimal: {@code 512 bytes},
   * {@code 746.4 KiB}, {@code 3.0 MiB}, {@code 1.2 GiB}.
   */
  static String approximate(long n) {
    if (n < 1024) {
      return n + " bytes";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f", value) + " " + units[unit];
  }

  /**
   * {@code n} bytes exactly and, from 1 KiB, {@link #approximate}: {@code 3145728 bytes (3.0 MiB)}.
   */
  static String exactAndApproximate(long n) {
    return n < 1024 ? n + " bytes" : n + " bytes (" + approximate(n) + ")";
  }
}
