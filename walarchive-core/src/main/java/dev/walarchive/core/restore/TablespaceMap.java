package dev.walarchive.core.restore;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The content of a base backup's {@code tablespace_map} file: for each tablespace, its OID and the
 * directory {@code pg_tblspc/OID} links to. PostgreSQL writes one line per tablespace, {@code OID
 * PATH}, with a backslash before every backslash, line feed and carriage return of the path, and
 * recreates the links from it at the start of recovery.
 */
final class TablespaceMap {
  private final Map<Long, String> paths;

  private TablespaceMap(Map<Long, String> paths) {
    this.paths = Collections.unmodifiableMap(new LinkedHashMap<>(paths));
  }

  /**
   * A map of the given tablespaces.
   *
   * @throws IllegalArgumentException if an OID is not from 1 to 2^32-1 or a path is not absolute
   */
  public static TablespaceMap of(Map<Long, String> paths) {
    requireNonNull(paths, "paths is null");
    paths.forEach(TablespaceMap::check);
    return new TablespaceMap(paths);
  }

  private static void check(Long oid, String path) {
    requireNonNull(oid, "oid is null");
    requireNonNull(path, "path is null");
    if (oid < 1 || oid > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("invalid tablespace OID " + oid);
    }
    if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "tablespace " + oid + " has path '" + path + "', which is not absolute");
    }
  }

  /**
   * Parses a {@code tablespace_map} file as PostgreSQL's {@code read_tablespace_map} does.
   *
   * @throws IllegalArgumentException naming the line if one is not {@code OID PATH} with an
   *     absolute path, or an OID appears twice
   */
  public static TablespaceMap parse(String content) {
    requireNonNull(content, "content is null");
    Map<Long, String> paths = new LinkedHashMap<>();
    StringBuilder line = new StringBuilder();
    boolean backslash = false;
    int lineNumber = 1;
    for (int i = 0; i <= content.length(); i++) {
      char c = i < content.length() ? content.charAt(i) : '\n';
      if (!backslash && (c == '\n' || c == '\r')) {
        if (line.length() > 0) {
          addLine(paths, line.toString(), lineNumber);
          line.setLength(0);
        }
        if (c == '\n') {
          lineNumber++;
        }
      } else if (!backslash && c == '\\') {
        backslash = true;
      } else {
        line.append(c);
        backslash = false;
      }
    }
    return new TablespaceMap(paths);
  }

  private static void addLine(Map<Long, String> paths, String line, int lineNumber) {
    int space = line.indexOf(' ');
    String oidText = space < 0 ? line : line.substring(0, space);
    if (space < 1 || !oidText.matches("[0-9]{1,10}")) {
      throw new IllegalArgumentException(
          "invalid tablespace_map line " + lineNumber + ": expected 'OID PATH'");
    }
    long oid = Long.parseLong(oidText);
    String path = line.substring(space + 1);
    try {
      check(oid, path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid tablespace_map line " + lineNumber + ": " + e.getMessage());
    }
    if (paths.put(oid, path) != null) {
      throw new IllegalArgumentException(
          "invalid tablespace_map line " + lineNumber + ": tablespace " + oid + " appears twice");
    }
  }

  /** Returns the path of each tablespace, by OID, in file order. */
  public Map<Long, String> paths() {
    return paths;
  }

  /**
   * Returns this map with some tablespaces moved.
   *
   * @param moves new directories by OID; each OID must be in this map
   * @throws IllegalArgumentException if an OID is not in this map or a directory is not absolute
   */
  public TablespaceMap remap(Map<Long, Path> moves) {
    requireNonNull(moves, "moves is null");
    Map<Long, String> result = new LinkedHashMap<>(paths);
    moves.forEach(
        (oid, dir) -> {
          requireNonNull(dir, "dir is null");
          if (!paths.containsKey(oid)) {
            throw new IllegalArgumentException(
                "the backup has no tablespace with OID "
                    + oid
                    + (paths.isEmpty()
                        ? " (it has no tablespaces)"
                        : " (its tablespaces are " + paths.keySet() + ")"));
          }
          if (!dir.isAbsolute()) {
            throw new IllegalArgumentException("tablespace directory " + dir + " is not absolute");
          }
          result.put(oid, dir.normalize().toString());
        });
    return new TablespaceMap(result);
  }

  /** Returns the file content, as PostgreSQL writes it. */
  public String toFileContent() {
    StringBuilder text = new StringBuilder();
    paths.forEach(
        (oid, path) -> {
          text.append(oid).append(' ');
          for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\' || c == '\n' || c == '\r') {
              text.append('\\');
            }
            text.append(c);
          }
          text.append('\n');
        });
    return text.toString();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TablespaceMap m && m.paths.equals(paths);
  }

  @Override
  public int hashCode() {
    return paths.hashCode();
  }

  /** Returns the OIDs and paths. */
  @Override
  public String toString() {
    return "TablespaceMap" + paths;
  }
}
