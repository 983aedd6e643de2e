package dev.walarchive.postgres;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.wal.Lsn;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The fields of a data directory's {@code global/pg_control} that backup-push compares with the
 * server (PostgreSQL's {@code ControlFileData}, {@code src/include/catalog/pg_control.h}, in the
 * byte order of this host): the system identifier (offset 0), {@code pg_control_version} (8), the
 * latest checkpoint's LSN (32) and its timeline ({@code checkPointCopy.ThisTimeLineID}: 48 since
 * PostgreSQL 11, 56 in 10, which still had {@code prevCheckPoint}). The CRC-32C PostgreSQL stores
 * right after the fields it covers is checked (at 288 for {@code pg_control_version} 1300, that is
 * PostgreSQL 13 to 16; for other versions at the first offset where it matches); a read that does
 * not match it (the server may rewrite the file while it is read) is retried.
 */
record PgControl(long systemIdentifier, int version, Lsn checkpoint, long checkpointTimeline) {
  /** The CRC's offset for {@code pg_control_version} 1300. */
  private static final int CRC_OFFSET_1300 = 288;

  private static final int READ = 1024;

  /**
   * Reads {@code dir/global/pg_control}.
   *
   * @throws ArchiveConfigurationException if there is none, it cannot be read as this user, or it
   *     is not a valid pg_control
   */
  static PgControl read(Path dir) throws IOException {
    Path control = dir.resolve("global/pg_control");
    for (int attempt = 0; ; attempt++) {
      byte[] bytes;
      try (InputStream in = Files.newInputStream(control)) {
        bytes = in.readNBytes(READ);
      } catch (NoSuchFileException e) {
        throw new ArchiveConfigurationException(
            dir + " is not a PostgreSQL data directory (no global/pg_control); name it with -D");
      } catch (AccessDeniedException e) {
        throw new ArchiveConfigurationException(
            "cannot read "
                + control
                + " as user "
                + System.getProperty("user.name")
                + "; run backup-push as the user that owns the data directory");
      }
      PgControl parsed = parse(bytes);
      if (parsed != null) {
        return parsed;
      }
      if (bytes.length < 64 || attempt >= 20) {
        throw new ArchiveConfigurationException(
            control
                + " is not a valid pg_control (too short or its CRC does not match, read "
                + (attempt + 1)
                + " times); name the server's data directory with -D");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading " + control);
      }
    }
  }

  /** The fields of {@code bytes}, or null if they are too short or the CRC does not match. */
  static PgControl parse(byte[] bytes) {
    if (bytes.length < 64) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    int version = b.getInt(8);
    if (!crcMatches(b, version)) {
      return null;
    }
    int timelineOffset = Integer.compareUnsigned(version, 1100) >= 0 ? 48 : 56;
    return new PgControl(
        b.getLong(0),
        version,
        Lsn.of(b.getLong(32)),
        Integer.toUnsignedLong(b.getInt(timelineOffset)));
  }

  private static boolean crcMatches(ByteBuffer b, int version) {
    if (version == 1300) {
      return b.limit() >= CRC_OFFSET_1300 + 4 && crcAt(b, CRC_OFFSET_1300);
    }
    for (int offset = 64; offset + 4 <= b.limit(); offset += 4) {
      if (crcAt(b, offset)) {
        return true;
      }
    }
    return false;
  }

  private static boolean crcAt(ByteBuffer b, int offset) {
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, offset);
    return (int) crc.getValue() == b.getInt(offset);
  }
}
