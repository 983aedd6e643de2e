package dev.walarchive.core.backup;

/** Validation of paths recorded in a backup manifest. */
final class BackupPaths {
  private BackupPaths() {}

  /**
   * Checks a path relative to the data directory: {@code /}-separated, no empty, {@code .} or
   * {@code ..} segment, no leading or trailing {@code /}, no NUL, at most 4096 characters.
   */
  static String check(String path) {
    if (path == null) {
      throw new IllegalArgumentException("path is null");
    }
    if (path.isEmpty() || path.length() > 4096 || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("invalid backup path '" + shown(path) + "'");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "invalid backup path '"
                + shown(path)
                + "': it must be relative, without empty, '.' or '..' segments");
      }
    }
    return path;
  }

  /**
   * The tablespace OID of a path under {@code pg_tblspc/<oid>/}, or 0 for a path in the data
   * directory itself.
   */
  static long tablespaceOf(String path) {
    if (!path.startsWith("pg_tblspc/")) {
      return 0;
    }
    int end = path.indexOf('/', "pg_tblspc/".length());
    String oid = path.substring("pg_tblspc/".length(), end < 0 ? path.length() : end);
    return parseOid(oid);
  }

  static long parseOid(String oid) {
    if (oid.isEmpty() || oid.length() > 10 || !oid.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    long value = Long.parseLong(oid);
    return value > 0xFFFFFFFFL ? 0 : value;
  }

  static String shown(String text) {
    String t = text.length() > 200 ? text.substring(0, 197) + "..." : text;
    StringBuilder b = new StringBuilder();
    t.codePoints()
        .forEach(c -> b.append(c < 0x20 || c == 0x7f ? "?" : new String(Character.toChars(c))));
    return b.toString();
  }
}
