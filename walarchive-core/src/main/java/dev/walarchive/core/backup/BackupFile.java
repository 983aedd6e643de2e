package dev.walarchive.core.backup;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;

/**
 * A regular file of a base backup, and where its bytes live in the archive.
 *
 * <p>Its bytes are the range {@code [offset, offset + size)} of the plaintext of data object {@code
 * object}: a large file has an object of its own (offset 0), small files share one. Read it with
 * {@link BaseBackups#openFile}, which checks the length and {@code sha256}.
 *
 * @param path relative to the data directory, {@code /}-separated; a tablespace's files are under
 *     {@code pg_tblspc/<oid>/}, as seen through the tablespace's symbolic link
 * @param mode the POSIX permission bits ({@code 0600}), 0 to {@code 07777}
 * @param modified the file's modification time when it was listed
 * @param size the number of bytes stored (what was read during the backup)
 * @param sha256 the SHA-256 of those bytes, 64 lowercase hexadecimal digits
 * @param object the storage key of the data object holding the bytes
 * @param offset where the bytes start in that object's plaintext
 */
public record BackupFile(
    String path, int mode, Instant modified, long size, String sha256, String object, long offset) {
  public BackupFile {
    BackupPaths.check(path);
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException(
          "invalid mode " + Integer.toOctalString(mode) + " of " + path);
    }
    requireNonNull(modified, "modified is null");
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size + " of " + path);
    }
    requireNonNull(sha256, "sha256 is null");
    if (sha256.length() != 64
        || !sha256.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException(
          "invalid sha256 '" + BackupPaths.shown(sha256) + "' of " + path);
    }
    requireNonNull(object, "object is null");
    dev.walarchive.core.storage.StorageKeys.checkKey(object);
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset + " of " + path);
    }
  }

  /** The tablespace the file belongs to (its OID), or 0 for the data directory. */
  public long tablespace() {
    return BackupPaths.tablespaceOf(path);
  }

  /** The mode as four octal digits, such as {@code 0600}. */
  public String modeText() {
    return String.format(Locale.ROOT, "%04o", mode);
  }
}
