package dev.walarchive.core.backup;

import static java.util.Objects.requireNonNull;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A regular file of a base backup, and where its bytes live in the archive.
 *
 * <p>Its bytes are the range {@code [offset, offset + size)} of the plaintext of data object {@code
 * object}: small files share one object, a file of medium size has an object of its own (offset 0).
 * A large file is stored in {@link #extents() extents}, consecutive pieces each in an object of its
 * own (encoded and decoded in parallel); then {@code object} and {@code offset} are those of the
 * first extent and {@code sha256} is {@link #extentsDigest the digest of the extents' digests}.
 * Read it with {@link BaseBackups#openFile}, which checks the lengths and SHA-256 values.
 *
 * @param path relative to the data directory, {@code /}-separated; a tablespace's files are under
 *     {@code pg_tblspc/<oid>/}, as seen through the tablespace's symbolic link
 * @param mode the POSIX permission bits ({@code 0600}), 0 to {@code 07777}
 * @param modified the file's modification time when it was listed
 * @param size the number of bytes stored (what was read during the backup)
 * @param sha256 the SHA-256 of those bytes, 64 lowercase hexadecimal digits
 * @param object the storage key of the data object holding the bytes
 * @param offset where the bytes start in that object's plaintext
 * @param extents empty for a file in one range; else its extents in file order (at least two)
 */
public record BackupFile(
    String path,
    int mode,
    Instant modified,
    long size,
    String sha256,
    String object,
    long offset,
    List<Extent> extents) {

  /**
   * One piece of a file stored in extents: {@code length} bytes at {@code offset} of the plaintext
   * of data object {@code object}, with their SHA-256.
   *
   * @param object the storage key of the data object
   * @param offset where the piece starts in that object's plaintext
   * @param length the number of bytes, at least 1
   * @param sha256 SHA-256 of the piece, 64 lowercase hexadecimal digits
   */
  public record Extent(String object, long offset, long length, String sha256) {
    public Extent {
      requireNonNull(object, "object is null");
      dev.walarchive.core.storage.spi.StorageKeys.checkKey(object);
      if (offset < 0 || length < 1) {
        throw new IllegalArgumentException("invalid extent at " + offset + " of length " + length);
      }
      checkSha(sha256, object);
    }
  }

  /** A file in one range of one object. */
  public BackupFile(
      String path,
      int mode,
      Instant modified,
      long size,
      String sha256,
      String object,
      long offset) {
    this(path, mode, modified, size, sha256, object, offset, List.of());
  }

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
    checkSha(sha256, path);
    requireNonNull(object, "object is null");
    dev.walarchive.core.storage.spi.StorageKeys.checkKey(object);
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset + " of " + path);
    }
    extents = List.copyOf(requireNonNull(extents, "extents is null"));
    if (!extents.isEmpty()) {
      if (extents.size() < 2) {
        throw new IllegalArgumentException(path + " has a single extent (a file in one range)");
      }
      long sum = 0;
      for (Extent e : extents) {
        sum += e.length();
      }
      if (sum != size) {
        throw new IllegalArgumentException(
            "the extents of " + path + " hold " + sum + " bytes, not its size " + size);
      }
      if (!extents.get(0).object().equals(object) || extents.get(0).offset() != offset) {
        throw new IllegalArgumentException(path + " does not start at its first extent");
      }
      if (!extentsDigest(extents).equals(sha256)) {
        throw new IllegalArgumentException(
            "the SHA-256 of " + path + " is not the digest of its extents' digests");
      }
    }
  }

  private static boolean lowerHex(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return false;
      }
    }
    return true;
  }

  private static void checkSha(String sha256, String of) {
    requireNonNull(sha256, "sha256 is null");
    if (sha256.length() != 64 || !lowerHex(sha256)) {
      throw new IllegalArgumentException(
          "invalid sha256 '" + BackupPaths.shown(sha256) + "' of " + of);
    }
  }

  /**
   * The SHA-256 of the extents' SHA-256 values (32 bytes each, in file order): what {@code sha256}
   * holds for a file stored in extents.
   */
  public static String extentsDigest(List<Extent> extents) {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (Extent e : extents) {
      d.update(HexFormat.of().parseHex(e.sha256()));
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /**
   * The ranges holding the file's bytes, in file order, each as a file in one range (its {@code
   * size} and {@code sha256} those of the range): the file itself, or one per extent.
   */
  public List<BackupFile> pieces() {
    if (extents.isEmpty()) {
      return List.of(this);
    }
    List<BackupFile> result = new ArrayList<>(extents.size());
    for (Extent e : extents) {
      result.add(
          new BackupFile(path, mode, modified, e.length(), e.sha256(), e.object(), e.offset()));
    }
    return result;
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
