package dev.walarchive.core.backup;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A directory of a base backup: restore creates it, empty, with this mode before the files in it.
 * Directories whose contents PostgreSQL's rules exclude ({@code pg_wal}, {@code pg_replslot}, ...)
 * are recorded like this, without their contents.
 *
 * @param path relative to the data directory, {@code /}-separated; a tablespace's directories are
 *     under {@code pg_tblspc/<oid>/}, as seen through the tablespace's symbolic link
 * @param mode the POSIX permission bits ({@code 0700}), 0 to {@code 07777}
 * @param modified the directory's modification time
 */
public record BackupDirectory(String path, int mode, Instant modified) {
  public BackupDirectory {
    BackupPaths.check(path);
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException(
          "invalid mode " + Integer.toOctalString(mode) + " of " + path);
    }
    requireNonNull(modified, "modified is null");
  }

  /** The tablespace the directory belongs to (its OID), or 0 for the data directory. */
  public long tablespace() {
    return BackupPaths.tablespaceOf(path);
  }
}
