package dev.walarchive.core.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Collection;
import java.util.Map;

/**
 * The storage SPI: a flat namespace of immutable objects addressed by key.
 *
 * <p>The surface is kept minimal on purpose; everything walarchive does is built from these
 * operations. Keys are relative to the storage root (the bucket and prefix of the URL the storage
 * was opened from) and are validated by {@link StorageKeys#checkKey(String)}: non-empty, at most
 * 512 characters of {@code [A-Za-z0-9._/-]}, no leading or trailing {@code /}, no empty or {@code
 * .}/{@code ..} segment. Metadata names are validated by {@link StorageKeys#checkMetadata}: {@code
 * [a-z][a-z0-9]{0,31}} (the intersection of what S3, GCS and Azure accept), values are printable
 * ASCII.
 *
 * <p>Errors: every method throws {@link IOException}; a missing object is {@link
 * NoSuchFileException}, an existing one on create is {@link FileAlreadyExistsException}. Each
 * implementation translates its SDK's errors in one place and keeps the key and the cause in the
 * message, never a credential. Transient failures (throttling, 5xx, connection resets) are retried
 * with backoff inside the implementation; what is finally thrown is honest.
 *
 * <p>Implementations are thread safe. Implementations that hold SDK clients build them lazily, on
 * first use, so that opening a storage is cheap.
 */
public interface ArchiveStorage extends AutoCloseable {
  /**
   * Creates the object {@code key} with the given content and metadata, only if no object with that
   * key exists. The check and the write are one atomic operation of the store (never "check, then
   * write"): of many concurrent creators of one key exactly one succeeds. When this method returns,
   * the object is durable and visible in full; if it throws, no partial object is ever visible
   * under {@code key}.
   *
   * @throws FileAlreadyExistsException if an object with that key already exists; the existing
   *     object is left untouched
   */
  void create(String key, ObjectSource content, Map<String, String> metadata) throws IOException;

  /**
   * Opens the object for reading from its first byte. The caller closes the stream.
   *
   * @throws NoSuchFileException if there is no object with that key
   */
  InputStream open(String key) throws IOException;

  /**
   * Opens the object for reading, as {@link #open(String)} does, and returns its {@link ObjectStat}
   * with it, so that a reader can check the content against the metadata written with it.
   * Implementations whose store answers a read with the object's metadata (S3, the filesystem)
   * override this to make one request; the default calls {@link #stat(String)}, then {@link
   * #open(String)}.
   *
   * @throws NoSuchFileException if there is no object with that key
   */
  default OpenedObject openWithStat(String key) throws IOException {
    ObjectStat stat = stat(key);
    return new OpenedObject(stat, open(key));
  }

  /**
   * Returns size, modification time and user metadata of one object with one metadata request and
   * without reading the content.
   *
   * @throws NoSuchFileException if there is no object with that key
   */
  ObjectStat stat(String key) throws IOException;

  /**
   * Lists the objects whose key starts with {@code prefix} (which may be empty, for all), in
   * ascending lexicographic order of key (by UTF-16 code unit, which for the allowed key alphabet
   * equals byte order). The listing is streaming: implementations fetch pages lazily as the
   * iterator advances. Entries carry no user metadata; use {@link #stat(String)} for that.
   */
  ObjectIterator list(String prefix) throws IOException;

  /**
   * Deletes the objects with the given keys, in batches as large as the store allows. Keys that do
   * not exist are ignored. If some keys could not be deleted, the others are still attempted and a
   * {@link BatchDeleteException} names each failed key with its reason.
   */
  void delete(Collection<String> keys) throws IOException;

  /**
   * Called by {@code WalArchive} once, when it creates a new archive (writes its manifest). A
   * backend may probe the store here (for example whether conditional writes are honoured) and
   * return facts to be recorded in the archive manifest; they are handed back to {@link
   * #checkArchive(Map)} whenever the archive is opened later. The default records nothing.
   *
   * @throws IOException if the store cannot safely hold an archive; the message says why and what
   *     the user can do
   */
  default Map<String, String> initializeArchive() throws IOException {
    return Map.of();
  }

  /**
   * Called by {@code WalArchive} with the facts {@link #initializeArchive()} returned when the
   * archive was created. The default accepts everything.
   *
   * @throws IOException if the recorded facts say the store is unsafe for the configured mode
   */
  default void checkArchive(Map<String, String> recordedFacts) throws IOException {}

  /** Releases the clients this storage holds. Idempotent. */
  @Override
  void close() throws IOException;
}
