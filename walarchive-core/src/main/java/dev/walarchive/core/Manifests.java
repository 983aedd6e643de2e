package dev.walarchive.core;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveManifest.ArchiveKey;
import dev.walarchive.core.archive.ArchiveManifest.Encryption;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Reads, writes and checks the archive manifest of one storage. The manifest is revisioned (see
 * {@link ArchiveManifest}): reading lists the manifest keys (one small listing) and parses the
 * highest revision; writing creates the next revision's key with create-if-absent.
 */
final class Manifests {
  static final String REPAIR = "walarchive repair-manifest";
  private static final int MAX_MANIFEST = 64 * 1024;

  private final ArchiveStorage storage;

  Manifests(ArchiveStorage storage) {
    this.storage = storage;
  }

  String location() {
    return String.valueOf(storage);
  }

  /** The highest revision's key present, or empty if the location holds no manifest at all. */
  Optional<String> newestKey() throws IOException {
    String newest = null;
    long newestRevision = 0;
    try {
      ObjectIterator it = storage.list(ManifestFormat.KEY);
      while (it.hasNext()) {
        String key = it.next().key();
        Optional<Long> revision = ManifestFormat.revisionOf(key);
        if (revision.isPresent() && revision.get() > newestRevision) {
          newestRevision = revision.get();
          newest = key;
        }
      }
    } catch (AccessDeniedException e) {
      throw unreadable(e);
    } catch (ArchiveConfigurationException e) {
      throw e;
    } catch (IOException e) {
      throw damaged(ManifestFormat.KEY, e);
    }
    return Optional.ofNullable(newest);
  }

  /**
   * The manifest, or empty if the location holds none.
   *
   * @throws ArchiveConfigurationException if it is unreadable for this user, vanished while read,
   *     or is malformed
   */
  Optional<ArchiveManifest> read() throws IOException {
    Optional<String> key = newestKey();
    if (key.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes;
    try (InputStream in = storage.open(key.get())) {
      bytes = in.readNBytes(MAX_MANIFEST + 1);
    } catch (NoSuchFileException e) {
      throw new ArchiveConfigurationException(
          "the archive manifest " + key.get() + " at " + location() + " vanished while read; retry",
          e);
    } catch (AccessDeniedException e) {
      throw unreadable(e);
    } catch (IOException e) {
      if (e.getCause() instanceof AccessDeniedException a) {
        throw unreadable(a);
      }
      throw damaged(key.get(), e);
    }
    if (bytes.length > MAX_MANIFEST) {
      throw new ArchiveConfigurationException(
          "the archive manifest "
              + key.get()
              + " at "
              + location()
              + " is larger than any manifest; restore it from a backup or run '"
              + REPAIR
              + "'");
    }
    try {
      return Optional.of(ManifestFormat.parse(key.get(), bytes));
    } catch (IOException e) {
      throw new ArchiveConfigurationException(
          e.getMessage()
              + " (at "
              + location()
              + "); restore it from a backup of the manifest or run '"
              + REPAIR
              + "' with the archive's configuration",
          e);
    }
  }

  /**
   * A manifest that cannot be read although the store answers: damaged (for file:, a file emptied
   * or rewritten by hand fails the backend's own header check, already while listing). Network
   * failures stay storage errors.
   */
  private IOException damaged(String key, IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof dev.walarchive.core.storage.StorageConfigurationException c) {
        return c; // the backend cannot work as configured (credentials, region): says so itself
      }
      if (t instanceof java.net.SocketException
          || t instanceof java.net.SocketTimeoutException
          || t instanceof java.net.UnknownHostException
          || t instanceof java.net.http.HttpTimeoutException) {
        return e;
      }
    }
    return new ArchiveConfigurationException(
        "cannot read the archive manifest "
            + key
            + " at "
            + location()
            + " ("
            + e.getMessage()
            + "); if it is damaged, restore it from a backup of the manifest or run '"
            + REPAIR
            + "' with the archive's configuration",
        e);
  }

  private ArchiveConfigurationException unreadable(AccessDeniedException e) {
    return new ArchiveConfigurationException(
        "cannot read the archive manifest at "
            + location()
            + ": permission denied to user "
            + System.getProperty("user.name")
            + "; give that user read access to the archive",
        e);
  }

  /**
   * The manifest.
   *
   * @throws ArchiveConfigurationException if there is none (naming the location and, if the
   *     location holds archived files, the repair command), or it is broken
   */
  ArchiveManifest require() throws IOException {
    Optional<ArchiveManifest> manifest = read();
    if (manifest.isPresent()) {
      return manifest.get();
    }
    if (holdsArchivedFiles()) {
      throw new ArchiveConfigurationException(
          "the archive at "
              + location()
              + " holds archived files but no archive manifest ("
              + ManifestFormat.KEY
              + "); rebuild it with '"
              + REPAIR
              + "' using the archive's configuration");
    }
    throw new ArchiveConfigurationException(
        "no archive at "
            + location()
            + " (no "
            + ManifestFormat.KEY
            + "); check the archive URL (a new archive is created only by the first wal-push of a"
            + " WAL segment)");
  }

  /** Whether the location holds any archived file or pin. */
  boolean holdsArchivedFiles() throws IOException {
    for (String prefix : new String[] {WalArchive.WAL_PREFIX, Pins.PIN_PREFIX}) {
      ObjectIterator it = storage.list(prefix);
      if (it.hasNext()) {
        return true;
      }
    }
    return false;
  }

  /** The first archived object under the WAL prefix, for messages. */
  Optional<ObjectEntry> firstArchivedFile() throws IOException {
    ObjectIterator it = storage.list(WalArchive.WAL_PREFIX);
    return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
  }

  /**
   * Writes {@code manifest} under its revision's key, never replacing anything.
   *
   * @throws ArchiveConfigurationException if that revision exists already (a concurrent update)
   */
  void write(ArchiveManifest manifest) throws IOException {
    try {
      storage.create(
          ManifestFormat.keyOf(manifest),
          ObjectSource.ofBytes(ManifestFormat.toBytes(manifest)),
          Map.of());
    } catch (FileAlreadyExistsException e) {
      throw new ArchiveConfigurationException(
          "the archive manifest at "
              + location()
              + " was changed by someone else meanwhile (revision "
              + manifest.revision()
              + " exists); nothing was changed, look at it ('walarchive keys list') and retry",
          e);
    }
  }

  /**
   * The id of the key an encrypting {@code keyring} encrypts with.
   *
   * @throws ArchiveConfigurationException if it holds several keys and none is active
   */
  static String activeKeyId(Keyring keyring) throws ArchiveConfigurationException {
    return keyring
        .activeKeyId()
        .orElseThrow(
            () ->
                new ArchiveConfigurationException(
                    "the keyring holds several keys "
                        + keyring.keyIds()
                        + " and none is active; set the key id to encrypt with"));
  }

  static String newSalt() {
    byte[] salt = new byte[32];
    new SecureRandom().nextBytes(salt);
    return HexFormat.of().formatHex(salt);
  }

  static String check(Keyring keyring, String keyId, String salt) {
    try {
      return keyring.archiveKeyCheck(keyId, HexFormat.of().parseHex(salt));
    } catch (UnknownKeyException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Checks the keys a reader holds: each key id the archive records must be the recorded key.
   *
   * @param requireKey whether an encrypted archive needs a key (fetch does; listing does not)
   */
  void checkReadKeys(ArchiveManifest manifest, Keyring keyring, boolean requireKey)
      throws IOException {
    if (manifest.encryption() == Encryption.UNRECORDED) {
      return;
    }
    if (requireKey && manifest.encryption() == Encryption.AES_256_GCM && !keyring.encrypts()) {
      throw new ArchiveConfigurationException(
          "the archive at "
              + location()
              + " is encrypted, but no key is configured; set key-file (and key-id) to the"
              + " archive's key "
              + manifest.keys().keySet());
    }
    for (String id : keyring.keyIds()) {
      ArchiveKey recorded = manifest.keys().get(id);
      if (recorded != null
          && !recorded.checkValue().equals(check(keyring, id, manifest.keyCheckSalt()))) {
        throw wrongKey(id);
      }
    }
  }

  /** Checks that what {@code keyring} writes fits the archive. */
  void checkWriteKeys(ArchiveManifest manifest, Keyring keyring) throws IOException {
    switch (manifest.encryption()) {
      case UNRECORDED ->
          throw new ArchiveConfigurationException(
              "the archive manifest at "
                  + location()
                  + " was written by an older walarchive and does not record whether the archive"
                  + " is encrypted; run '"
                  + REPAIR
                  + "' once with the archive's configuration to record it");
      case NONE -> {
        if (keyring.encrypts()) {
          throw new ArchiveConfigurationException(
              "the archive at "
                  + location()
                  + " is not encrypted, but a key is configured; remove the key settings, or run"
                  + " 'walarchive keys enable-encryption' with them to encrypt from now on");
        }
      }
      case AES_256_GCM -> {
        if (!keyring.encrypts()) {
          throw new ArchiveConfigurationException(
              "the archive at "
                  + location()
                  + " is encrypted, but no key is configured; set key-file (and key-id) to one of"
                  + " the archive's keys "
                  + current(manifest));
        }
        String id = activeKeyId(keyring);
        ArchiveKey recorded = manifest.keys().get(id);
        if (recorded == null) {
          throw new ArchiveConfigurationException(
              "key id '"
                  + id
                  + "' is not registered in the archive at "
                  + location()
                  + " (registered: "
                  + current(manifest)
                  + "); configure a registered key, or register this one with 'walarchive keys"
                  + " add'");
        }
        if (!recorded.checkValue().equals(check(keyring, id, manifest.keyCheckSalt()))) {
          throw wrongKey(id);
        }
        if (recorded.retired()) {
          throw new ArchiveConfigurationException(
              "key id '"
                  + id
                  + "' is retired in the archive at "
                  + location()
                  + "; configure a current key "
                  + current(manifest)
                  + " for writing");
        }
      }
    }
  }

  private ArchiveConfigurationException wrongKey(String id) {
    return new ArchiveConfigurationException(
        "the key configured as '"
            + id
            + "' is not the key the archive at "
            + location()
            + " records under that id (was a new key generated under an old id?); configure the"
            + " original key, or register a new key under a new key id with 'walarchive keys add'");
  }

  static java.util.List<String> current(ArchiveManifest manifest) {
    return manifest.keys().entrySet().stream()
        .filter(e -> !e.getValue().retired())
        .map(Map.Entry::getKey)
        .toList();
  }
}
