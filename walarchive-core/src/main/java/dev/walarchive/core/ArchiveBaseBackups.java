package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupNotFoundException;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.backup.BaseBackups;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectIntegrityException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.OpenedObject;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The base backups of a {@link WalArchive}; see {@link BaseBackups}. */
final class ArchiveBaseBackups implements BaseBackups {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ArchiveBaseBackups.class);

  /** The storage key prefix under which base backups live. */
  static final String PREFIX = "basebackups/";

  static final String DATA = "data/";
  static final String MANIFEST = "manifest";
  static final String COMPLETE = "complete";
  private static final int MAX_MARKER = 64 * 1024;
  private static final long MAX_MANIFEST = 1L << 30;

  private final WalArchive archive;
  private final ArchiveStorage storage;
  private final ObjectCodec codec;

  ArchiveBaseBackups(WalArchive archive, ArchiveStorage storage, ObjectCodec codec) {
    this.archive = archive;
    this.storage = storage;
    this.codec = codec;
  }

  static String prefixOf(BackupName name) {
    return PREFIX + name + "/";
  }

  static String dataKey(BackupName name, int index) {
    return prefixOf(name) + DATA + String.format(java.util.Locale.ROOT, "%06d", index);
  }

  @Override
  public List<BaseBackupInfo> list() throws IOException {
    List<BaseBackupInfo> result = new ArrayList<>();
    for (Listed l : scan()) {
      result.add(l.complete() ? info(l.name(), l.storedSize(), true) : incomplete(l));
    }
    return List.copyOf(result);
  }

  /**
   * An incomplete backup with the state its newest lease gives it as of the archive clock's now:
   * running while the lease holds or cannot be read (as retention sees it), otherwise incomplete.
   */
  private BaseBackupInfo incomplete(Listed l) throws IOException {
    LeaseState state = lease(l);
    if (state.lease() == null && state.problem() == null && hasLease(l)) {
      // the lease listed is gone: the push ended since the listing; completed?
      try {
        storage.stat(prefixOf(l.name()) + COMPLETE);
        return info(l.name(), l.storedSize(), true);
      } catch (NoSuchFileException e) {
        // interrupted (or failed) after all
      }
    }
    if (state.problem() != null) {
      log.warn(
          "the lease of incomplete base backup {} cannot be read ({}); it is listed as running and"
              + " retention keeps it; if no backup-push of it runs, delete its lease objects {}*"
              + " from the storage",
          l.name(),
          state.problem(),
          prefixOf(l.name()) + BackupLease.PREFIX);
    }
    Optional<BaseBackupInfo.Lease> lease =
        state.lease() == null
            ? Optional.empty()
            : Optional.of(
                new BaseBackupInfo.Lease(state.lease().holder(), state.lease().expires()));
    return new BaseBackupInfo(
        l.name(),
        l.storedSize(),
        Optional.empty(),
        state.holds(archive.clock().instant())
            ? BaseBackupInfo.State.RUNNING
            : BaseBackupInfo.State.INCOMPLETE,
        lease);
  }

  private static boolean hasLease(Listed l) {
    for (String k : l.keys()) {
      if (BackupLease.sequenceOf(l.name(), k).isPresent()) {
        return true;
      }
    }
    return false;
  }

  /**
   * A backup as one listing of {@link #PREFIX} finds it, before any object is read.
   *
   * @param keys the storage keys of its objects
   */
  record Listed(BackupName name, long storedSize, boolean complete, java.util.Set<String> keys) {}

  /** Every backup's objects from one listing, in name order; reads no object. */
  List<Listed> scan() throws IOException {
    archive.checkedManifestForListing();
    List<Listed> result = new ArrayList<>();
    ObjectIterator it = storage.list(PREFIX);
    BackupName current = null;
    long stored = 0;
    boolean complete = false;
    java.util.Set<String> keys = new java.util.HashSet<>();
    while (it.hasNext()) {
      ObjectEntry e = it.next();
      String rest = e.key().substring(PREFIX.length());
      int slash = rest.indexOf('/');
      if (slash < 0 || !BackupName.isValid(rest.substring(0, slash))) {
        continue;
      }
      BackupName name = BackupName.parse(rest.substring(0, slash));
      if (!name.equals(current)) {
        if (current != null) {
          result.add(new Listed(current, stored, complete, java.util.Set.copyOf(keys)));
        }
        current = name;
        stored = 0;
        complete = false;
        keys.clear();
      }
      stored += e.size();
      complete |= rest.substring(slash + 1).equals(COMPLETE);
      keys.add(e.key());
    }
    if (current != null) {
      result.add(new Listed(current, stored, complete, java.util.Set.copyOf(keys)));
    }
    result.sort(Comparator.comparing(Listed::name));
    return result;
  }

  private BaseBackupInfo info(BackupName name, long stored, boolean complete) throws IOException {
    if (!complete) {
      return new BaseBackupInfo(name, stored, Optional.empty());
    }
    return new BaseBackupInfo(name, stored, Optional.of(marker(name).completed()));
  }

  BackupMarker marker(BackupName name) throws IOException {
    String key = prefixOf(name) + COMPLETE;
    byte[] bytes;
    try {
      bytes = readSmall(key, MAX_MARKER);
    } catch (NoSuchFileException e) {
      throw notComplete(name);
    }
    try {
      return BackupMarker.parse(name, new String(bytes, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new ObjectIntegrityException(
          "completion marker " + key + " is malformed (" + e.getMessage() + ")", e);
    }
  }

  private BackupNotFoundException notComplete(BackupName name) throws IOException {
    ObjectIterator it = storage.list(prefixOf(name));
    if (it.hasNext()) {
      return new BackupNotFoundException(
          "base backup "
              + name
              + " is not complete (it was interrupted or is still running) and cannot be used;"
              + " choose a complete one from 'walarchive backup-list'");
    }
    return new BackupNotFoundException(
        "the archive holds no base backup " + name + "; see 'walarchive backup-list'");
  }

  @Override
  public BackupManifest manifest(BackupName name) throws IOException {
    requireNonNull(name, "name is null");
    archive.checkedManifestForBackups();
    BackupMarker marker = marker(name);
    String key = prefixOf(name) + MANIFEST;
    byte[] bytes;
    try {
      bytes = readSmall(key, MAX_MANIFEST);
    } catch (NoSuchFileException e) {
      throw new ObjectIntegrityException(
          "base backup " + name + " is damaged: its manifest " + key + " is missing");
    }
    if (bytes.length != marker.manifestLength() || !sha256(bytes).equals(marker.manifestSha256())) {
      throw new ObjectIntegrityException(
          "base backup "
              + name
              + " is damaged: its manifest "
              + key
              + " is not the one its completion marker names");
    }
    BackupManifest manifest;
    try {
      manifest = BackupManifest.parse(bytes);
    } catch (IllegalArgumentException e) {
      throw new ObjectIntegrityException(
          "base backup " + name + " has a malformed manifest: " + e.getMessage(), e);
    }
    if (!manifest.name().equals(name)) {
      throw new ObjectIntegrityException(
          "base backup " + name + " is damaged: its manifest names " + manifest.name());
    }
    String prefix = prefixOf(name) + DATA;
    for (BackupFile file : manifest.files()) {
      for (BackupFile f : file.pieces()) {
        if (!f.object().startsWith(prefix)) {
          throw new ObjectIntegrityException(
              "base backup "
                  + name
                  + " is damaged: file "
                  + f.path()
                  + " names object "
                  + f.object());
        }
      }
    }
    return manifest;
  }

  @Override
  public void delete(BackupName name) throws IOException {
    requireNonNull(name, "name is null");
    archive.checkedManifestForBackups();
    storage.delete(List.of(prefixOf(name) + COMPLETE));
    deleteObjects(name);
  }

  /** Deletes every object of a backup, marker first; returns how many there were. */
  long deleteObjects(BackupName name) throws IOException {
    String marker = prefixOf(name) + COMPLETE;
    storage.delete(List.of(marker));
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list(prefixOf(name));
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    // the manifest before the data, so that what is left of an interrupted deletion is debris
    keys.sort(Comparator.comparing((String k) -> !k.endsWith("/" + MANIFEST)));
    for (int from = 0; from < keys.size(); from += WalArchive.MAX_DELETE_BATCH) {
      storage.delete(keys.subList(from, Math.min(keys.size(), from + WalArchive.MAX_DELETE_BATCH)));
    }
    return keys.size();
  }

  /**
   * What the lease of a backup says ({@link BackupLease}): none, the newest one, or why it could
   * not be read.
   *
   * @param lease the newest lease, or null
   * @param problem why the newest lease could not be read, or null
   */
  record LeaseState(BackupName name, BackupLease lease, String problem) {
    /**
     * Whether retention must keep the backup's objects and its WAL: its lease has not expired at
     * {@code now}, or could not be read (fail closed).
     */
    boolean holds(java.time.Instant now) {
      return problem != null || (lease != null && lease.expires().isAfter(now));
    }
  }

  /** The lease state of a listed backup: its newest lease object, read. */
  LeaseState lease(Listed listed) throws IOException {
    BackupName name = listed.name();
    java.util.Collection<String> keys = listed.keys();
    for (int attempt = 0; ; attempt++) {
      long newest = -1;
      for (String k : keys) {
        java.util.OptionalLong seq = BackupLease.sequenceOf(name, k);
        if (seq.isPresent() && seq.getAsLong() > newest) {
          newest = seq.getAsLong();
        }
      }
      if (newest < 0) {
        return new LeaseState(name, null, null);
      }
      String key = BackupLease.keyOf(name, newest);
      try {
        byte[] bytes = readSmall(key, MAX_MARKER);
        return new LeaseState(
            name, BackupLease.parse(name, newest, new String(bytes, StandardCharsets.UTF_8)), null);
      } catch (NoSuchFileException e) {
        if (attempt == 2) {
          return new LeaseState(name, null, "lease " + key + " vanished while it was read");
        }
        // renewed (or ended) since the listing: list again
        List<String> again = new ArrayList<>();
        ObjectIterator it = storage.list(prefixOf(name));
        while (it.hasNext()) {
          again.add(it.next().key());
        }
        keys = again;
      } catch (dev.walarchive.core.format.ObjectFormatException | RuntimeException e) {
        return new LeaseState(name, null, "lease " + key + " is unreadable: " + e.getMessage());
      }
    }
  }

  /** The lease state of backup {@code name} now, from a fresh listing of its objects. */
  LeaseState lease(BackupName name) throws IOException {
    java.util.Set<String> keys = new java.util.HashSet<>();
    ObjectIterator it = storage.list(prefixOf(name));
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return lease(new Listed(name, 0, keys.contains(prefixOf(name) + COMPLETE), keys));
  }

  /** When the newest object of a backup was written. */
  java.time.Instant lastWrite(BackupName name) throws IOException {
    java.time.Instant last = java.time.Instant.EPOCH;
    ObjectIterator it = storage.list(prefixOf(name));
    while (it.hasNext()) {
      java.time.Instant t = it.next().lastModified();
      if (t.isAfter(last)) {
        last = t;
      }
    }
    return last;
  }

  @Override
  public dev.walarchive.core.backup.BackupUpload upload(
      BackupName name,
      java.nio.file.Path dataDirectory,
      dev.walarchive.core.backup.BackupUpload.Options options)
      throws IOException {
    requireNonNull(name, "name is null");
    requireNonNull(dataDirectory, "dataDirectory is null");
    requireNonNull(options, "options is null");
    return new ArchiveBackupUpload(archive, storage, codec, name, dataDirectory, options);
  }

  @Override
  public InputStream openFile(BackupName name, BackupFile file) throws IOException {
    requireNonNull(name, "name is null");
    requireNonNull(file, "file is null");
    archive.checkedManifestForBackups();
    checkComplete(name);
    if (!file.extents().isEmpty()) {
      List<BackupFile> pieces = file.pieces();
      for (BackupFile p : pieces) {
        checkObject(name, p.object());
      }
      return new ExtentsStream(name, pieces);
    }
    return openPiece(name, file);
  }

  private InputStream openPiece(BackupName name, BackupFile file) throws IOException {
    checkObject(name, file.object());
    InputStream plain = openObject(file.object());
    try {
      skipFully(plain, file.offset(), file.object());
      return new FileStream(name, file, plain, true, true);
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  /** The extents of a file one after another, each opened when the one before has ended. */
  private final class ExtentsStream extends InputStream {
    private final BackupName name;
    private final List<BackupFile> pieces;
    private int next;
    private InputStream current;

    ExtentsStream(BackupName name, List<BackupFile> pieces) {
      this.name = name;
      this.pieces = pieces;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (true) {
        if (current == null) {
          if (next == pieces.size()) {
            return -1;
          }
          current = openPiece(name, pieces.get(next++));
        }
        int n = current.read(b, off, len);
        if (n >= 0) {
          return n;
        }
        current.close();
        current = null;
      }
    }

    @Override
    public void close() throws IOException {
      if (current != null) {
        current.close();
        current = null;
      }
      next = pieces.size();
    }
  }

  @Override
  public void readObject(
      BackupName name, String object, List<BackupFile> files, FileHandler handler)
      throws IOException {
    requireNonNull(name, "name is null");
    requireNonNull(object, "object is null");
    requireNonNull(handler, "handler is null");
    archive.checkedManifestForBackups();
    checkComplete(name);
    checkObject(name, object);
    List<BackupFile> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparingLong(BackupFile::offset));
    long position = 0;
    for (BackupFile f : sorted) {
      if (!f.extents().isEmpty()) {
        throw new IllegalArgumentException(
            f.path() + " is stored in extents: pass its pieces() that are in object " + object);
      }
      if (!f.object().equals(object)) {
        throw new IllegalArgumentException(f.path() + " is not in object " + object);
      }
      if (f.offset() < position) {
        throw new IllegalArgumentException("files overlap in object " + object);
      }
      position = f.offset() + f.size();
    }
    // every byte used is checked against its file's SHA-256 (FileStream): the object's own
    // plaintext digest would hash it all a second time (HMAC-SHA-256), so it is not recomputed;
    // the chunks are still authenticated and the trailer checked against the storage metadata
    try (InputStream plain = decode(object, storage.openWithStat(object), false)) {
      position = 0;
      for (BackupFile f : sorted) {
        skipFully(plain, f.offset() - position, object);
        FileStream content = new FileStream(name, f, plain, false, false);
        handler.file(f, content);
        content.finish();
        position = f.offset() + f.size();
      }
      plain.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }

  private void checkComplete(BackupName name) throws IOException {
    try {
      storage.stat(prefixOf(name) + COMPLETE);
    } catch (NoSuchFileException e) {
      throw notComplete(name);
    }
  }

  private static void checkObject(BackupName name, String object) {
    if (!object.startsWith(prefixOf(name) + DATA)) {
      throw new IllegalArgumentException(object + " is not a data object of backup " + name);
    }
  }

  /** Opens and decodes an object; at its end the storage metadata is checked too. */
  InputStream openObject(String key) throws IOException {
    return decode(key, storage.openWithStat(key), true);
  }

  /**
   * Decodes an opened object stored under {@code key} (every backup object is bound to its key);
   * reading it to its end verifies it completely, the storage metadata included.
   */
  InputStream decode(String key, OpenedObject stored) throws IOException {
    return decode(key, stored, true);
  }

  /**
   * {@link #decode(String, OpenedObject)}; without {@code digest} the plaintext is not digested
   * again ({@link ObjectCodec#decodeCheckedByCaller}), for a caller that checks every byte it uses.
   */
  private InputStream decode(String key, OpenedObject stored, boolean digest) throws IOException {
    InputStream plain;
    try {
      plain =
          digest
              ? codec.decode(key, stored.content())
              : codec.decodeCheckedByCaller(key, stored.content());
    } catch (IOException | RuntimeException e) {
      stored.close();
      throw e;
    }
    return new FilterInputStream(plain) {
      private boolean checked;

      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
          end();
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
          end();
        }
        return n;
      }

      private void end() throws IOException {
        if (!checked) {
          checked = true;
          WalFetch.checkMetadata(stored.stat(), ObjectCodec.verifiedHeader(plain));
        }
      }
    };
  }

  private byte[] readSmall(String key, long limit) throws IOException {
    try (InputStream in = openObject(key)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        if (out.size() > limit) {
          throw new ObjectIntegrityException(
              "object " + key + " is larger than " + limit + " bytes");
        }
      }
      return out.toByteArray();
    }
  }

  private static void skipFully(InputStream in, long n, String object) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    while (n > 0) {
      int r = in.read(buffer, 0, (int) Math.min(buffer.length, n));
      if (r < 0) {
        throw new ObjectIntegrityException(
            "object " + object + " is shorter than its backup manifest says");
      }
      n -= r;
    }
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newSha256().digest(bytes));
  }

  /** Exactly one file's bytes of a decoded object, checked at their end. */
  private static final class FileStream extends InputStream {
    private final BackupName backup;
    private final BackupFile file;
    private final InputStream in;
    private final boolean closeUnderlying;
    private final boolean drainAtEnd;
    private final MessageDigest digest = newSha256();
    private long remaining;
    private boolean verified;

    FileStream(
        BackupName backup,
        BackupFile file,
        InputStream in,
        boolean closeUnderlying,
        boolean drainAtEnd) {
      this.drainAtEnd = drainAtEnd;
      this.backup = backup;
      this.file = file;
      this.in = in;
      this.closeUnderlying = closeUnderlying;
      this.remaining = file.size();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (remaining == 0) {
        verify();
        return -1;
      }
      int n;
      try {
        n = in.read(b, off, (int) Math.min(len, remaining));
      } catch (EOFException e) {
        n = -1;
      }
      if (n < 0) {
        throw new ObjectIntegrityException(
            "base backup "
                + backup
                + " is damaged: file "
                + file.path()
                + " ends early in object "
                + file.object()
                + " ("
                + (file.size() - remaining)
                + " of "
                + file.size()
                + " bytes)");
      }
      digest.update(b, off, n);
      remaining -= n;
      return n;
    }

    void finish() throws IOException {
      byte[] buffer = new byte[64 * 1024];
      while (read(buffer, 0, buffer.length) >= 0) {
        // drain and verify
      }
    }

    private void verify() throws IOException {
      if (verified) {
        return;
      }
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equals(file.sha256())) {
        throw new ObjectIntegrityException(
            "base backup "
                + backup
                + " is damaged: file "
                + file.path()
                + " in object "
                + file.object()
                + " does not match its SHA-256 in the manifest");
      }
      if (drainAtEnd) {
        // the bytes read are authenticated chunk by chunk and match the manifest's SHA-256; one
        // more read (at most one more chunk) reaches the object's end if this was its last file,
        // and then verifies that end and the storage metadata as well
        in.read();
      }
      verified = true;
    }

    @Override
    public void close() throws IOException {
      if (closeUnderlying) {
        in.close();
      }
    }
  }
}
