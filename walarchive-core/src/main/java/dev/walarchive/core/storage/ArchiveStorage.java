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
 * was opened from) and are validated by {@link
 * dev.walarchive.core.storage.spi.StorageKeys#checkKey(String)}: non-empty, at most 512 characters
 * of {@code [A-Za-z0-9._/-]}, no leading or trailing {@code /}, no empty or {@code .}/{@code ..}
 * segment. Metadata names are validated by {@link
 * dev.walarchive.core.storage.spi.StorageKeys#checkMetadata}: {@code [a-z][a-z0-9]{0,31}} (the
 * intersection of what S3, GCS and Azure accept), values are printable ASCII.
 *
 * <p>Errors, the same in every backend (the contract suite {@code AbstractArchiveStorageTest}
 * checks each; backends share the code in {@link dev.walarchive.core.storage.spi}):
 *
 * <ul>
 *   <li>Every method throws {@link IOException}. A missing object is {@link NoSuchFileException}
 *       and an existing one on create {@link FileAlreadyExistsException}; for both, {@code
 *       getFile()} is the key as the caller passed it (relative to the storage root), the reason
 *       names the full location, and the store's own exception, if it raised one, is the cause.
 *   <li>Every other failure is an {@link ArchiveStorageException}, whose {@link
 *       ArchiveStorageException#kind() kind} says what to do (for example {@code TRANSIENT}: {@link
 *       ArchiveStorageException#isRetryable() retryable}) and which carries the store's HTTP status
 *       and request id when it answered; {@link StorageConfigurationException} when the storage
 *       cannot work as configured. Causes are never dropped; messages, causes and {@code
 *       toString()} never hold a credential.
 *   <li>Transient failures (throttling, 5xx, connection resets) are retried with backoff inside the
 *       implementation; what is finally thrown is honest.
 *   <li>After {@link #close()}, every method throws {@link ClosedStorageException}, whether the
 *       client was ever built or not (file and memory storages included).
 *   <li>Invalid keys, prefixes or metadata are {@link IllegalArgumentException}s, thrown before
 *       anything is read or written.
 * </ul>
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
   * <p>Exactly {@link ObjectSource#length()} bytes are stored: content that turns out shorter or
   * longer fails with an exception of kind {@code INVALID_INPUT} ({@link
   * dev.walarchive.core.storage.spi.ContentLengthException}) and nothing is stored.
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
   * Deletes the objects with the given keys, in batches as large as the store allows. Every key is
   * checked before anything is deleted; duplicates are deleted once; an empty collection sends
   * nothing. Keys that do not exist are ignored. If some keys could not be deleted (refused one by
   * one, or because the whole request of their batch failed), every other batch is still sent and
   * one {@link BatchDeleteException} at the end names each failed key with its reason; when a whole
   * request failed, its exception is the cause. Only an interruption, a closed storage or a {@link
   * StorageConfigurationException} stops at once.
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

  /**
   * Releases the clients this storage holds (never a client the caller injected). Idempotent; every
   * later call of another method throws {@link ClosedStorageException}.
   */
  @Override
  void close() throws IOException;
}
