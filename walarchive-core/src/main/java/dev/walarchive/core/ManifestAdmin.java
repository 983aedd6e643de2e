package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive manifest as the facade keeps it: created by the first push, checked once against the
 * keyring for reading, repaired, and changed for encryption and keys.
 */
final class ManifestAdmin {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  private final ArchiveStorage storage;
  private final ObjectCodec codec;
  private final Keyring keyring;
  private final Clock clock;
  private final Manifests manifests;
  private volatile ArchiveManifest checkedForReading;

  ManifestAdmin(
      ArchiveStorage storage,
      ObjectCodec codec,
      Keyring keyring,
      Clock clock,
      Manifests manifests) {
    this.storage = storage;
    this.codec = codec;
    this.keyring = keyring;
    this.clock = clock;
    this.manifests = manifests;
  }

  /** The manifest, created for this cluster if the location is empty (the first push). */
  ArchiveManifest create(long systemIdentifier, WalSegmentSize segmentSize) throws IOException {
    requireNonNull(segmentSize, "segmentSize is null");
    ArchiveManifest manifest = writable(systemIdentifier, segmentSize);
    if (manifest.systemIdentifier() != systemIdentifier
        || !manifest.segmentSize().equals(segmentSize)) {
      throw new ArchiveMismatchException(
          "the archive exists for cluster "
              + Long.toUnsignedString(manifest.systemIdentifier())
              + " with "
              + manifest.segmentSize().bytes()
              + "-byte segments, not cluster "
              + Long.toUnsignedString(systemIdentifier)
              + " with "
              + segmentSize.bytes()
              + "-byte segments");
    }
    return manifest;
  }

  ArchiveManifest writable(long systemIdentifier, WalSegmentSize segmentSize) throws IOException {
    Optional<ArchiveManifest> existing = manifests.read();
    if (existing.isPresent()) {
      return existing.get();
    }
    checkCreatable();
    String salt = keyring.encrypts() ? Manifests.newSalt() : null;
    Map<String, ArchiveManifest.ArchiveKey> keys = new TreeMap<>();
    if (keyring.encrypts()) {
      String id = Manifests.activeKeyId(keyring);
      keys.put(id, new ArchiveManifest.ArchiveKey(Manifests.check(keyring, id, salt), false));
    }
    ArchiveManifest created =
        new ArchiveManifest(
            ManifestFormat.CURRENT_FORMAT,
            systemIdentifier,
            segmentSize,
            clock.instant(),
            initializeArchive(),
            1,
            keyring.encrypts()
                ? ArchiveManifest.Encryption.AES_256_GCM
                : ArchiveManifest.Encryption.NONE,
            salt,
            keys);
    try {
      try {
        storage.create(
            ManifestFormat.KEY, ObjectSource.ofBytes(ManifestFormat.toBytes(created)), Map.of());
      } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
        throw cannotCreate(e);
      }
      log.info(
          "created archive for system identifier {} with {}-byte segments{}",
          Long.toUnsignedString(systemIdentifier),
          segmentSize.bytes(),
          keyring.encrypts() ? ", encrypted" : "");
      return created;
    } catch (FileAlreadyExistsException e) {
      // a concurrent first push won: check against its manifest
      return manifests.require();
    }
  }

  /**
   * Refuses to create a manifest in a location without one that holds archived files: nothing
   * vouches for which cluster they belong to.
   */
  void checkCreatable() throws IOException {
    if (manifests.holdsArchivedFiles()) {
      throw new ArchiveConfigurationException(
          "the archive at "
              + manifests.location()
              + " holds archived files but no archive manifest ("
              + ManifestFormat.KEY
              + "), so nothing vouches for which cluster it belongs to; nothing was stored. If this"
              + " is the right URL, rebuild the manifest with '"
              + Manifests.REPAIR
              + "' using the archive's configuration");
    }
  }

  private Map<String, String> initializeArchive() throws IOException {
    try {
      return storage.initializeArchive();
    } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
      throw cannotCreate(e);
    }
  }

  /**
   * Why the archive could not be created: a permission problem (named with the directory and the
   * user, a storage error as for an existing archive, so that fixing the permission is enough), or
   * a missing parent directory (a configuration error: the URL is probably wrong).
   */
  private IOException cannotCreate(java.nio.file.FileSystemException e) {
    String what = "cannot create the archive at " + manifests.location() + ": ";
    if (e instanceof java.nio.file.AccessDeniedException) {
      String reason =
          e.getFile() == null
              ? Messages.oneLine(e) // TemporaryFiles.cannotWrite: names the directory and the user
              : "cannot write to "
                  + e.getFile()
                  + " as user "
                  + System.getProperty("user.name")
                  + "; give that user write permission or use another location";
      java.nio.file.AccessDeniedException denied =
          new java.nio.file.AccessDeniedException(null, null, what + reason);
      denied.initCause(e);
      return denied;
    }
    String reason =
        e.getReason() == null ? "no such file " + e.getFile() : e.getFile() + ": " + e.getReason();
    return new ArchiveConfigurationException(what + reason, e);
  }

  /** The manifest, checked for writing base backups with this keyring. */
  ArchiveManifest writableForBackups() throws IOException {
    ArchiveManifest m = manifests.require();
    manifests.checkWriteKeys(m, keyring);
    storage.checkArchive(m.storageFacts());
    return m;
  }

  /** The manifest, once checked against the keyring, for reading operations. */
  ArchiveManifest checked(boolean requireKey) throws IOException {
    ArchiveManifest m = checkedForReading;
    if (m == null) {
      m = manifests.require();
      manifests.checkReadKeys(m, keyring, false);
      checkedForReading = m;
    }
    if (requireKey) {
      manifests.checkReadKeys(m, keyring, true);
    }
    return m;
  }

  /** The manifest if {@link #checked} has read it already, else null; no I/O. */
  ArchiveManifest checkedIfKnown() {
    return checkedForReading;
  }

  /**
   * Rebuilds or upgrades the manifest from the archived objects: {@link
   * WalArchive#repairManifest()}.
   */
  ArchiveManifest repair() throws IOException {
    Optional<ArchiveManifest> old;
    long nextRevision;
    try {
      old = manifests.read();
      if (old.isPresent() && old.get().encryption() != ArchiveManifest.Encryption.UNRECORDED) {
        return old.get();
      }
      nextRevision = old.map(m -> m.revision() + 1).orElse(1L);
    } catch (ArchiveConfigurationException e) {
      Optional<String> broken = manifests.newestKey();
      if (broken.isEmpty()) {
        throw e;
      }
      old = Optional.empty();
      nextRevision = ManifestFormat.revisionOf(broken.get()).orElseThrow() + 1;
    }
    Long systemIdentifier = null;
    WalSegmentSize segmentSize = null;
    String firstSegment = null;
    java.util.SortedSet<String> keyIds = new java.util.TreeSet<>();
    String plaintextExample = null;
    long objects = 0;
    ObjectIterator it = storage.list(WalArchive.WAL_PREFIX);
    while (it.hasNext()) {
      ObjectEntry entry = it.next();
      WalFileName name;
      try {
        name = WalFileName.parse(entry.key().substring(WalArchive.WAL_PREFIX.length()));
      } catch (IllegalArgumentException e) {
        continue;
      }
      objects++;
      dev.walarchive.core.format.ObjectHeader header;
      try (InputStream in = storage.open(entry.key())) {
        header = codec.readHeader(in);
      } catch (UnknownKeyException e) {
        throw new ArchiveConfigurationException(
            "cannot repair the manifest at "
                + manifests.location()
                + ": "
                + e.getMessage()
                + "; configure every key the archive uses (a keyring file)",
            e);
      } catch (ObjectFormatException e) {
        throw new ArchiveConfigurationException(
            "cannot repair the manifest at "
                + manifests.location()
                + ": object "
                + entry.key()
                + " does not verify ("
                + e.getMessage()
                + "); with encryption turned on after the archive was started, set"
                + " allow-unencrypted; otherwise inspect the object",
            e);
      }
      if (!header.fileName().equals(name.name())) {
        throw new ArchiveConfigurationException(
            "cannot repair the manifest at "
                + manifests.location()
                + ": object "
                + entry.key()
                + " holds "
                + header.fileName()
                + "; remove or move the misplaced object first");
      }
      if (header.encrypted()) {
        keyIds.add(header.keyId());
      } else if (plaintextExample == null) {
        plaintextExample = name.name();
      }
      if (name.kind() == WalFileName.Kind.SEGMENT
          || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
        SegmentHeader seg;
        try (InputStream in = storage.open(entry.key());
            InputStream plain = codec.decode(name.name(), in)) {
          seg = SegmentHeader.parse(plain.readNBytes(SegmentHeader.LENGTH));
        } catch (IllegalArgumentException e) {
          throw new ArchiveConfigurationException(
              "cannot repair the manifest at "
                  + manifests.location()
                  + ": "
                  + name
                  + " is not a WAL segment: "
                  + e.getMessage());
        }
        if (systemIdentifier == null) {
          systemIdentifier = seg.systemIdentifier();
          segmentSize = seg.segmentSize();
          firstSegment = name.name();
        } else if (systemIdentifier != seg.systemIdentifier()
            || !segmentSize.equals(seg.segmentSize())) {
          throw new ArchiveConfigurationException(
              "cannot repair the manifest at "
                  + manifests.location()
                  + ": "
                  + firstSegment
                  + " is of cluster "
                  + Long.toUnsignedString(systemIdentifier)
                  + " with "
                  + segmentSize.bytes()
                  + "-byte segments, but "
                  + name
                  + " of cluster "
                  + Long.toUnsignedString(seg.systemIdentifier())
                  + " with "
                  + seg.segmentSize().bytes()
                  + "-byte segments; move the foreign objects to an archive of their own first");
        }
      }
    }
    if (systemIdentifier == null && old.isEmpty()) {
      throw new ArchiveConfigurationException(
          "cannot repair the manifest at "
              + manifests.location()
              + ": "
              + (objects == 0 ? "it holds no archived file" : "no archived WAL segment")
              + " tells which cluster it belongs to; "
              + (objects == 0
                  ? "check the archive URL (the first wal-push of a segment creates an archive)"
                  : "push a WAL segment of the cluster after removing the other objects"));
    }
    if (old.isPresent()
        && systemIdentifier != null
        && (old.get().systemIdentifier() != systemIdentifier
            || !old.get().segmentSize().equals(segmentSize))) {
      throw new ArchiveConfigurationException(
          "cannot upgrade the manifest at "
              + manifests.location()
              + ": it records cluster "
              + Long.toUnsignedString(old.get().systemIdentifier())
              + ", but "
              + firstSegment
              + " is of cluster "
              + Long.toUnsignedString(systemIdentifier)
              + "; move the foreign objects out first");
    }
    boolean encrypted = !keyIds.isEmpty();
    String salt = null;
    Map<String, ArchiveManifest.ArchiveKey> keys = new TreeMap<>();
    if (encrypted) {
      salt = Manifests.newSalt();
      keyring.activeKeyId().ifPresent(keyIds::add);
      for (String id : keyIds) {
        keys.put(id, new ArchiveManifest.ArchiveKey(Manifests.check(keyring, id, salt), false));
      }
    }
    ArchiveManifest.Encryption encryption =
        encrypted ? ArchiveManifest.Encryption.AES_256_GCM : ArchiveManifest.Encryption.NONE;
    ArchiveManifest repaired =
        old.isPresent()
            ? ManifestFormat.next(old.get(), encryption, salt, keys)
            : new ArchiveManifest(
                ManifestFormat.CURRENT_FORMAT,
                systemIdentifier,
                segmentSize,
                clock.instant(),
                storage.initializeArchive(),
                nextRevision,
                encryption,
                salt,
                keys);
    manifests.write(repaired);
    checkedForReading = null;
    log.info(
        "wrote archive manifest revision {} from {} objects{}",
        repaired.revision(),
        objects,
        plaintextExample != null && encrypted
            ? " (some unencrypted, e.g. " + plaintextExample + ")"
            : "");
    return repaired;
  }

  /** {@link WalArchive#enableEncryption()}. */
  ArchiveManifest enableEncryption() throws IOException {
    ArchiveManifest m = manifests.require();
    if (m.encryption() == ArchiveManifest.Encryption.AES_256_GCM) {
      throw new ArchiveConfigurationException(
          "the archive at "
              + manifests.location()
              + " is encrypted already; add keys with 'walarchive keys add'");
    }
    if (m.encryption() == ArchiveManifest.Encryption.UNRECORDED) {
      manifests.checkWriteKeys(m, keyring); // says to upgrade
    }
    String id = activeKey("encrypt the archive with");
    String salt = Manifests.newSalt();
    ArchiveManifest next =
        ManifestFormat.next(
            m,
            ArchiveManifest.Encryption.AES_256_GCM,
            salt,
            Map.of(id, new ArchiveManifest.ArchiveKey(Manifests.check(keyring, id, salt), false)));
    manifests.write(next);
    checkedForReading = null;
    log.info("archive encrypted from now on with key id {}", id);
    return next;
  }

  /** {@link WalArchive#addKey()}. */
  ArchiveManifest addKey() throws IOException {
    ArchiveManifest m = manifests.require();
    if (m.encryption() != ArchiveManifest.Encryption.AES_256_GCM) {
      throw new ArchiveConfigurationException(
          "the archive at "
              + manifests.location()
              + " is not encrypted"
              + (m.encryption() == ArchiveManifest.Encryption.UNRECORDED
                  ? " as far as its manifest records; run '" + Manifests.REPAIR + "' first"
                  : "; turn encryption on with 'walarchive keys enable-encryption'"));
    }
    String id = activeKey("register");
    String check = Manifests.check(keyring, id, m.keyCheckSalt());
    ArchiveManifest.ArchiveKey recorded = m.keys().get(id);
    if (recorded != null) {
      if (!recorded.checkValue().equals(check)) {
        throw new ArchiveConfigurationException(
            "key id '"
                + id
                + "' is already registered in the archive at "
                + manifests.location()
                + " with a different key; register the new key under a new key id");
      }
      if (recorded.retired()) {
        throw new ArchiveConfigurationException(
            "key id '"
                + id
                + "' is retired in the archive at "
                + manifests.location()
                + "; a retired key is not used again, register a new key under a new key id");
      }
      return m;
    }
    Map<String, ArchiveManifest.ArchiveKey> keys = new TreeMap<>(m.keys());
    keys.put(id, new ArchiveManifest.ArchiveKey(check, false));
    ArchiveManifest next = ManifestFormat.next(m, m.encryption(), m.keyCheckSalt(), keys);
    manifests.write(next);
    checkedForReading = null;
    log.info("registered key id {}", id);
    return next;
  }

  /** {@link WalArchive#retireKey(String)}. */
  ArchiveManifest retireKey(String keyId) throws IOException {
    requireNonNull(keyId, "keyId is null");
    ArchiveManifest m = manifests.require();
    ArchiveManifest.ArchiveKey recorded = m.keys().get(keyId);
    if (recorded == null) {
      throw new ArchiveConfigurationException(
          "key id '"
              + keyId
              + "' is not registered in the archive at "
              + manifests.location()
              + " (registered: "
              + m.keys().keySet()
              + ")");
    }
    if (recorded.retired()) {
      return m;
    }
    if (Manifests.current(m).size() == 1) {
      throw new ArchiveConfigurationException(
          "key id '"
              + keyId
              + "' is the last current key of the archive at "
              + manifests.location()
              + "; register its successor with 'walarchive keys add' first");
    }
    Map<String, ArchiveManifest.ArchiveKey> keys = new TreeMap<>(m.keys());
    keys.put(keyId, new ArchiveManifest.ArchiveKey(recorded.checkValue(), true));
    ArchiveManifest next = ManifestFormat.next(m, m.encryption(), m.keyCheckSalt(), keys);
    manifests.write(next);
    checkedForReading = null;
    log.info("retired key id {}", keyId);
    return next;
  }

  private String activeKey(String purpose) throws ArchiveConfigurationException {
    if (!keyring.encrypts()) {
      throw new ArchiveConfigurationException(
          "no key is configured to " + purpose + "; set key-file and key-id");
    }
    return Manifests.activeKeyId(keyring);
  }
}
