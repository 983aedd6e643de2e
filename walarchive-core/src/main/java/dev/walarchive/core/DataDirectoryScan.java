package dev.walarchive.core;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a PostgreSQL data directory for a base backup with PostgreSQL 15's own exclusion rules
 * ({@code src/backend/backup/basebackup.c}: {@code excludeDirContents}, {@code excludeFiles},
 * temporary files, unlogged and temporary relations), following the tablespace links in {@code
 * pg_tblspc}.
 */
final class DataDirectoryScan {
  private static final Logger log = LoggerFactory.getLogger(DataDirectoryScan.class);

  static final String PG_CONTROL = "global/pg_control";

  private static final String TEMP_PREFIX = "pgsql_tmp";
  private static final Set<String> EXCLUDE_DIR_CONTENTS =
      Set.of(
          "pg_stat_tmp",
          "pg_replslot",
          "pg_dynshmem",
          "pg_notify",
          "pg_serial",
          "pg_snapshots",
          "pg_subtrans");
  private static final Set<String> EXCLUDE_FILES =
      Set.of(
          "postgresql.auto.conf.tmp",
          "current_logfiles.tmp",
          "backup_label",
          "tablespace_map",
          "backup_manifest",
          "postmaster.pid",
          "postmaster.opts");
  private static final String RELCACHE_INIT_PREFIX = "pg_internal.init";

  /** A directory to record. */
  record Dir(String path, int mode, Instant modified) {}

  /** A regular file to copy: its path in the backup, where it is, its size when listed. */
  record Entry(String path, Path file, long size, int mode, Instant modified) {}

  /** What a scan found. */
  record Result(
      List<Dir> directories,
      List<Entry> files,
      Entry pgControl,
      SortedMap<Long, String> tablespaces) {}

  private final Path dataDirectory;
  private final String tablespaceVersionDirectory;
  private final List<Dir> dirs = new ArrayList<>();
  private final List<Entry> files = new ArrayList<>();
  private final SortedMap<Long, String> tablespaces = new TreeMap<>();
  private Entry pgControl;

  private DataDirectoryScan(Path dataDirectory, String tablespaceVersionDirectory) {
    this.dataDirectory = dataDirectory;
    this.tablespaceVersionDirectory = tablespaceVersionDirectory;
  }

  /**
   * Scans {@code dataDirectory}.
   *
   * @param tablespaceVersionDirectory {@code PG_<major>_<catalog version>}: the directory of each
   *     tablespace that belongs to this server version (the only one backed up)
   */
  static Result scan(Path dataDirectory, String tablespaceVersionDirectory) throws IOException {
    DataDirectoryScan s = new DataDirectoryScan(dataDirectory, tablespaceVersionDirectory);
    if (!Files.isDirectory(dataDirectory)
        || !Files.isRegularFile(dataDirectory.resolve("PG_VERSION"))) {
      throw new NoSuchFileException(
          dataDirectory.toString(), null, "not a PostgreSQL data directory (no PG_VERSION)");
    }
    s.walk(dataDirectory, "");
    if (s.pgControl == null) {
      throw new NoSuchFileException(
          dataDirectory.resolve(PG_CONTROL).toString(),
          null,
          "no pg_control in the data directory");
    }
    s.dirs.sort((a, b) -> a.path().compareTo(b.path()));
    s.files.sort((a, b) -> a.path().compareTo(b.path()));
    return new Result(List.copyOf(s.dirs), List.copyOf(s.files), s.pgControl, s.tablespaces);
  }

  private void walk(Path dir, String rel) throws IOException {
    boolean dbDir = isDatabaseDirectory(rel);
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(children::add);
    } catch (NoSuchFileException e) {
      return; // vanished while scanning (a dropped database)
    }
    for (Path child : children) {
      String name = child.getFileName().toString();
      String path = rel.isEmpty() ? name : rel + "/" + name;
      if (name.startsWith(TEMP_PREFIX) || name.equals(".DS_Store")) {
        continue;
      }
      if (EXCLUDE_FILES.contains(name) || name.startsWith(RELCACHE_INIT_PREFIX)) {
        continue;
      }
      if (dbDir && isExcludedRelationFile(dir, name)) {
        continue;
      }
      if (path.equals(PG_CONTROL)) {
        PosixFileAttributes a = attributes(child);
        if (a == null || !a.isRegularFile()) {
          throw new NoSuchFileException(child.toString(), null, "pg_control is missing");
        }
        pgControl = new Entry(path, child, a.size(), mode(a), a.lastModifiedTime().toInstant());
        continue;
      }
      PosixFileAttributes a = attributes(child);
      if (a == null) {
        continue; // went away while scanning
      }
      if (EXCLUDE_DIR_CONTENTS.contains(name)) {
        addDirectory(path, a);
        continue;
      }
      if (path.equals("pg_wal")) {
        addDirectory(path, a);
        addDirectory(path + "/archive_status", a);
        continue;
      }
      if (rel.equals("pg_tblspc") && a.isSymbolicLink()) {
        addTablespace(child, name);
        continue;
      }
      if (a.isDirectory()) {
        addDirectory(path, a);
        walk(child, path);
      } else if (a.isRegularFile()) {
        files.add(new Entry(path, child, a.size(), mode(a), a.lastModifiedTime().toInstant()));
      } else {
        log.warn("skipping special file {}", child);
      }
    }
  }

  private void addTablespace(Path link, String name) throws IOException {
    long oid = parseOid(name);
    if (oid == 0) {
      log.warn("skipping {}: not a tablespace link (its name is not an OID)", link);
      return;
    }
    Path target = Files.readSymbolicLink(link);
    Path location = link.getParent().resolve(target);
    tablespaces.put(oid, target.toString());
    Path version = location.resolve(tablespaceVersionDirectory);
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(version, PosixFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          version.toString(),
          null,
          "tablespace " + oid + " has no directory " + tablespaceVersionDirectory);
    }
    String path = "pg_tblspc/" + oid + "/" + tablespaceVersionDirectory;
    addDirectory(path, a);
    walk(version, path);
  }

  private static long parseOid(String name) {
    if (name.isEmpty() || name.length() > 10 || !name.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    long v = Long.parseLong(name);
    return v > 0xFFFFFFFFL ? 0 : v;
  }

  private void addDirectory(String path, PosixFileAttributes a) {
    // a symbolic link recorded as a directory (pg_wal, excluded directories) gets a directory's
    // mode
    int mode = a.isDirectory() ? mode(a) : 0700;
    dirs.add(new Dir(path, mode, a.lastModifiedTime().toInstant()));
  }

  /** {@code base/<oid>} or {@code pg_tblspc/<oid>/PG_.../<oid>}. */
  private boolean isDatabaseDirectory(String rel) {
    int slash = rel.lastIndexOf('/');
    if (slash < 0) {
      return false;
    }
    String last = rel.substring(slash + 1);
    if (last.isEmpty() || !last.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return false;
    }
    String parent = rel.substring(0, slash);
    return parent.equals("base") || parent.endsWith("/" + tablespaceVersionDirectory);
  }

  /** Unlogged relations' forks other than the init fork, and temporary relations. */
  static boolean isExcludedRelationFile(Path dir, String name) {
    if (looksLikeTempRelation(name)) {
      return true;
    }
    int oidChars = relationOidChars(name);
    if (oidChars <= 0 || name.startsWith("_init", oidChars)) {
      return false;
    }
    return Files.exists(
        dir.resolve(name.substring(0, oidChars) + "_init"), LinkOption.NOFOLLOW_LINKS);
  }

  /** Digits, then optionally {@code _fsm|_vm|_init}, then optionally {@code .<digits>}. */
  static int relationOidChars(String name) {
    int i = digits(name, 0);
    if (i == 0 || i > 10) {
      return -1;
    }
    int j = fork(name, i);
    j = segment(name, j);
    return j == name.length() ? i : -1;
  }

  static boolean looksLikeTempRelation(String name) {
    if (!name.startsWith("t")) {
      return false;
    }
    int i = digits(name, 1);
    if (i == 1 || i >= name.length() || name.charAt(i) != '_') {
      return false;
    }
    int j = digits(name, i + 1);
    if (j == i + 1) {
      return false;
    }
    j = fork(name, j);
    j = segment(name, j);
    return j == name.length();
  }

  private static int digits(String s, int from) {
    int i = from;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  private static int fork(String s, int at) {
    for (String f : new String[] {"_fsm", "_vm", "_init"}) {
      if (s.startsWith(f, at)) {
        return at + f.length();
      }
    }
    return at;
  }

  private static int segment(String s, int at) {
    if (at < s.length() && s.charAt(at) == '.') {
      int j = digits(s, at + 1);
      return j > at + 1 ? j : at;
    }
    return at;
  }

  private static PosixFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static int mode(PosixFileAttributes a) {
    int mode = 0;
    for (var p : a.permissions()) {
      mode |= 1 << (8 - p.ordinal());
    }
    return mode;
  }
}
