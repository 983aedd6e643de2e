package dev.walarchive.core.backup;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a base backup holds: where its WAL starts and stops, the {@code backup_label} and {@code
 * tablespace_map} that {@code pg_backup_stop} returned, its tablespaces, and every directory and
 * file with size, mode, modification time, SHA-256 and where its bytes live.
 *
 * <p>Stored in the archive as the object {@code basebackups/<name>/manifest} (see {@code
 * docs/backup-format.md}); {@link #toText()} and {@link #parse(String)} are its exact text form,
 * and {@code parse(m.toText())} equals {@code m}.
 *
 * @param name the backup's name
 * @param systemIdentifier the cluster's system identifier (unsigned)
 * @param segmentSize the cluster's WAL segment size
 * @param serverVersion the server's {@code server_version_num}, such as 150018
 * @param label the label passed to {@code pg_backup_start}
 * @param startLsn the start WAL location ({@code START WAL LOCATION} of the backup label)
 * @param checkpointLsn the checkpoint the backup starts from ({@code CHECKPOINT LOCATION})
 * @param startTimeline the timeline at the start ({@code START TIMELINE})
 * @param startTime when the backup started
 * @param stopLsn the stop WAL location {@code pg_backup_stop} returned: the backup is consistent
 *     once recovery has replayed up to here
 * @param stopTimeline the timeline at the stop
 * @param stopTime when the backup stopped
 * @param backupLabel the {@code backup_label} content, to be written into the restored directory
 * @param tablespaceMap the {@code tablespace_map} content (empty without tablespaces)
 * @param tablespaces the original location of each tablespace, by OID
 * @param directories every directory, in path order (a parent before its children)
 * @param files every regular file, in path order
 * @param stopSnapshot the server's transaction snapshot right after {@code pg_backup_stop} in
 *     PostgreSQL's text form {@code xmin:xmax:xip,...} ({@code pg_current_snapshot()}), or empty if
 *     not recorded (backups pushed by earlier versions); see {@link #inProgressAtStop}
 */
public record BackupManifest(
    BackupName name,
    long systemIdentifier,
    WalSegmentSize segmentSize,
    int serverVersion,
    String label,
    Lsn startLsn,
    Lsn checkpointLsn,
    long startTimeline,
    Instant startTime,
    Lsn stopLsn,
    long stopTimeline,
    Instant stopTime,
    String backupLabel,
    String tablespaceMap,
    SortedMap<Long, String> tablespaces,
    List<BackupDirectory> directories,
    List<BackupFile> files,
    String stopSnapshot) {

  /** The first line of every manifest: its format name and version. */
  static final String MAGIC = "walarchive-backup-manifest";

  /**
   * The version written: 3 with a stop snapshot, else 2 (extents); versions 1 (no extents) and 2
   * are still read.
   */
  static final int VERSION = 2;

  /** A manifest without a stop snapshot (as pushed by earlier versions). */
  public BackupManifest(
      BackupName name,
      long systemIdentifier,
      WalSegmentSize segmentSize,
      int serverVersion,
      String label,
      Lsn startLsn,
      Lsn checkpointLsn,
      long startTimeline,
      Instant startTime,
      Lsn stopLsn,
      long stopTimeline,
      Instant stopTime,
      String backupLabel,
      String tablespaceMap,
      SortedMap<Long, String> tablespaces,
      List<BackupDirectory> directories,
      List<BackupFile> files) {
    this(
        name,
        systemIdentifier,
        segmentSize,
        serverVersion,
        label,
        startLsn,
        checkpointLsn,
        startTimeline,
        startTime,
        stopLsn,
        stopTimeline,
        stopTime,
        backupLabel,
        tablespaceMap,
        tablespaces,
        directories,
        files,
        "");
  }

  /** Checks every component. */
  public BackupManifest {
    requireNonNull(stopSnapshot, "stopSnapshot is null");
    if (!stopSnapshot.isEmpty()) {
      TransactionSnapshot.parse(stopSnapshot);
    }
    requireNonNull(name, "name is null");
    requireNonNull(segmentSize, "segmentSize is null");
    if (serverVersion < 0) {
      throw new IllegalArgumentException("negative server version " + serverVersion);
    }
    requireNonNull(label, "label is null");
    requireNonNull(startLsn, "startLsn is null");
    requireNonNull(checkpointLsn, "checkpointLsn is null");
    requireNonNull(startTime, "startTime is null");
    requireNonNull(stopLsn, "stopLsn is null");
    requireNonNull(stopTime, "stopTime is null");
    requireNonNull(backupLabel, "backupLabel is null");
    requireNonNull(tablespaceMap, "tablespaceMap is null");
    checkTimeline(startTimeline);
    checkTimeline(stopTimeline);
    if (stopLsn.compareTo(startLsn) < 0) {
      throw new IllegalArgumentException(
          "backup " + name + " stops at " + stopLsn + ", before its start " + startLsn);
    }
    if (!name.startLsn().equals(startLsn)) {
      throw new IllegalArgumentException(
          "backup " + name + " names start " + name.startLsn() + " but starts at " + startLsn);
    }
    tablespaces = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(tablespaces)));
    for (Map.Entry<Long, String> t : tablespaces.entrySet()) {
      if (t.getKey() <= 0 || t.getKey() > 0xFFFFFFFFL) {
        throw new IllegalArgumentException("invalid tablespace OID " + t.getKey());
      }
      if (requireNonNull(t.getValue(), "tablespace location is null").isEmpty()) {
        throw new IllegalArgumentException("tablespace " + t.getKey() + " has no location");
      }
    }
    directories = List.copyOf(directories);
    files = List.copyOf(files);
    Set<String> paths = new HashSet<>();
    String previous = null;
    for (BackupDirectory d : directories) {
      previous = checkOrder(previous, d.path(), paths);
    }
    previous = null;
    for (BackupFile f : files) {
      previous = checkOrder(previous, f.path(), paths);
    }
  }

  private static String checkOrder(String previous, String path, Set<String> paths) {
    if (previous != null && previous.compareTo(path) >= 0) {
      throw new IllegalArgumentException(
          "backup paths out of order: '"
              + BackupPaths.shown(previous)
              + "' before '"
              + BackupPaths.shown(path)
              + "'");
    }
    if (!paths.add(path)) {
      throw new IllegalArgumentException(
          "backup path '" + BackupPaths.shown(path) + "' is both a file and a directory");
    }
    return path;
  }

  private static void checkTimeline(long timeline) {
    if (timeline < 1 || timeline > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("invalid timeline " + timeline);
    }
  }

  /** The segment holding the start LSN: the first WAL a restore of this backup needs. */
  public WalFileName startSegment() {
    return WalFileName.ofLsn(startTimeline, startLsn, segmentSize);
  }

  /**
   * The segment holding the last byte before the stop LSN: the last WAL a restore needs to become
   * consistent.
   */
  public WalFileName stopSegment() {
    return stopLsn.equals(startLsn)
        ? startSegment()
        : WalFileName.ofEndLsn(stopTimeline, stopLsn, segmentSize);
  }

  /** The name of the backup history file PostgreSQL archived for this backup. */
  public WalFileName backupHistoryFile() {
    return WalFileName.backupHistory(startTimeline, startLsn, segmentSize);
  }

  /**
   * Whether transaction {@code xid} had not ended when the backup stopped, by its {@link
   * #stopSnapshot}: then its commit comes after the backup's stop, and a recovery from this backup
   * can stop there ({@code recovery_target_xid}). Empty if the manifest has no snapshot.
   *
   * @param xid a transaction id, plain (32 bits, taken as the one nearest the snapshot) or with its
   *     epoch (64 bits, as {@code txid_current()} returns it)
   */
  public java.util.Optional<Boolean> inProgressAtStop(java.math.BigInteger xid) {
    requireNonNull(xid, "xid is null");
    if (stopSnapshot.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(TransactionSnapshot.parse(stopSnapshot).notEnded(xid));
  }

  /** The sum of the sizes of all files. */
  public long originalSize() {
    long sum = 0;
    for (BackupFile f : files) {
      sum += f.size();
    }
    return sum;
  }

  /** The text form, UTF-8 when stored; see {@code docs/backup-format.md}. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    line(b, MAGIC, Integer.toString(stopSnapshot.isEmpty() ? VERSION : 3));
    header(b);
    if (!stopSnapshot.isEmpty()) {
      line(b, "stop-snapshot", stopSnapshot);
    }
    for (Map.Entry<Long, String> t : tablespaces.entrySet()) {
      line(b, "tablespace", Long.toString(t.getKey()), t.getValue());
    }
    for (BackupDirectory d : directories) {
      line(b, "dir", d.path(), mode(d.mode()), d.modified().toString());
    }
    for (BackupFile f : files) {
      line(
          b,
          "file",
          f.path(),
          mode(f.mode()),
          f.modified().toString(),
          Long.toString(f.size()),
          f.sha256(),
          f.object(),
          Long.toString(f.offset()),
          Integer.toString(f.extents().size()));
      for (BackupFile.Extent e : f.extents()) {
        line(
            b,
            "extent",
            e.object(),
            Long.toString(e.offset()),
            Long.toString(e.length()),
            e.sha256());
      }
    }
    line(b, "end", Long.toString(entries(tablespaces.size(), directories.size(), files)));
    return b.toString();
  }

  private static long entries(int tablespaces, int directories, List<BackupFile> files) {
    long n = tablespaces + directories + files.size();
    for (BackupFile f : files) {
      n += f.extents().size();
    }
    return n;
  }

  void header(StringBuilder b) {
    line(b, "name", name.toString());
    line(b, "system-identifier", Long.toUnsignedString(systemIdentifier));
    line(b, "segment-size", Long.toString(segmentSize.bytes()));
    line(b, "server-version", Integer.toString(serverVersion));
    line(b, "label", label);
    line(b, "start-lsn", startLsn.toString());
    line(b, "checkpoint-lsn", checkpointLsn.toString());
    line(b, "start-timeline", Long.toString(startTimeline));
    line(b, "start-time", startTime.toString());
    line(b, "stop-lsn", stopLsn.toString());
    line(b, "stop-timeline", Long.toString(stopTimeline));
    line(b, "stop-time", stopTime.toString());
    line(b, "backup-label", backupLabel);
    line(b, "tablespace-map", tablespaceMap);
  }

  private static String mode(int mode) {
    return String.format(Locale.ROOT, "%04o", mode);
  }

  static void line(StringBuilder b, String key, String... values) {
    b.append(key);
    for (String v : values) {
      b.append('\t').append(escape(v));
    }
    b.append('\n');
  }

  /** {@code %}, control characters and DEL as {@code %XX}; everything else as it is. */
  static String escape(String value) {
    StringBuilder b = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean special = c == '%' || c < 0x20 || c == 0x7f;
      if (special && b == null) {
        b = new StringBuilder(value.length() + 16).append(value, 0, i);
      }
      if (b != null) {
        if (special) {
          b.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? value : b.toString();
  }

  static String unescape(String value, int lineNumber) {
    if (value.indexOf('%') < 0) {
      return value;
    }
    StringBuilder b = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c != '%') {
        b.append(c);
        continue;
      }
      if (i + 2 >= value.length()) {
        throw malformed(lineNumber, "a truncated %-escape");
      }
      int hi = hexDigit(value.charAt(i + 1));
      int lo = hexDigit(value.charAt(i + 2));
      int ch = hi * 16 + lo;
      if (hi < 0 || lo < 0 || !(ch == '%' || ch < 0x20 || ch == 0x7f)) {
        throw malformed(lineNumber, "an invalid %-escape");
      }
      b.append((char) ch);
      i += 2;
    }
    return b.toString();
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  static IllegalArgumentException malformed(int lineNumber, String what) {
    return new IllegalArgumentException(
        "backup manifest line " + lineNumber + " is malformed: " + what);
  }

  /**
   * Parses the text form strictly: every header entry exactly once and in order, entries in path
   * order, the final {@code end} line with the entry count, nothing after it.
   *
   * @throws IllegalArgumentException naming the line if the text is not a valid manifest
   */
  public static BackupManifest parse(String text) {
    requireNonNull(text, "text is null");
    Lines lines = new Lines(text);
    String[] first = lines.next();
    if (first.length != 2 || !first[0].equals(MAGIC)) {
      throw malformed(1, "not a walarchive backup manifest");
    }
    int version =
        first[1].equals("1") ? 1 : first[1].equals("2") ? 2 : first[1].equals("3") ? 3 : 0;
    if (version == 0) {
      throw new IllegalArgumentException(
          "backup manifest version '"
              + BackupPaths.shown(first[1])
              + "' is not supported (written by a newer walarchive?); upgrade walarchive");
    }
    Header h = Header.read(lines);
    String snapshot = "";
    if (version >= 3) {
      snapshot = lines.value("stop-snapshot");
      try {
        TransactionSnapshot.parse(snapshot);
      } catch (IllegalArgumentException e) {
        throw malformed(lines.number, "an invalid stop snapshot");
      }
    }
    SortedMap<Long, String> tablespaces = new TreeMap<>();
    List<BackupDirectory> dirs = new ArrayList<>();
    List<BackupFile> files = new ArrayList<>();
    while (true) {
      String[] f = lines.next();
      int n = lines.number;
      try {
        switch (f[0]) {
          case "tablespace" -> {
            lines.expectFields(f, 3);
            long oid = BackupPaths.parseOid(f[1]);
            if (oid == 0 || !Long.toString(oid).equals(f[1]) || tablespaces.containsKey(oid)) {
              throw malformed(n, "an invalid or repeated tablespace OID");
            }
            tablespaces.put(oid, unescape(f[2], n));
          }
          case "dir" -> {
            lines.expectFields(f, 4);
            dirs.add(new BackupDirectory(unescape(f[1], n), parseMode(f[2], n), instant(f[3], n)));
          }
          case "file" -> {
            lines.expectFields(f, version == 1 ? 8 : 9);
            long count = version == 1 ? 0 : number(f[8], n);
            if (count == 1 || count > 1_000_000) {
              throw malformed(n, "an invalid number of extents");
            }
            List<BackupFile.Extent> extents = new ArrayList<>();
            for (long i = 0; i < count; i++) {
              String[] e = lines.next();
              if (!e[0].equals("extent")) {
                throw malformed(
                    lines.number,
                    "file '"
                        + BackupPaths.shown(f[1])
                        + "' lists "
                        + count
                        + " extents, but only "
                        + i
                        + " follow (the manifest is truncated?)");
              }
              lines.expectFields(e, 5);
              extents.add(
                  new BackupFile.Extent(
                      e[1], number(e[2], lines.number), number(e[3], lines.number), e[4]));
            }
            files.add(
                new BackupFile(
                    unescape(f[1], n),
                    parseMode(f[2], n),
                    instant(f[3], n),
                    number(f[4], n),
                    f[5],
                    f[6],
                    number(f[7], n),
                    extents));
          }
          case "end" -> {
            lines.expectFields(f, 2);
            long count = number(f[1], n);
            if (count != entries(tablespaces.size(), dirs.size(), files)) {
              throw malformed(n, "the entry count does not match (the manifest is truncated?)");
            }
            if (lines.hasNext()) {
              throw malformed(n + 1, "text after the end line");
            }
            return h.manifest(tablespaces, dirs, files, snapshot);
          }
          default -> throw malformed(n, "unknown entry '" + BackupPaths.shown(f[0]) + "'");
        }
      } catch (IllegalArgumentException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("backup manifest")) {
          throw e;
        }
        throw malformed(n, e.getMessage());
      }
    }
  }

  /** Parses UTF-8 bytes; bytes that are not UTF-8 are an error. */
  public static BackupManifest parse(byte[] utf8) {
    return parse(Utf8.decode(utf8, "backup manifest"));
  }

  /** The text form as UTF-8 bytes. */
  public byte[] toBytes() {
    return toText().getBytes(StandardCharsets.UTF_8);
  }

  private static int parseMode(String text, int n) {
    if (text.length() != 4 || !allBetween(text, '0', '7')) {
      throw malformed(n, "an invalid mode");
    }
    return Integer.parseInt(text, 8);
  }

  static long number(String text, int n) {
    if (text.isEmpty()
        || text.length() > 18
        || !allBetween(text, '0', '9')
        || (text.length() > 1 && text.charAt(0) == '0')) {
      throw malformed(n, "an invalid number");
    }
    return Long.parseLong(text);
  }

  /** Whether every character of {@code text} is from {@code low} to {@code high}. */
  static boolean allBetween(String text, char low, char high) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < low || c > high) {
        return false;
      }
    }
    return true;
  }

  static Instant instant(String text, int n) {
    Instant common = canonicalUtcInstant(text);
    if (common != null) {
      return common;
    }
    try {
      Instant i = Instant.parse(text);
      if (!i.toString().equals(text)) {
        throw malformed(n, "a time not in canonical form");
      }
      return i;
    } catch (DateTimeParseException e) {
      throw malformed(n, "an invalid time");
    }
  }

  /**
   * The instant {@code text} denotes if it has the shape {@code
   * uuuu-MM-ddTHH:mm:ss[.fff[fff[fff]]]Z} and is in the canonical form {@link Instant#toString()}
   * gives; null for anything else, which {@link #instant} then judges with {@link Instant#parse}
   * (and rejects if it is not canonical). Every file and directory line holds a time, and a restore
   * reads its manifest in a JVM that has just started: there {@code Instant.parse} and the {@code
   * toString} check took about a quarter of the main thread's work before any file was written
   * (1,000 files).
   */
  static Instant canonicalUtcInstant(String t) {
    int len = t.length();
    if (len != 20 && len != 24 && len != 27 && len != 30) {
      return null;
    }
    if (t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':'
        || t.charAt(len - 1) != 'Z'
        || (len > 20 && t.charAt(19) != '.')) {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 7);
    int day = digits(t, 8, 10);
    int hour = digits(t, 11, 13);
    int minute = digits(t, 14, 16);
    int second = digits(t, 17, 19);
    int fraction = len > 20 ? digits(t, 20, len - 1) : 0;
    if ((year | month | day | hour | minute | second | fraction) < 0
        || month < 1
        || month > 12
        || day < 1
        || day > java.time.YearMonth.of(year, month).lengthOfMonth()
        || hour > 23
        || minute > 59
        || second > 59) {
      return null;
    }
    int nano = fraction;
    for (int d = len == 20 ? 9 : len - 21; d < 9; d++) {
      nano *= 10;
    }
    // canonical: no fraction for a whole second, else 3, 6 or 9 digits, the fewest that hold it
    boolean canonical =
        switch (len) {
          case 20 -> true;
          case 24 -> nano != 0;
          case 27 -> nano % 1_000_000 != 0;
          default -> nano % 1_000 != 0;
        };
    if (!canonical) {
      return null;
    }
    long days = java.time.LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(days * 86_400 + hour * 3_600 + minute * 60 + second, nano);
  }

  /** The decimal number in {@code t} from {@code from} to {@code to}; -1 unless all digits. */
  private static int digits(String t, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Lines of tab-separated fields. */
  static final class Lines {
    private final String[] lines;
    int number;

    Lines(String text) {
      if (!text.endsWith("\n")) {
        throw malformed(Math.max(1, text.split("\n", -1).length), "no final newline (truncated?)");
      }
      this.lines = text.substring(0, text.length() - 1).split("\n", -1);
    }

    boolean hasNext() {
      return number < lines.length;
    }

    String[] next() {
      if (!hasNext()) {
        throw malformed(number, "the text ends early (truncated?)");
      }
      String line = lines[number++];
      if (line.indexOf('\r') >= 0) {
        throw malformed(number, "a carriage return");
      }
      return line.split("\t", -1);
    }

    String value(String key) {
      String[] f = next();
      if (!f[0].equals(key) || f.length != 2) {
        throw malformed(number, "expected '" + key + "' with one value");
      }
      return unescape(f[1], number);
    }

    void expectFields(String[] f, int count) {
      if (f.length != count) {
        throw malformed(number, "'" + f[0] + "' needs " + (count - 1) + " values");
      }
    }
  }

  /** The header entries, read in their fixed order. */
  record Header(
      BackupName name,
      long systemIdentifier,
      WalSegmentSize segmentSize,
      int serverVersion,
      String label,
      Lsn startLsn,
      Lsn checkpointLsn,
      long startTimeline,
      Instant startTime,
      Lsn stopLsn,
      long stopTimeline,
      Instant stopTime,
      String backupLabel,
      String tablespaceMap) {

    static Header read(Lines l) {
      BackupName name = BackupName.parse(l.value("name"));
      String sysid = l.value("system-identifier");
      long systemIdentifier;
      try {
        systemIdentifier = Long.parseUnsignedLong(sysid);
        if (!Long.toUnsignedString(systemIdentifier).equals(sysid)) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw malformed(l.number, "an invalid system identifier");
      }
      WalSegmentSize size = WalSegmentSize.of(number(l.value("segment-size"), l.number + 1));
      long version = number(l.value("server-version"), l.number);
      if (version > Integer.MAX_VALUE) {
        throw malformed(l.number, "an invalid server version");
      }
      String label = l.value("label");
      Lsn start = lsn(l.value("start-lsn"), l.number);
      Lsn checkpoint = lsn(l.value("checkpoint-lsn"), l.number);
      long startTimeline = number(l.value("start-timeline"), l.number);
      Instant startTime = instant(l.value("start-time"), l.number);
      Lsn stop = lsn(l.value("stop-lsn"), l.number);
      long stopTimeline = number(l.value("stop-timeline"), l.number);
      Instant stopTime = instant(l.value("stop-time"), l.number);
      String backupLabel = l.value("backup-label");
      String tablespaceMap = l.value("tablespace-map");
      return new Header(
          name,
          systemIdentifier,
          size,
          (int) version,
          label,
          start,
          checkpoint,
          startTimeline,
          startTime,
          stop,
          stopTimeline,
          stopTime,
          backupLabel,
          tablespaceMap);
    }

    BackupManifest manifest(
        SortedMap<Long, String> tablespaces,
        List<BackupDirectory> dirs,
        List<BackupFile> files,
        String stopSnapshot) {
      return new BackupManifest(
          name,
          systemIdentifier,
          segmentSize,
          serverVersion,
          label,
          startLsn,
          checkpointLsn,
          startTimeline,
          startTime,
          stopLsn,
          stopTimeline,
          stopTime,
          backupLabel,
          tablespaceMap,
          tablespaces,
          dirs,
          files,
          stopSnapshot);
    }

    private static Lsn lsn(String text, int n) {
      try {
        return Lsn.parse(text);
      } catch (IllegalArgumentException e) {
        throw malformed(n, "an invalid LSN");
      }
    }
  }
}
