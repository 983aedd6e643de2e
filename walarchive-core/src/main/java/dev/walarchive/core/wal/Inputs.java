package dev.walarchive.core.wal;

/** Helpers to name bad input in error messages without letting it forge log lines. */
final class Inputs {
  private static final int MAX_QUOTED = 120;

  private Inputs() {}

  /**
   * Quotes {@code text} for an error message: control characters and non-ASCII characters are
   * escaped as {@code \\uXXXX}, and very long input is cut.
   */
  static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 8).append('"');
    for (int i = 0; i < text.length() && i < MAX_QUOTED; i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
    if (text.length() > MAX_QUOTED) {
      out.append("... (").append(text.length()).append(" characters)");
    }
    return out.toString();
  }

  /** Whether {@code c} is an uppercase hexadecimal digit, as PostgreSQL writes file names. */
  static boolean isUpperHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
  }

  /** Whether {@code c} is a hexadecimal digit of either case. */
  static boolean isHex(char c) {
    return isUpperHex(c) || (c >= 'a' && c <= 'f');
  }

  /**
   * Parses {@code length} uppercase hex digits of {@code text} from {@code start} as an unsigned
   * 32-bit value, or returns -1 if any of them is not an uppercase hex digit.
   */
  static long upperHex32(String text, int start, int length) {
    long value = 0;
    for (int i = start; i < start + length; i++) {
      char c = text.charAt(i);
      if (!isUpperHex(c)) {
        return -1;
      }
      value = (value << 4) | Character.digit(c, 16);
    }
    return value;
  }
}
