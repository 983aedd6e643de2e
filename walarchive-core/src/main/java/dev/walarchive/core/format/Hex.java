package dev.walarchive.core.format;

/** Lowercase hexadecimal without separators. */
final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  static String encode(byte[] bytes) {
    char[] chars = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      chars[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
      chars[2 * i + 1] = DIGITS[bytes[i] & 0xf];
    }
    return new String(chars);
  }

  /** Decodes lowercase hex; returns null if the text is not even-length lowercase hex. */
  static byte[] decodeLowercase(String text) {
    if (text.length() % 2 != 0) {
      return null;
    }
    byte[] bytes = new byte[text.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      int hi = digit(text.charAt(2 * i));
      int lo = digit(text.charAt(2 * i + 1));
      if (hi < 0 || lo < 0) {
        return null;
      }
      bytes[i] = (byte) (hi << 4 | lo);
    }
    return bytes;
  }

  private static int digit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }
}
