package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.backup.BackupName;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The lease of a base backup being pushed ({@code basebackups/<name>/lease-<sequence>}): written
 * when the push starts and renewed (a new object with the next sequence number, then the old one
 * deleted, as objects are never overwritten) while it runs, deleted at its end. While it has not
 * expired, retention keeps the backup's objects and the WAL from its start on.
 *
 * @param name the backup
 * @param sequence the renewal's number, from 1
 * @param startTimeline the timeline the backup started on, 0 if not known (then the WAL from its
 *     start segment is kept on every timeline)
 * @param holder who holds it (host and process)
 * @param expires until when it holds unless renewed
 */
record BackupLease(
    BackupName name, long sequence, long startTimeline, String holder, Instant expires) {
  static final String MAGIC = "walarchive-backup-lease";

  /** The last part of a lease's key, before the sequence number. */
  static final String PREFIX = "lease-";

  private static final List<String> KEYS =
      List.of("name", "sequence", "start-lsn", "start-timeline", "holder", "expires");

  BackupLease {
    requireNonNull(name, "name is null");
    requireNonNull(holder, "holder is null");
    requireNonNull(expires, "expires is null");
    if (sequence < 1 || sequence > 9_999_999_999L) {
      throw new IllegalArgumentException("lease sequence " + sequence + " is out of range");
    }
    if (startTimeline < 0 || startTimeline > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("invalid start timeline " + startTimeline);
    }
  }

  /** The storage key of this lease. */
  String key() {
    return keyOf(name, sequence);
  }

  static String keyOf(BackupName name, long sequence) {
    return ArchiveBaseBackups.prefixOf(name)
        + PREFIX
        + String.format(Locale.ROOT, "%010d", sequence);
  }

  /** The sequence number of a lease key of backup {@code name}, if {@code key} is one. */
  static OptionalLong sequenceOf(BackupName name, String key) {
    String prefix = ArchiveBaseBackups.prefixOf(name) + PREFIX;
    if (!key.startsWith(prefix) || key.length() != prefix.length() + 10) {
      return OptionalLong.empty();
    }
    String digits = key.substring(prefix.length());
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.of(Long.parseLong(digits));
  }

  String toText() {
    return MAGIC
        + "\t1\n"
        + "name\t"
        + name
        + "\nsequence\t"
        + sequence
        + "\nstart-lsn\t"
        + name.startLsn()
        + "\nstart-timeline\t"
        + startTimeline
        + "\nholder\t"
        + URLEncoder.encode(holder, StandardCharsets.UTF_8)
        + "\nexpires\t"
        + expires
        + "\n";
  }

  /**
   * Parses a lease strictly; {@code expected} and {@code sequence} are what its key names.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static BackupLease parse(BackupName expected, long sequence, String text) {
    String[] lines = text.split("\n", -1);
    if (lines.length != KEYS.size() + 2
        || !lines[lines.length - 1].isEmpty()
        || !lines[0].equals(MAGIC + "\t1")) {
      throw new IllegalArgumentException("not a version 1 backup lease");
    }
    String[] v = new String[KEYS.size()];
    for (int i = 0; i < KEYS.size(); i++) {
      String[] f = lines[i + 1].split("\t", -1);
      if (f.length != 2 || !f[0].equals(KEYS.get(i))) {
        throw new IllegalArgumentException("line " + (i + 2) + " is not '" + KEYS.get(i) + "'");
      }
      v[i] = f[1];
    }
    BackupName name = BackupName.parse(v[0]);
    if (!name.equals(expected)) {
      throw new IllegalArgumentException("it names backup " + name);
    }
    if (Long.parseLong(v[1]) != sequence) {
      throw new IllegalArgumentException("it is number " + v[1] + ", its key says " + sequence);
    }
    if (!dev.walarchive.core.wal.Lsn.parse(v[2]).equals(name.startLsn())) {
      throw new IllegalArgumentException("its start LSN " + v[2] + " is not the backup's");
    }
    return new BackupLease(
        name,
        sequence,
        Long.parseLong(v[3]),
        URLDecoder.decode(v[4], StandardCharsets.UTF_8),
        Instant.parse(v[5]));
  }
}
