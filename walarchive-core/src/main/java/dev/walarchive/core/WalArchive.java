package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Digest;
import dev.walarchive.core.format.EncodeResult;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL WAL archive on an {@link ArchiveStorage}: what {@code archive_command} and {@code
 * restore_command} call, and what tools use to reason about the archive.
 *
 * <pre>{@code
 * try (WalArchive archive = WalArchive.builder(ArchiveStorages.open("file:/var/lib/wal", Map.of()))
 *     .compression(Compression.zstdDefault())
 *     .keyring(Keyring.builder().addKey("k1", key).activeKeyId("k1").build())
 *     .build()) {
 *   archive.push(Path.of("pg_wal/000000010000000000000001"));           // archive_command
 *   archive.fetch("000000010000000000000001", Path.of("pg_wal/RECOVERYXLOG")); // restore_command
 * }
 * }</pre>
 *
 * <p>Each archived file is one object under {@code wal/<file name>}, encoded by {@link ObjectCodec}
 * (compressed, optionally encrypted, authenticated, bound to its name). The archive root holds an
 * {@link ArchiveManifest} naming the cluster and segment size, written with the first segment.
 *
 * <p>Instances are thread safe. Closing the archive closes its storage.
 */
public final class WalArchive implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  /** Storage key prefix of archived WAL files. */
  public static final String WAL_PREFIX = "wal/";

  static final String META_DIGEST = "digest";
  static final String META_PLAINSIZE = "plainsize";
  static final String META_FORMAT = "format";

  private final ArchiveStorage storage;
  private final ObjectCodec codec;
  private final Keyring keyring;
  private final Path tempDirectory;
  private final int spoolMemoryLimit;
  private final Clock clock;

  private WalArchive(Builder b) {
    this.storage = b.storage;
    this.keyring = b.keyring;
    this.codec = new ObjectCodec(b.compression, b.keyring);
    this.tempDirectory = b.tempDirectory;
    this.spoolMemoryLimit = b.spoolMemoryLimit;
    this.clock = b.clock;
  }

  /** Starts configuring an archive on {@code storage}. */
  public static Builder builder(ArchiveStorage storage) {
    return new Builder(storage);
  }

  /**
   * A fresh archive held in memory, with default compression and no encryption: a fake archive for
   * tests, in one line.
   */
  public static WalArchive inMemory() {
    return builder(ArchiveStorages.memory()).build();
  }

  /** The storage this archive lives on. */
  public ArchiveStorage storage() {
    return storage;
  }

  /** The storage key of an archived file. */
  public static String keyOf(WalFileName name) {
    return WAL_PREFIX + name.name();
  }

  /**
   * Archives one file, as {@code archive_command} does.
   *
   * <p>Validates the name (segment, partial segment, backup history or timeline history file) and,
   * for segments, the page header against the name and the archive manifest. Then writes the object
   * with create-if-absent. If the archive already holds the file with identical content, the push
   * succeeds without writing (PostgreSQL re-pushes after crashes). If it holds different content,
   * nothing is overwritten and {@link ArchiveConflictException} is thrown. Returns only when the
   * object is durable.
   *
   * @throws IllegalArgumentException if the file name is not a WAL file name
   * @throws InvalidWalFileException if the file is missing, not a regular file, or not the WAL its
   *     name claims
   * @throws ArchiveMismatchException if the file belongs to another cluster or segment size
   * @throws ArchiveConflictException if different content is archived under that name
   */
  public PushResult push(Path file) throws IOException {
    requireNonNull(file, "file is null");
    Path fileName = file.getFileName();
    if (fileName == null) {
      throw new IllegalArgumentException(
          "'" + file + "' has no file name; pass a path to a WAL file");
    }
    WalFileName name = WalFileName.parse(fileName.toString());
    checkRegularFile(file);
    if (name.kind() == WalFileName.Kind.SEGMENT
        || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
      SegmentHeader header = readHeader(file, name);
      checkManifest(header, file);
    } else if (name.kind() == WalFileName.Kind.BACKUP_HISTORY) {
      checkBackupHistory(file, name);
    } else {
      checkTimelineHistory(file, name);
    }
    return store(file, name);
  }

  private PushResult store(Path file, WalFileName name) throws IOException {
    String key = keyOf(name);
    try (Spool spool = new Spool(spoolMemoryLimit, tempDirectory)) {
      EncodeResult encoded;
      try (InputStream in = Files.newInputStream(file)) {
        encoded = codec.encode(name.name(), in, spool);
      }
      ObjectSource source = spool.source();
      Map<String, String> metadata = new HashMap<>();
      metadata.put(META_DIGEST, encoded.digest().toString());
      metadata.put(META_PLAINSIZE, Long.toString(encoded.plaintextLength()));
      metadata.put(META_FORMAT, "1");
      try {
        storage.create(key, source, metadata);
        log.info(
            "archived {} ({} bytes, {} stored)",
            name,
            encoded.plaintextLength(),
            encoded.encodedLength());
        return new PushResult(
            name,
            PushResult.Outcome.ARCHIVED,
            encoded.plaintextLength(),
            encoded.encodedLength(),
            encoded.digest());
      } catch (FileAlreadyExistsException e) {
        return compareExisting(file, name, key, encoded);
      }
    }
  }

  private PushResult compareExisting(Path file, WalFileName name, String key, EncodeResult encoded)
      throws IOException {
    ObjectStat stat = storage.stat(key);
    String recorded = stat.metadata().get(META_DIGEST);
    if (recorded == null) {
      throw new ArchiveConflictException(
          name
              + " is already archived, but the archived object has no digest; it is kept."
              + " Inspect it with 'walarchive verify' before retrying");
    }
    Digest existing;
    try {
      existing = Digest.parse(recorded);
    } catch (IllegalArgumentException e) {
      throw new ArchiveConflictException(
          name + " is already archived with an unreadable digest '" + recorded + "'; it is kept");
    }
    Digest ours = encoded.digest();
    if (!sameScheme(existing, ours)) {
      try (InputStream in = Files.newInputStream(file)) {
        ours = codec.digest(in, existing);
      } catch (UnknownKeyException e) {
        throw new ArchiveConflictException(
            name
                + " is already archived under key id '"
                + existing.keyId()
                + "', which is not in the keyring, so the content cannot be compared; add that"
                + " key as a read key");
      }
    }
    if (ours.equals(existing)) {
      log.info("{} was already archived with identical content", name);
      return new PushResult(
          name, PushResult.Outcome.ALREADY_ARCHIVED, encoded.plaintextLength(), stat.size(), ours);
    }
    throw new ArchiveConflictException(
        name
            + " is already archived with different content; the archived copy is kept. Another"
            + " server may be archiving the same timeline, or the local file is corrupt");
  }

  private static boolean sameScheme(Digest a, Digest b) {
    return a.algorithm().equals(b.algorithm()) && java.util.Objects.equals(a.keyId(), b.keyId());
  }

  private static void checkRegularFile(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
      throw new InvalidWalFileException("file " + file + " does not exist; check the %p path");
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidWalFileException("'" + file + "' is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new InvalidWalFileException("file " + file + " is not readable by this user");
    }
  }

  private static SegmentHeader readHeader(Path file, WalFileName name) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(SegmentHeader.LENGTH);
    }
    if (bytes.length < SegmentHeader.LENGTH) {
      throw new InvalidWalFileException(
          "file " + file + " is too short (" + bytes.length + " bytes) to be a WAL segment");
    }
    SegmentHeader header;
    try {
      header = SegmentHeader.parse(bytes);
      header.checkMatches(name);
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not the WAL segment its name says: " + e.getMessage(), e);
    }
    long size = Files.size(file);
    if (size != header.segmentSize().bytes()) {
      throw new InvalidWalFileException(
          "file "
              + file
              + " has "
              + size
              + " bytes, but its header says segments are "
              + header.segmentSize().bytes()
              + " bytes");
    }
    return header;
  }

  private static void checkBackupHistory(Path file, WalFileName name) throws IOException {
    try {
      BackupHistory.parse(name, readSmallText(file));
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not a valid backup history file: " + e.getMessage(), e);
    }
  }

  private static void checkTimelineHistory(Path file, WalFileName name) throws IOException {
    try {
      TimelineHistory.parse(name.timeline(), readSmallText(file));
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not a valid timeline history file: " + e.getMessage(), e);
    }
  }

  private static String readSmallText(Path file) throws IOException {
    if (Files.size(file) > 1024 * 1024) {
      throw new InvalidWalFileException("file " + file + " is too large for a history file");
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private void checkManifest(SegmentHeader header, Path file) throws IOException {
    Optional<ArchiveManifest> existing = manifest();
    if (existing.isEmpty()) {
      ArchiveManifest created =
          new ArchiveManifest(
              ArchiveManifest.CURRENT_FORMAT,
              header.systemIdentifier(),
              header.segmentSize(),
              clock.instant(),
              storage.initializeArchive());
      try {
        storage.create(ArchiveManifest.KEY, ObjectSource.ofBytes(created.toBytes()), Map.of());
        log.info(
            "created archive for system identifier {} with {}-byte segments",
            Long.toUnsignedString(header.systemIdentifier()),
            header.segmentSize().bytes());
        return;
      } catch (FileAlreadyExistsException e) {
        existing = manifest();
        if (existing.isEmpty()) {
          throw new IOException("archive manifest appeared and vanished during creation", e);
        }
      }
    }
    ArchiveManifest manifest = existing.get();
    if (manifest.systemIdentifier() != header.systemIdentifier()) {
      throw new ArchiveMismatchException(
          "file "
              + file
              + " belongs to cluster "
              + Long.toUnsignedString(header.systemIdentifier())
              + ", but this archive holds cluster "
              + Long.toUnsignedString(manifest.systemIdentifier())
              + "; use a separate archive URL for each cluster");
    }
    if (!manifest.segmentSize().equals(header.segmentSize())) {
      throw new ArchiveMismatchException(
          "file "
              + file
              + " is a "
              + header.segmentSize().bytes()
              + "-byte segment, but this archive holds "
              + manifest.segmentSize().bytes()
              + "-byte segments; use a separate archive URL");
    }
    storage.checkArchive(manifest.storageFacts());
  }

  /**
   * The archive's manifest, or empty if no segment was pushed yet.
   *
   * @throws IOException if it cannot be read or is malformed
   */
  public Optional<ArchiveManifest> manifest() throws IOException {
    try (InputStream in = storage.open(ArchiveManifest.KEY)) {
      return Optional.of(ArchiveManifest.parse(in.readNBytes(64 * 1024)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Restores one archived file to {@code destination}, as {@code restore_command} does: one read by
   * name, verified (authenticity, name binding, digest), written to a temporary file beside {@code
   * destination}, fsynced and renamed into place (replacing an existing file). On any failure
   * nothing is left at {@code destination}.
   *
   * @throws IllegalArgumentException if {@code fileName} is not a WAL file name
   * @throws WalFileNotFoundException if the archive does not hold the file
   * @throws ObjectFormatException if the object fails verification
   */
  public long fetch(String fileName, Path destination) throws IOException {
    WalFileName name = WalFileName.parse(requireNonNull(fileName, "fileName is null"));
    requireNonNull(destination, "destination is null");
    Path target = destination.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          String.valueOf(dir), null, "destination directory does not exist");
    }
    InputStream stored;
    try {
      stored = storage.open(keyOf(name));
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
    Path temp =
        dir.resolve(
            "."
                + target.getFileName()
                + ".walarchive-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    long written = 0;
    try (stored) {
      try (FileChannel channel =
              FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          InputStream plain = codec.decode(name.name(), stored)) {
        OutputStream out = java.nio.channels.Channels.newOutputStream(channel);
        written = plain.transferTo(out);
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    log.info("restored {} ({} bytes)", name, written);
    return written;
  }

  /**
   * Reads and decodes a small archived file (history and backup history files) into memory.
   *
   * @throws WalFileNotFoundException if it is not in the archive
   */
  public byte[] read(WalFileName name) throws IOException {
    try (InputStream stored = storage.open(keyOf(name));
        InputStream plain = codec.decode(name.name(), stored)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      plain.transferTo(out);
      return out.toByteArray();
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
  }

  /**
   * Verifies one archived object end to end (decrypts, decompresses, checks digest and name
   * binding) without writing anything.
   *
   * @return the plaintext length
   * @throws ObjectFormatException if verification fails
   */
  public long verifyObject(WalFileName name) throws IOException {
    try (InputStream stored = storage.open(keyOf(name));
        InputStream plain = codec.decode(name.name(), stored)) {
      return plain.transferTo(OutputStream.nullOutputStream());
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
  }

  /**
   * Lists every archived WAL file, in name order, and returns what the archive holds: timelines,
   * segment ranges, gaps, history and backup files.
   */
  public ArchiveInventory inventory() throws IOException {
    WalSegmentSize size = manifest().map(ArchiveManifest::segmentSize).orElse(null);
    ArchiveInventory.Builder inventory = ArchiveInventory.builder(size);
    ObjectIterator it = storage.list(WAL_PREFIX);
    while (it.hasNext()) {
      ObjectEntry e = it.next();
      String n = e.key().substring(WAL_PREFIX.length());
      try {
        WalFileName name = WalFileName.parse(n);
        if (size != null && name.kind() != WalFileName.Kind.TIMELINE_HISTORY) {
          name.segmentNumber(size); // a name no segment of this size can have is not ours
        }
        inventory.add(name, e.size(), e.lastModified());
      } catch (IllegalArgumentException ex) {
        inventory.addUnrecognized(e.key());
      }
    }
    return inventory.build();
  }

  /** Reads and parses every backup history file in the archive, in name order. */
  public List<BackupHistory> backups(ArchiveInventory inventory) throws IOException {
    List<BackupHistory> result = new ArrayList<>();
    for (WalFileName name : inventory.backupHistoryFiles()) {
      result.add(BackupHistory.parse(name, new String(read(name), StandardCharsets.UTF_8)));
    }
    return result;
  }

  /** Reads and parses every timeline history file in the archive, by timeline. */
  public Map<Long, TimelineHistory> timelineHistories(ArchiveInventory inventory)
      throws IOException {
    Map<Long, TimelineHistory> result = new java.util.TreeMap<>();
    for (WalFileName name : inventory.timelineHistoryFiles()) {
      result.put(
          name.timeline(),
          TimelineHistory.parse(name.timeline(), new String(read(name), StandardCharsets.UTF_8)));
    }
    return result;
  }

  /** Storage key prefix of backup pins. */
  public static final String PIN_PREFIX = "pins/";

  /**
   * Pins a base backup so that retention never expires it, whatever the policy. Pinning a pinned
   * backup is a no-op.
   *
   * @param backup the backup's history file name, e.g. {@code
   *     000000010000000000000002.00000028.backup}
   * @throws WalFileNotFoundException if the archive holds no such backup history file
   */
  public void pin(WalFileName backup) throws IOException {
    checkBackupName(backup);
    try {
      storage.stat(keyOf(backup));
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(backup.name());
    }
    try {
      storage.create(
          PIN_PREFIX + backup.name(),
          ObjectSource.ofBytes(clock.instant().toString().getBytes(StandardCharsets.US_ASCII)),
          Map.of());
      log.info("pinned {}", backup);
    } catch (FileAlreadyExistsException e) {
      log.info("{} was already pinned", backup);
    }
  }

  /** Removes the pin of a backup; unpinning an unpinned backup is a no-op. */
  public void unpin(WalFileName backup) throws IOException {
    checkBackupName(backup);
    storage.delete(List.of(PIN_PREFIX + backup.name()));
    log.info("unpinned {}", backup);
  }

  /** The pinned backups, in name order. */
  public java.util.SortedSet<WalFileName> pinnedBackups() throws IOException {
    java.util.SortedSet<WalFileName> pins = new java.util.TreeSet<>();
    ObjectIterator it = storage.list(PIN_PREFIX);
    while (it.hasNext()) {
      String name = it.next().key().substring(PIN_PREFIX.length());
      try {
        WalFileName parsed = WalFileName.parse(name);
        if (parsed.kind() == WalFileName.Kind.BACKUP_HISTORY) {
          pins.add(parsed);
        }
      } catch (IllegalArgumentException e) {
        log.warn("ignoring unrecognized pin object {}{}", PIN_PREFIX, name);
      }
    }
    return pins;
  }

  private static void checkBackupName(WalFileName backup) {
    requireNonNull(backup, "backup is null");
    if (backup.kind() != WalFileName.Kind.BACKUP_HISTORY) {
      throw new IllegalArgumentException(
          backup
              + " is not a backup history file name (like 000000010000000000000002.00000028.backup)");
    }
  }

  /** Closes the storage. */
  @Override
  public void close() throws IOException {
    storage.close();
  }

  @Override
  public String toString() {
    return "WalArchive[" + storage + ", " + keyring + "]";
  }

  /** Configuration of a {@link WalArchive}; every setter validates at once. */
  public static final class Builder {
    private final ArchiveStorage storage;
    private Compression compression = Compression.zstdDefault();
    private Keyring keyring = Keyring.none();
    private Path tempDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    private int spoolMemoryLimit = 8 * 1024 * 1024;
    private Clock clock = Clock.systemUTC();

    private Builder(ArchiveStorage storage) {
      this.storage = requireNonNull(storage, "storage is null");
    }

    /** Compression of new objects; default {@link Compression#zstdDefault()}. */
    public Builder compression(Compression compression) {
      this.compression = requireNonNull(compression, "compression is null");
      return this;
    }

    /**
     * Keys for encrypting new objects (with the keyring's active key) and decrypting existing ones;
     * default {@link Keyring#none()} (no encryption).
     */
    public Builder keyring(Keyring keyring) {
      this.keyring = requireNonNull(keyring, "keyring is null");
      return this;
    }

    /**
     * Where encoded objects larger than the in-memory limit are staged before upload; default
     * {@code java.io.tmpdir}.
     */
    public Builder tempDirectory(Path tempDirectory) {
      this.tempDirectory = requireNonNull(tempDirectory, "tempDirectory is null");
      return this;
    }

    /** Encoded objects up to this size are staged in memory; default 8 MiB. */
    public Builder spoolMemoryLimit(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("spoolMemoryLimit is negative: " + bytes);
      }
      this.spoolMemoryLimit = bytes;
      return this;
    }

    /** Clock for the manifest's creation time; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock is null");
      return this;
    }

    /** Builds the archive; no I/O happens until the first operation. */
    public WalArchive build() {
      return new WalArchive(this);
    }
  }
}
