package dev.walarchive.core.backup;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The base backups pushed into an archive by walarchive, read side: list them, read a complete
 * backup's manifest and the verified bytes of each of its files. Obtain it from the facade, {@code
 * archive.baseBackups()}; it uses the archive's storage and keyring.
 *
 * <p>Layout (see {@code docs/backup-format.md}): every object of backup {@code N} is under {@code
 * basebackups/N/}: data objects {@code data/000001}, ..., the {@code manifest}, and the completion
 * marker {@code complete}, written last. Every object is in the archive's object format
 * (compressed, encrypted with the archive's key, bound to its key), so a changed, truncated,
 * swapped or foreign object fails to decode.
 *
 * <pre>{@code
 * BaseBackups backups = archive.baseBackups();
 * BaseBackupInfo newest = backups.list().stream().filter(BaseBackupInfo::complete)
 *     .reduce((a, b) -> b).orElseThrow();
 * BackupManifest manifest = backups.manifest(newest.name());
 * for (BackupFile file : manifest.files()) {
 *   try (InputStream in = backups.openFile(newest.name(), file)) {
 *     // write to a temporary file; trust it only after in.read() returned -1
 *   }
 * }
 * }</pre>
 *
 * <p>Implementations are thread safe.
 */
public interface BaseBackups {
  /**
   * Every base backup in the archive, complete or not, in name order (which is start-time order). A
   * complete backup's details come from its completion marker (one small read per backup), an
   * incomplete backup's {@link BaseBackupInfo#state() state} from its newest lease (one small read
   * if it has one) and the archive clock's now: {@link BaseBackupInfo.State#RUNNING running} while
   * a {@code backup-push} holds it, otherwise {@link BaseBackupInfo.State#INCOMPLETE incomplete}.
   * Storage keys under {@code basebackups/} that are not backup names are ignored.
   *
   * @throws IOException if the storage fails or a completion marker fails verification
   */
  List<BaseBackupInfo> list() throws IOException;

  /**
   * The manifest of a complete backup, verified against its completion marker.
   *
   * @throws BackupNotFoundException if there is no such backup or it is not complete
   * @throws IOException if an object fails verification (the message names it) or storage fails
   */
  BackupManifest manifest(BackupName name) throws IOException;

  /**
   * Opens one file of a complete backup. The stream yields exactly the file's bytes; at its end it
   * checks the length and SHA-256 against the manifest (and the data object's own authentication
   * all along) and throws an {@link IOException} naming the backup, the file and the object if
   * anything differs. As with any archived object, use the bytes only after the stream returned -1:
   * write them to a temporary file and publish it afterwards.
   *
   * <p>Small files share a data object (of up to 4 MiB): this decodes it from its start to the
   * file, and for the object's last file to the object's end (verifying that too). Restoring many
   * files, prefer {@link #readObject}, which decodes each object once.
   *
   * @param file an entry of {@link #manifest(BackupName)}'s {@link BackupManifest#files()}
   * @throws BackupNotFoundException if there is no such complete backup
   */
  InputStream openFile(BackupName name, BackupFile file) throws IOException;

  /**
   * Decodes one data object of a complete backup once, and hands each of its files, in offset
   * order, to {@code handler} with a stream of exactly that file's bytes. After the handler
   * returns, the file's remaining bytes are read and its length and SHA-256 checked; after the last
   * file, the object's end is verified. Any mismatch throws an {@link IOException} naming the file:
   * what the handler wrote for that file, and for the object, must then be discarded. Each file's
   * SHA-256 is what checks its bytes: the object's own plaintext digest is not computed again (its
   * chunks are authenticated, its lengths and trailer checked as always).
   *
   * @param object a data object key, as in {@link BackupFile#object()}
   * @param files the manifest entries that live in {@code object} (others are refused); for a file
   *     stored in extents, its {@link BackupFile#pieces() pieces} in this object, each handed over
   *     as such a piece
   * @throws BackupNotFoundException if there is no such complete backup
   */
  void readObject(BackupName name, String object, List<BackupFile> files, FileHandler handler)
      throws IOException;

  /**
   * Starts writing backup {@code name} from {@code dataDirectory}, after {@code pg_backup_start}
   * returned {@code name.startLsn()}; see {@link BackupUpload}. Needs a keyring that can write to
   * this archive, like a WAL push.
   *
   * @throws java.nio.file.FileAlreadyExistsException if the archive already holds objects of a
   *     backup of that name
   */
  BackupUpload upload(
      BackupName name, java.nio.file.Path dataDirectory, BackupUpload.Options options)
      throws IOException;

  /**
   * Deletes a backup, complete or not: its completion marker first (so it is no longer complete),
   * then its manifest and data objects. Safe to interrupt and repeat; a backup that is not there is
   * a no-op. Its backup history file and WAL are retention's business ({@code
   * WalArchive.applyRetention} deletes expired backups this way).
   */
  void delete(BackupName name) throws IOException;

  /** Receives the files of a data object; see {@link #readObject}. */
  @FunctionalInterface
  interface FileHandler {
    /**
     * Called once per file with a stream of its bytes (closing it is optional; it is not verified
     * until this returns).
     */
    void file(BackupFile file, InputStream content) throws IOException;
  }
}
