package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveEvent;
import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.archive.VerifyOptions;
import dev.walarchive.core.archive.VerifyReport;
import dev.walarchive.core.archive.WalArchiveListener;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.backup.BaseBackups;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Digest;
import dev.walarchive.core.format.EncodeResult;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.ObjectHeader;
import dev.walarchive.core.format.ObjectIntegrityException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.format.WrongKeyException;
import dev.walarchive.core.retention.RetentionApplyException;
import dev.walarchive.core.retention.RetentionListener;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPlanner;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.OpenedObject;
import dev.walarchive.core.storage.TemporaryFiles;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
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
 * {@link ArchiveManifest}, the archive's identity: cluster, segment size, encryption and key check
 * values. The first segment pushed into an empty location writes it; every other operation requires
 * it and fails with {@link ArchiveConfigurationException} without it, so a wrong location is never
 * mistaken for an empty archive or for "not found".
 *
 * <p>Instances are thread safe. Closing the archive closes its storage.
 */
public final class WalArchive implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  /** Storage key prefix of archived WAL files. */
  static final String WAL_PREFIX = "wal/";

  static final String META_DIGEST = "digest";
  static final String META_PLAINSIZE = "plainsize";
  static final String META_FORMAT = "format";

  private final ArchiveStorage storage;
  private final ObjectCodec codec;
  private final Keyring keyring;
  private final Path tempDirectory;
  private final int spoolMemoryLimit;
  private final Clock clock;
  private final Manifests manifests;
  private final WalArchiveListener archiveListener;
  private final String archiveName;
  private final List<WalArchive> copies;
  private final CopyMode copyMode;
  private volatile ArchiveManifest checkedForReading;
  private final ArchiveBaseBackups baseBackups;

  private WalArchive(Builder b, ArchiveStorage storage, List<WalArchive> copies) {
    this.storage = storage;
    this.keyring = b.keyring;
    this.codec = new ObjectCodec(b.compression, b.keyring);
    this.tempDirectory = b.tempDirectory;
    this.spoolMemoryLimit = b.spoolMemoryLimit;
    this.clock = b.clock;
    this.manifests = new Manifests(storage);
    this.archiveListener = b.listener;
    // a copy is named by its own storage; the primary by the builder's name if one was given
    this.archiveName = b.name != null && storage == b.storage ? b.name : String.valueOf(storage);
    this.baseBackups = new ArchiveBaseBackups(this, storage, codec);
    this.copies = copies;
    this.copyMode = b.copyMode;
  }

  /**
   * When a push to an archive with {@linkplain Builder#copy copies} succeeds. Whatever the mode, a
   * copy that holds different content under the name, belongs to another cluster or is not set up
   * as an archive (a configuration error) fails the push.
   */
  public enum CopyMode {
    /**
     * The default: a push succeeds only when the file is durable in the primary and in every copy.
     * While a copy is down, pushes fail and PostgreSQL keeps the WAL and retries; the other
     * archives keep what they got, so the retry costs them one metadata read.
     */
    STRICT,
    /**
     * A push succeeds when the file is durable in the primary; a copy that cannot be reached (a
     * storage error) is logged as a warning and lags until {@link ArchiveCopy#copy} (the CLI's
     * {@code sync}) brings it level.
     */
    LAGGING
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

  /** Where this archive lives, as messages name it (the storage's description, no secrets). */
  public String location() {
    return manifests.location();
  }

  /**
   * The copies of this archive ({@link Builder#copy}), in the order configured: plain archives
   * without copies of their own, with this archive's compression, keyring and temporary directory.
   * {@link #push} writes to them and {@link #fetch} falls back to them; every other operation
   * ({@link #inventory}, retention, pins, key changes) acts on this archive only, so run it on each
   * copy as well where that is meant.
   */
  public List<WalArchive> copies() {
    return copies;
  }

  /** How a push treats copies that cannot be reached; {@link CopyMode#STRICT} by default. */
  public CopyMode copyMode() {
    return copyMode;
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
   * <p>The file is read once: the header check, the digest and the encoding see the same bytes, and
   * the encoded object is handed to the storage only after the file yielded exactly its expected
   * size (the segment size; for other files their size when opened) and is still the file that was
   * opened, unchanged. A file truncated, extended or replaced meanwhile is refused with {@link
   * InvalidWalFileException} and nothing is stored. Timeline history files must parse as the
   * history of the timeline their name says (with at least one switch), backup history files as
   * backup history; both must be UTF-8.
   *
   * <p>With {@linkplain #copies() copies}, the file is still read and encoded once, and the same
   * encoded object is written to this archive and to every copy (each checked against its own
   * manifest; the first push into an empty copy creates its manifest with this cluster's identity).
   * In {@link CopyMode#STRICT} the push succeeds only when the file is durable (or identical) in
   * all of them; in {@link CopyMode#LAGGING} a copy that fails with a storage error is logged and
   * skipped. A failure in a copy is thrown with the copy's location in its message.
   *
   * @throws IllegalArgumentException if the file name is not a WAL file name
   * @throws InvalidWalFileException if the file is missing, not a regular file, not the WAL its
   *     name claims, or changed while it was read
   * @throws ArchiveMismatchException if the file belongs to another cluster or segment size
   * @throws ArchiveConflictException if different content is archived under that name
   */
  public PushResult push(Path file) throws IOException {
    long started = System.nanoTime();
    try {
      PushResult result = pushFile(file);
      notify(
          ArchiveEvent.Operation.PUSH,
          result.fileName(),
          result.plaintextLength(),
          started,
          result);
      return result;
    } catch (IOException | RuntimeException e) {
      notifyFailed(
          ArchiveEvent.Operation.PUSH, file == null ? null : file.getFileName(), started, e);
      throw e;
    }
  }

  private PushResult pushFile(Path file) throws IOException {
    requireNonNull(file, "file is null");
    Path fileName = file.getFileName();
    if (fileName == null) {
      throw new IllegalArgumentException(
          "'" + file + "' has no file name; pass a path to a WAL file");
    }
    WalFileName name = WalFileName.parse(fileName.toString());
    checkRegularFile(file);
    Map<WalArchive, IOException> failedCopies = new LinkedHashMap<>();
    try (PushedFile local = PushedFile.open(file)) {
      InputStream content;
      if (name.kind() == WalFileName.Kind.SEGMENT
          || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
        byte[] head = local.readNBytes(SegmentHeader.LENGTH);
        SegmentHeader header = checkHeader(file, name, head, local.sizeAtOpen());
        local.expect(header.segmentSize().bytes());
        checkManifest(header, file);
        for (WalArchive copy : copies) {
          try {
            copy.checkManifest(header, file);
          } catch (IOException e) {
            failedCopies.put(copy, e);
          }
        }
        content = new SequenceInputStream(new ByteArrayInputStream(head), local.stream());
      } else {
        byte[] bytes = readSmallFile(local, file);
        if (name.kind() == WalFileName.Kind.BACKUP_HISTORY) {
          checkBackupHistory(file, name, bytes);
        } else {
          checkTimelineHistory(file, name, bytes);
        }
        checkManifestForHistoryFile(file);
        for (WalArchive copy : copies) {
          try {
            copy.checkManifestForHistoryFile(file);
          } catch (IOException e) {
            failedCopies.put(copy, e);
          }
        }
        content = new ByteArrayInputStream(bytes);
      }
      return store(local, name, content, failedCopies);
    }
  }

  /**
   * Judges the copies' failures of one push: in strict mode any failure fails the push; in lagging
   * mode only a storage error is forgiven (logged), never a conflict, another cluster or a
   * configuration error.
   */
  private void judgeCopies(WalFileName name, Map<WalArchive, IOException> failed)
      throws IOException {
    IOException fatal = null;
    for (Map.Entry<WalArchive, IOException> f : failed.entrySet()) {
      IOException e = f.getValue();
      if (copyMode == CopyMode.LAGGING && !fatalForCopy(e)) {
        log.warn(
            "copy {} lags: {} was not archived there ({}); it is archived in {}, and 'walarchive"
                + " sync' brings the copy level",
            f.getKey().location(),
            name,
            oneLine(e),
            location());
      } else if (fatal == null) {
        fatal = inCopy(f.getKey(), e);
      } else {
        log.warn("copy {}: {} was not archived there: {}", f.getKey().location(), name, oneLine(e));
      }
    }
    if (fatal != null) {
      throw fatal;
    }
  }

  private static boolean fatalForCopy(IOException e) {
    return e instanceof ArchiveConflictException
        || e instanceof ArchiveMismatchException
        || e instanceof ArchiveConfigurationException
        || e instanceof dev.walarchive.core.storage.StorageConfigurationException
        || e instanceof InvalidWalFileException
        || e instanceof ObjectFormatException;
  }

  /** {@code e}, of the same kind, with a message that names the copy it happened in. */
  static IOException inCopy(WalArchive copy, IOException e) {
    String m = "copy " + copy.location() + ": " + oneLine(e);
    if (e instanceof ArchiveConflictException) {
      return new ArchiveConflictException(m);
    }
    if (e instanceof ArchiveMismatchException) {
      return new ArchiveMismatchException(m);
    }
    if (e instanceof ArchiveConfigurationException) {
      return new ArchiveConfigurationException(m, e);
    }
    if (e instanceof dev.walarchive.core.storage.StorageConfigurationException) {
      return new dev.walarchive.core.storage.StorageConfigurationException(m, e);
    }
    if (e instanceof InvalidWalFileException) {
      return e;
    }
    return new IOException(m, e);
  }

  /**
   * Encodes {@code content} (the rest of {@code local}'s single pass) into the spool, checks that
   * the file yielded exactly its expected bytes and did not change meanwhile, and only then hands
   * the complete encoding to create-if-absent.
   */
  private PushResult store(
      PushedFile local,
      WalFileName name,
      InputStream content,
      Map<WalArchive, IOException> failedCopies)
      throws IOException {
    String key = keyOf(name);
    try (Spool spool = new Spool(spoolMemoryLimit, tempDirectory)) {
      EncodeResult encoded = codec.encode(name.name(), content, spool);
      local.finish();
      ObjectSource source = spool.source();
      Map<String, String> metadata = new HashMap<>();
      metadata.put(META_DIGEST, encoded.digest().toString());
      metadata.put(META_PLAINSIZE, Long.toString(encoded.plaintextLength()));
      metadata.put(META_FORMAT, "1");
      if (copies.isEmpty()) {
        return storeEncoded(local, name, key, source, metadata, encoded);
      }
      PushResult result;
      try {
        result = storeEncoded(local, name, key, source, metadata, encoded);
      } catch (IOException e) {
        // the copies still get the file, so that a retry after this archive's outage costs them
        // one metadata read
        for (WalArchive copy : copies) {
          if (!failedCopies.containsKey(copy)) {
            try {
              copy.storeEncoded(local, name, key, source, metadata, encoded);
            } catch (IOException c) {
              log.warn("copy {}: {} was not archived there: {}", copy.location(), name, oneLine(c));
            }
          }
        }
        throw e;
      }
      for (WalArchive copy : copies) {
        if (!failedCopies.containsKey(copy)) {
          try {
            copy.storeEncoded(local, name, key, source, metadata, encoded);
          } catch (IOException e) {
            failedCopies.put(copy, e);
          }
        }
      }
      judgeCopies(name, failedCopies);
      return result;
    }
  }

  /** Writes one encoded object to this archive's storage, or compares it with the existing one. */
  private PushResult storeEncoded(
      PushedFile local,
      WalFileName name,
      String key,
      ObjectSource source,
      Map<String, String> metadata,
      EncodeResult encoded)
      throws IOException {
    try {
      storage.create(key, source, metadata);
      log.debug(
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
      return compareExisting(local, name, key, encoded);
    }
  }

  private PushResult compareExisting(
      PushedFile local, WalFileName name, String key, EncodeResult encoded) throws IOException {
    ObjectStat stat = storage.stat(key);
    String recorded = stat.metadata().get(META_DIGEST);
    Digest existing = null;
    if (recorded != null) {
      try {
        existing = Digest.parse(recorded);
      } catch (IllegalArgumentException e) {
        // damaged metadata: judged by the object's authenticated content below
      }
    }
    if (existing != null) {
      Digest ours = digestLike(local, name, encoded, existing);
      if (ours.equals(existing)) {
        log.debug("{} was already archived with identical content", name);
        return new PushResult(
            name,
            PushResult.Outcome.ALREADY_ARCHIVED,
            encoded.plaintextLength(),
            stat.size(),
            ours);
      }
    }
    // the metadata is damaged or names other content: ask the object itself (a rare path, worth
    // one download, since "different content" means a second primary or a corrupt file)
    Digest authenticated;
    try (InputStream in = storage.open(key)) {
      authenticated = codec.readHeader(in).digest();
    } catch (ObjectFormatException e) {
      throw new ArchiveConflictException(
          name
              + " is already archived, but the archived object "
              + key
              + " cannot be verified ("
              + e.getMessage()
              + "); it is kept. Run 'walarchive verify' and repair the archive before retrying");
    }
    if (existing != null && authenticated.equals(existing)) {
      throw new ArchiveConflictException(
          name
              + " is already archived with different content; the archived copy is kept. Another"
              + " server may be archiving the same timeline, or the local file is corrupt");
    }
    String what =
        recorded == null
            ? "no digest"
            : existing == null
                ? "a digest field that cannot be parsed: '" + abbreviate(recorded) + "'"
                : "a digest that contradicts its content";
    Digest ours = digestLike(local, name, encoded, authenticated);
    if (ours.equals(authenticated)) {
      throw new ArchiveConflictException(
          "the archived object "
              + key
              + " has damaged storage metadata ("
              + what
              + "), though its content is identical to "
              + name
              + "; it is kept and this push fails until it is repaired: delete "
              + key
              + " from the archive so that PostgreSQL archives the file again");
    }
    throw new ArchiveConflictException(
        name
            + " is already archived with different content, and the archived object "
            + key
            + " has damaged storage metadata ("
            + what
            + "); it is kept. Run 'walarchive verify' and inspect it before retrying");
  }

  /** The digest of the pushed file in the scheme of {@code like}. */
  private Digest digestLike(PushedFile local, WalFileName name, EncodeResult encoded, Digest like)
      throws IOException {
    if (sameScheme(like, encoded.digest())) {
      return encoded.digest();
    }
    try (PushedFile again = local.reopen()) {
      Digest digest = codec.digest(again.stream(), like);
      again.finish();
      return digest;
    } catch (UnknownKeyException e) {
      throw new ArchiveConflictException(
          name
              + " is already archived under key id '"
              + like.keyId()
              + "', which is not in the keyring, so the content cannot be compared; add that"
              + " key as a read key");
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
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

  private static SegmentHeader checkHeader(
      Path file, WalFileName name, byte[] bytes, long sizeAtOpen) throws IOException {
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
    if (sizeAtOpen != header.segmentSize().bytes()) {
      throw new InvalidWalFileException(
          "file "
              + file
              + " has "
              + sizeAtOpen
              + " bytes, but its header says segments are "
              + header.segmentSize().bytes()
              + " bytes");
    }
    return header;
  }

  private static final int MAX_HISTORY_FILE = 1024 * 1024;

  /** Reads a history or backup history file whole, as the one pass over it. */
  private static byte[] readSmallFile(PushedFile local, Path file) throws IOException {
    if (local.sizeAtOpen() > MAX_HISTORY_FILE) {
      throw new InvalidWalFileException(
          "file "
              + file
              + " has "
              + local.sizeAtOpen()
              + " bytes, too many for a history file (at most "
              + MAX_HISTORY_FILE
              + ")");
    }
    return local.stream().readAllBytes();
  }

  private static void checkBackupHistory(Path file, WalFileName name, byte[] bytes)
      throws IOException {
    String text = text(bytes);
    try {
      BackupHistory.parse(name, text);
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not a valid backup history file: " + e.getMessage(), e);
    }
  }

  private static void checkTimelineHistory(Path file, WalFileName name, byte[] bytes)
      throws IOException {
    String text = text(bytes);
    TimelineHistory history;
    try {
      history = TimelineHistory.parse(name.timeline(), text);
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not a valid timeline history file: " + e.getMessage(), e);
    }
    if (history.entries().isEmpty()) {
      throw new InvalidWalFileException(
          "file "
              + file
              + " is not a valid timeline history file: it records no timeline switch, but"
              + " PostgreSQL writes at least the switch from the parent timeline into the history"
              + " of timeline "
              + name.timeline()
              + (bytes.length == 0 ? " (the file is empty)" : "")
              + "; nothing was archived");
    }
  }

  /**
   * The text of a history file for validation only (the bytes are archived unchanged). PostgreSQL
   * copies reasons and labels (e.g. a restore point's name) into these files byte for byte, in
   * whatever encoding its configuration used, and its own reader accepts any bytes there; refusing
   * non-UTF-8 text would stall archiving for good. ISO-8859-1 maps every byte to one char, so the
   * structure is checked exactly and nothing is lost.
   */
  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private void checkManifest(SegmentHeader header, Path file) throws IOException {
    ArchiveManifest manifest = writableManifest(header.systemIdentifier(), header.segmentSize());
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
    manifests.checkWriteKeys(manifest, keyring);
    storage.checkArchive(manifest.storageFacts());
  }

  /**
   * History files carry no cluster identity; the archive must exist already, or a WAL segment in
   * the same directory (pg_wal always holds one) names the cluster that creates it. A promoted
   * restore pushing into a new archive sends its {@code .history} file first.
   */
  private void checkManifestForHistoryFile(Path file) throws IOException {
    Optional<ArchiveManifest> existing = manifests.read();
    if (existing.isPresent()) {
      manifests.checkWriteKeys(existing.get(), keyring);
      storage.checkArchive(existing.get().storageFacts());
      return;
    }
    Path dir = file.toAbsolutePath().getParent();
    Optional<Map.Entry<Path, SegmentHeader>> sibling = siblingSegment(dir);
    if (sibling.isEmpty()) {
      throw new ArchiveConfigurationException(
          "no archive at "
              + manifests.location()
              + " yet, and no WAL segment in "
              + dir
              + " tells which cluster it is for; an archive is created by pushing a WAL segment");
    }
    checkManifest(sibling.get().getValue(), sibling.get().getKey());
  }

  private static Optional<Map.Entry<Path, SegmentHeader>> siblingSegment(Path dir)
      throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      files
          .filter(
              p -> {
                try {
                  return WalFileName.parse(p.getFileName().toString()).kind()
                      == WalFileName.Kind.SEGMENT;
                } catch (IllegalArgumentException e) {
                  return false;
                }
              })
          .forEach(candidates::add);
    }
    candidates.sort(java.util.Comparator.reverseOrder());
    for (Path candidate : candidates.subList(0, Math.min(16, candidates.size()))) {
      try (InputStream in = Files.newInputStream(candidate)) {
        SegmentHeader header = SegmentHeader.parse(in.readNBytes(SegmentHeader.LENGTH));
        if (Files.size(candidate) == header.segmentSize().bytes()) {
          return Optional.of(Map.entry(candidate, header));
        }
      } catch (IOException | IllegalArgumentException e) {
        // not usable: try the next one
      }
    }
    return Optional.empty();
  }

  /**
   * Creates the archive for a cluster before its first push: writes the manifest (cluster, segment
   * size, and, with a keyring that encrypts, encryption and the active key's check value) exactly
   * as the first pushed segment would. If the archive exists, returns its manifest unchanged.
   *
   * @throws ArchiveMismatchException if the archive exists for another cluster or segment size
   * @throws ArchiveConfigurationException if the location holds archived files but no manifest
   */
  public ArchiveManifest createArchive(long systemIdentifier, WalSegmentSize segmentSize)
      throws IOException {
    requireNonNull(segmentSize, "segmentSize is null");
    ArchiveManifest manifest = writableManifest(systemIdentifier, segmentSize);
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

  private ArchiveManifest writableManifest(long systemIdentifier, WalSegmentSize segmentSize)
      throws IOException {
    Optional<ArchiveManifest> existing = manifests.read();
    if (existing.isPresent()) {
      return existing.get();
    }
    if (manifests.holdsArchivedFiles()) {
      throw new ArchiveConfigurationException(
          "the archive at "
              + manifests.location()
              + " holds archived files but no archive manifest ("
              + ArchiveManifest.KEY
              + "), so nothing vouches for which cluster it belongs to; nothing was stored. If this"
              + " is the right URL, rebuild the manifest with '"
              + Manifests.REPAIR
              + "' using the archive's configuration");
    }
    String salt = keyring.encrypts() ? Manifests.newSalt() : null;
    Map<String, ArchiveManifest.ArchiveKey> keys = new TreeMap<>();
    if (keyring.encrypts()) {
      String id =
          keyring
              .activeKeyId()
              .orElseThrow(
                  () ->
                      new ArchiveConfigurationException(
                          "the keyring holds several keys "
                              + keyring.keyIds()
                              + " and none is active; set the key id to encrypt with"));
      keys.put(id, new ArchiveManifest.ArchiveKey(Manifests.check(keyring, id, salt), false));
    }
    ArchiveManifest created =
        new ArchiveManifest(
            ArchiveManifest.CURRENT_FORMAT,
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
        storage.create(ArchiveManifest.KEY, ObjectSource.ofBytes(created.toBytes()), Map.of());
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

  private Map<String, String> initializeArchive() throws IOException {
    try {
      return storage.initializeArchive();
    } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
      throw cannotCreate(e);
    }
  }

  private ArchiveConfigurationException cannotCreate(java.nio.file.FileSystemException e) {
    String reason =
        e instanceof java.nio.file.AccessDeniedException
            ? "permission denied to user " + System.getProperty("user.name") + " on " + e.getFile()
            : e.getReason() == null
                ? "no such file " + e.getFile()
                : e.getFile() + ": " + e.getReason();
    return new ArchiveConfigurationException(
        "cannot create the archive at " + manifests.location() + ": " + reason, e);
  }

  /**
   * The archive's manifest, or empty if the location holds none (nothing was ever pushed, or the
   * URL is wrong).
   *
   * @throws ArchiveConfigurationException if the manifest cannot be read or is malformed
   */
  public Optional<ArchiveManifest> manifest() throws IOException {
    return manifests.read();
  }

  /**
   * The archive's manifest, which every operation but the first push requires.
   *
   * @throws ArchiveConfigurationException if the location holds none (the message names the
   *     location and what to do) or it cannot be read or is malformed
   */
  public ArchiveManifest requireManifest() throws IOException {
    return manifests.require();
  }

  /** The manifest, checked against the keyring, for base backup operations. */
  ArchiveManifest checkedManifestForBackups() throws IOException {
    return checkedManifest(true);
  }

  /** The manifest, checked for listing (no key needed until an object is read). */
  ArchiveManifest checkedManifestForListing() throws IOException {
    return checkedManifest(false);
  }

  /** The manifest, checked for writing base backups with this keyring. */
  ArchiveManifest writableManifestForBackups() throws IOException {
    ArchiveManifest m = manifests.require();
    manifests.checkWriteKeys(m, keyring);
    storage.checkArchive(m.storageFacts());
    return m;
  }

  /** A spool for one encoded object, as pushes use. */
  Spool newSpool() {
    return new Spool(spoolMemoryLimit, tempDirectory);
  }

  Clock clock() {
    return clock;
  }

  /**
   * The base backups pushed into this archive: list them, read their manifests and files (see
   * {@link BaseBackups}).
   */
  public BaseBackups baseBackups() {
    return baseBackups;
  }

  /** The base backups' object access, for copying them verified. */
  ArchiveBaseBackups baseBackupObjects() {
    return baseBackups;
  }

  /** The manifest, once checked against the keyring, for reading operations. */
  private ArchiveManifest checkedManifest(boolean requireKey) throws IOException {
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

  /**
   * Rebuilds the manifest of an archive that lost it, or upgrades one that records no encryption
   * (written by an older walarchive), from the archived objects: reads every object under {@code
   * wal/} in full (verifying it with this archive's keyring), and writes a new manifest revision
   * only if all segments agree on system identifier and segment size (and with the old manifest, if
   * there is one) and every key id used is in the keyring. Encryption is recorded as on if any
   * object is encrypted (and then the keys used, plus the keyring's active key, are registered),
   * off otherwise. A current, valid manifest is returned unchanged.
   *
   * @throws ArchiveConfigurationException if the objects disagree, a key is missing, or no segment
   *     tells the cluster; nothing is written then
   */
  public ArchiveManifest repairManifest() throws IOException {
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
      nextRevision = ArchiveManifest.revisionOf(broken.get()).orElseThrow() + 1;
    }
    Long systemIdentifier = null;
    WalSegmentSize segmentSize = null;
    String firstSegment = null;
    java.util.SortedSet<String> keyIds = new java.util.TreeSet<>();
    String plaintextExample = null;
    long objects = 0;
    ObjectIterator it = storage.list(WAL_PREFIX);
    while (it.hasNext()) {
      ObjectEntry entry = it.next();
      WalFileName name;
      try {
        name = WalFileName.parse(entry.key().substring(WAL_PREFIX.length()));
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
            ? old.get().next(encryption, salt, keys)
            : new ArchiveManifest(
                ArchiveManifest.CURRENT_FORMAT,
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

  /**
   * Turns encryption on for an unencrypted archive: registers the keyring's active key; later
   * pushes must use a registered key, and readers need {@code allowUnencryptedObjects} for what was
   * archived before.
   *
   * @throws ArchiveConfigurationException if the archive is encrypted already, records no
   *     encryption (upgrade it with {@link #repairManifest()}), or the keyring has no active key
   */
  public ArchiveManifest enableEncryption() throws IOException {
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
        m.next(
            ArchiveManifest.Encryption.AES_256_GCM,
            salt,
            Map.of(id, new ArchiveManifest.ArchiveKey(Manifests.check(keyring, id, salt), false)));
    manifests.write(next);
    checkedForReading = null;
    log.info("archive encrypted from now on with key id {}", id);
    return next;
  }

  /**
   * Registers the keyring's active key in an encrypted archive, so that pushes may write with it.
   * Registering a key that is registered already is a no-op.
   *
   * @throws ArchiveConfigurationException if the archive is not encrypted, or the id is registered
   *     (or retired) with another key
   */
  public ArchiveManifest addKey() throws IOException {
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
    ArchiveManifest next = m.next(m.encryption(), m.keyCheckSalt(), keys);
    manifests.write(next);
    checkedForReading = null;
    log.info("registered key id {}", id);
    return next;
  }

  /**
   * Retires a registered key: it still reads what it encrypted, but pushes with it are refused.
   *
   * @throws ArchiveConfigurationException if the id is not registered, retired already, or the last
   *     current key
   */
  public ArchiveManifest retireKey(String keyId) throws IOException {
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
    ArchiveManifest next = m.next(m.encryption(), m.keyCheckSalt(), keys);
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
    return keyring
        .activeKeyId()
        .orElseThrow(
            () ->
                new ArchiveConfigurationException(
                    "the keyring holds several keys "
                        + keyring.keyIds()
                        + " and none is active; set the active key id"));
  }

  /**
   * Restores one archived file to {@code destination}, as {@code restore_command} does: one read by
   * name, verified (authenticity, name binding, digest, and that the storage object's metadata
   * agrees with the authenticated content), written to a temporary file beside {@code destination},
   * fsynced and renamed into place (replacing an existing file). On any failure nothing is left at
   * {@code destination}.
   *
   * <p>With {@linkplain #copies() copies}, a file that this archive does not hold, or cannot
   * deliver (a storage error, a missing manifest, an object that fails verification), is fetched
   * from the first copy that can, and a warning names the copy that served it and why this archive
   * did not. It is "not in the archive" only when every archive answered that it does not hold it;
   * if any archive failed and none had it, the first failure is thrown.
   *
   * @throws IllegalArgumentException if {@code fileName} is not a WAL file name
   * @throws WalFileNotFoundException if the archive does not hold the file
   * @throws ObjectFormatException if the object fails verification
   */
  public long fetch(String fileName, Path destination) throws IOException {
    long started = System.nanoTime();
    try {
      long written = fetchFile(fileName, destination);
      notify(ArchiveEvent.Operation.FETCH, WalFileName.parse(fileName), written, started, null);
      return written;
    } catch (IOException | RuntimeException e) {
      notifyFailed(ArchiveEvent.Operation.FETCH, fileName, started, e);
      throw e;
    }
  }

  private long fetchFile(String fileName, Path destination) throws IOException {
    WalFileName name = WalFileName.parse(requireNonNull(fileName, "fileName is null"));
    requireNonNull(destination, "destination is null");
    Path target = destination.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          String.valueOf(dir), null, "destination directory does not exist");
    }
    if (copies.isEmpty()) {
      return fetchOne(name, target);
    }
    IOException failure = null;
    List<String> why = new ArrayList<>();
    for (WalArchive archive : archives()) {
      try {
        long n = archive.fetchOne(name, target);
        if (archive != this) {
          log.warn(
              "restored {} from copy {} ({})", name, archive.location(), String.join("; ", why));
        } else {
          log.info("restored {} from {}", name, location());
        }
        return n;
      } catch (WalFileNotFoundException e) {
        why.add(archive.location() + " does not hold it");
      } catch (IOException e) {
        if (failure == null) {
          failure = archive == this ? e : inCopy(archive, e);
        }
        why.add(archive.location() + " failed: " + oneLine(e));
      }
    }
    if (failure != null) {
      if (why.size() > 1) {
        log.warn("{} could not be restored from any archive: {}", name, String.join("; ", why));
      }
      throw failure;
    }
    throw new WalFileNotFoundException(name.name());
  }

  /** Checks the manifest against the keyring as a reading operation does. */
  void checkReadable() throws IOException {
    checkedManifest(false);
  }

  /** This archive, then its copies. */
  private List<WalArchive> archives() {
    List<WalArchive> all = new ArrayList<>(1 + copies.size());
    all.add(this);
    all.addAll(copies);
    return all;
  }

  private long fetchOne(WalFileName name, Path target) throws IOException {
    checkedManifest(true);
    Path dir = target.getParent();
    OpenedObject stored;
    try {
      stored = storage.openWithStat(keyOf(name));
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
    // leftovers of earlier runs that were killed (never a live run's: TemporaryFiles)
    TemporaryFiles.removeStale(dir, ".");
    Path temp = TemporaryFiles.newPath(dir, "." + target.getFileName());
    long written = 0;
    try (stored) {
      FileChannel channel;
      try {
        channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (AccessDeniedException e) {
        throw TemporaryFiles.cannotWrite(dir, e);
      }
      try (channel) {
        OutputStream out =
            TemporaryFiles.namingDirectory(
                dir, java.nio.channels.Channels.newOutputStream(channel));
        written = decodeVerified(name, stored, out);
        try {
          channel.force(true);
        } catch (IOException e) {
          throw TemporaryFiles.writeFailure(dir, e);
        }
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AccessDeniedException e) {
        throw TemporaryFiles.cannotWrite(dir, e);
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    log.debug("restored {} ({} bytes)", name, written);
    return written;
  }

  /**
   * Decodes {@code stored} into {@code out} and verifies it completely before returning: the
   * codec's checks, the storage metadata against the authenticated content, and for segments that
   * the length is the segment size the segment's own header states. Until this returns, what was
   * written to {@code out} must not be used.
   */
  long decodeVerified(WalFileName name, OpenedObject stored, OutputStream out) throws IOException {
    byte[] head = new byte[SegmentHeader.LENGTH];
    long length = 0;
    try (InputStream plain = codec.decode(name.name(), stored.content())) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = plain.read(buffer)) >= 0; ) {
        if (length < head.length) {
          System.arraycopy(buffer, 0, head, (int) length, (int) Math.min(n, head.length - length));
        }
        out.write(buffer, 0, n);
        length += n;
      }
      checkMetadata(stored.stat(), ObjectCodec.verifiedHeader(plain));
    }
    if (name.kind() == WalFileName.Kind.SEGMENT
        || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
      checkSegmentLength(stored.stat().key(), head, length);
    }
    return length;
  }

  /**
   * A segment object whose length is not the segment size its own header states was archived from a
   * file that changed while it was read (possible before walarchive refused such files).
   */
  private static void checkSegmentLength(String key, byte[] head, long length)
      throws ObjectIntegrityException {
    long expected;
    try {
      expected =
          length < SegmentHeader.LENGTH ? -1 : SegmentHeader.parse(head).segmentSize().bytes();
    } catch (IllegalArgumentException e) {
      expected = -1;
    }
    if (expected < 0) {
      throw new ObjectIntegrityException(
          "object "
              + key
              + " is corrupt: its content does not start with a WAL segment header; run"
              + " 'walarchive verify' to find every such object");
    }
    if (length != expected) {
      throw new ObjectIntegrityException(
          "object "
              + key
              + " is corrupt: it holds "
              + length
              + " bytes, but the segment's header says segments are "
              + expected
              + " bytes (it was archived from a file that changed while it was read); if the"
              + " primary still has the segment in pg_wal, delete the object and archive the"
              + " file again");
    }
  }

  /**
   * Checks that the metadata stored with an object (digest, plaintext length, format) agrees with
   * what its authenticated content says. The metadata is what an identical re-push compares with;
   * metadata that contradicts the content was altered after archiving.
   */
  static void checkMetadata(ObjectStat stat, ObjectHeader verified)
      throws ObjectIntegrityException {
    Map<String, String> metadata = stat.metadata();
    String digest = metadata.get(META_DIGEST);
    String size = metadata.get(META_PLAINSIZE);
    String format = metadata.get(META_FORMAT);
    String problem = null;
    if (digest == null) {
      problem = "no digest";
    } else if (!digest.equals(verified.digest().toString())) {
      problem = "a digest that differs from the one its authenticated content carries";
    } else if (size == null) {
      problem = "no plaintext size";
    } else if (!size.equals(Long.toString(verified.plaintextLength()))) {
      problem =
          "a plaintext size of '"
              + abbreviate(size)
              + "', but its authenticated content has "
              + verified.plaintextLength()
              + " bytes";
    } else if (format != null && !format.equals(Integer.toString(verified.formatVersion()))) {
      problem =
          "format '"
              + abbreviate(format)
              + "', but its content is format "
              + verified.formatVersion();
    }
    if (problem != null) {
      throw new ObjectIntegrityException(
          "object "
              + stat.key()
              + " is corrupt: its storage metadata has "
              + problem
              + ", so it was altered after archiving; run 'walarchive verify' to find every"
              + " such object");
    }
  }

  /**
   * Reads and decodes a small archived file (history and backup history files) into memory.
   *
   * @throws WalFileNotFoundException if it is not in the archive
   */
  public byte[] read(WalFileName name) throws IOException {
    checkedManifest(false);
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
    long started = System.nanoTime();
    try {
      long length = verifyFile(name);
      notify(ArchiveEvent.Operation.VERIFY, name, length, started, null);
      return length;
    } catch (IOException | RuntimeException e) {
      notifyFailed(ArchiveEvent.Operation.VERIFY, name, started, e);
      throw e;
    }
  }

  private long verifyFile(WalFileName name) throws IOException {
    checkedManifest(false);
    try (OpenedObject stored = storage.openWithStat(keyOf(name))) {
      return decodeVerified(name, stored, OutputStream.nullOutputStream());
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
  }

  /** Verifies the archive with {@link VerifyOptions#defaults()}: {@link #verify(VerifyOptions)}. */
  public VerifyReport verify() throws IOException {
    return verify(VerifyOptions.defaults());
  }

  /**
   * Verifies the archive from one listing, as a monitoring job needs it, and reports every problem
   * and warning as data rather than failing on the first:
   *
   * <ul>
   *   <li>continuity ({@link dev.walarchive.core.archive.ContinuityCheck}): every backup can be
   *       recovered to the end of the archived WAL of every timeline it can reach; a missing
   *       segment is a {@link VerifyReport.Kind#GAP}, no readable backup at all is {@link
   *       VerifyReport.Kind#NO_BACKUP}. Backup and timeline history files are read {@linkplain
   *       #histories tolerantly}: one that cannot be read is an {@link
   *       VerifyReport.Kind#UNREADABLE_HISTORY} problem;
   *   <li>walarchive base backups ({@link #baseBackups()}), each in {@link
   *       VerifyReport#baseBackups()}: a complete one's marker and manifest are read, and every
   *       data object the manifest names must exist ({@link
   *       VerifyReport.Kind#BACKUP_MISSING_OBJECT}, {@link VerifyReport.Kind#BACKUP_CORRUPT}), also
   *       without integrity; its WAL from start to consistency and beyond is the continuity check
   *       of its backup history file (findings name the base backup), or, if that file is gone,
   *       checked from start to stop on its own. An incomplete one is a {@link
   *       VerifyReport.Kind#BACKUP_INCOMPLETE} warning, and its backup history file counts for
   *       nothing, as in {@link #planRetention};
   *   <li>timelines growing side by side (two servers archiving into one archive) are a {@link
   *       VerifyReport.Kind#DIVERGENCE} warning;
   *   <li>integrity ({@link VerifyOptions#integrity()}): every object, or a random sample, is
   *       decoded and checked as {@link #verifyObject} does, {@link VerifyOptions#parallelism()} at
   *       a time; a damaged one (or one whose key the keyring lacks) is {@link
   *       VerifyReport.Kind#CORRUPT}. The complete base backups' data objects are checked too, each
   *       decoded once with every file's SHA-256 compared to the manifest ({@link
   *       VerifyReport.Kind#BACKUP_CORRUPT}); a sample is drawn from WAL and data objects together;
   *   <li>freshness ({@link VerifyOptions#maxAge()}): the newest segment, by the storage's time, is
   *       at most that old as of this archive's clock, otherwise {@link VerifyReport.Kind#STALE}.
   * </ul>
   *
   * @throws ArchiveConfigurationException if the location holds no archive or the keyring does not
   *     match it
   * @throws IOException if the storage fails, or an object vanishes during the check
   */
  public VerifyReport verify(VerifyOptions options) throws IOException {
    requireNonNull(options, "options is null");
    return new Verifier(this, options, clock.instant()).run();
  }

  private void notify(
      ArchiveEvent.Operation operation,
      WalFileName file,
      long bytes,
      long startedNanos,
      PushResult pushed) {
    if (archiveListener == WalArchiveListener.NONE) {
      return;
    }
    ArchiveEvent event = new ArchiveEvent(archiveName, operation, file, bytes, since(startedNanos));
    try {
      switch (operation) {
        case PUSH -> archiveListener.pushed(event, pushed);
        case FETCH -> archiveListener.fetched(event);
        case DELETE -> archiveListener.deleted(event);
        case VERIFY -> archiveListener.verified(event);
      }
    } catch (RuntimeException e) {
      log.warn("archive listener failed on {} of {}: {}", operation, file, oneLine(e));
    }
  }

  /** A failure event, for a file whose name parses (others are no event). */
  private void notifyFailed(
      ArchiveEvent.Operation operation, Object file, long startedNanos, Exception cause) {
    if (archiveListener == WalArchiveListener.NONE || file == null) {
      return;
    }
    WalFileName parsed;
    if (file instanceof WalFileName n) {
      parsed = n;
    } else {
      try {
        parsed = WalFileName.parse(file.toString());
      } catch (IllegalArgumentException e) {
        return;
      }
    }
    try {
      archiveListener.failed(
          new ArchiveEvent(archiveName, operation, parsed, 0, since(startedNanos)), cause);
    } catch (RuntimeException e) {
      log.warn("archive listener failed on {} of {}: {}", operation, parsed, oneLine(e));
    }
  }

  /** Events for a delete batch: a failure for each of {@code failed}, a delete for the rest. */
  private void notifyDeleted(
      List<RetentionPlan.Deletion> batch,
      List<RetentionPlan.Deletion> failed,
      long startedNanos,
      IOException cause) {
    if (archiveListener == WalArchiveListener.NONE) {
      return;
    }
    Set<RetentionPlan.Deletion> notDeleted = new java.util.HashSet<>(failed);
    for (RetentionPlan.Deletion d : batch) {
      if (notDeleted.contains(d)) {
        notifyFailed(ArchiveEvent.Operation.DELETE, d.name(), startedNanos, cause);
      } else {
        notify(ArchiveEvent.Operation.DELETE, d.name(), d.storedSize(), startedNanos, null);
      }
    }
  }

  private static java.time.Duration since(long startedNanos) {
    return java.time.Duration.ofNanos(Math.max(0, System.nanoTime() - startedNanos));
  }

  /**
   * Lists every archived WAL file, in name order, and returns what the archive holds: timelines,
   * segment ranges, gaps, history and backup files.
   */
  public ArchiveInventory inventory() throws IOException {
    WalSegmentSize size = checkedManifest(false).segmentSize();
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

  /**
   * Reads and parses every backup history file in the archive, in name order, failing on the first
   * that cannot be read; {@link #histories(ArchiveInventory)} reads them tolerantly.
   */
  public List<BackupHistory> backups(ArchiveInventory inventory) throws IOException {
    List<BackupHistory> result = new ArrayList<>();
    for (WalFileName name : inventory.backupHistoryFiles()) {
      result.add(BackupHistory.parse(name, new String(read(name), StandardCharsets.UTF_8)));
    }
    return result;
  }

  /**
   * Reads and parses every timeline history file in the archive, by timeline, failing on the first
   * that cannot be read; {@link #histories(ArchiveInventory)} reads them tolerantly.
   */
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

  /**
   * Reads every backup history and timeline history file of the inventory, tolerantly: a file that
   * vanished after the listing, is damaged (fails verification) or does not parse is left out and
   * reported in {@link ArchiveHistories#skipped()}.
   *
   * <p>A key that is missing or wrong is not a damaged file but a configuration error: it is
   * thrown, since anything decided without the history files would rest on guesses.
   *
   * @throws UnknownKeyException if a history file is encrypted with a key id the keyring lacks
   * @throws WrongKeyException if the keyring's key for its id does not decrypt it
   * @throws IOException if the storage fails
   */
  public ArchiveHistories histories(ArchiveInventory inventory) throws IOException {
    requireNonNull(inventory, "inventory is null");
    List<ArchiveHistories.Skipped> skipped = new ArrayList<>();
    List<BackupHistory> backups = new ArrayList<>();
    for (WalFileName name : inventory.backupHistoryFiles()) {
      String text = readTolerantly(name, skipped);
      if (text != null) {
        try {
          backups.add(BackupHistory.parse(name, text));
        } catch (IllegalArgumentException e) {
          skipped.add(new ArchiveHistories.Skipped(name, oneLine(e)));
        }
      }
    }
    Map<Long, TimelineHistory> timelines = new java.util.TreeMap<>();
    for (WalFileName name : inventory.timelineHistoryFiles()) {
      String text = readTolerantly(name, skipped);
      if (text != null) {
        try {
          timelines.put(name.timeline(), TimelineHistory.parse(name.timeline(), text));
        } catch (IllegalArgumentException e) {
          skipped.add(new ArchiveHistories.Skipped(name, oneLine(e)));
        }
      }
    }
    return new ArchiveHistories(backups, timelines, skipped);
  }

  private String readTolerantly(WalFileName name, List<ArchiveHistories.Skipped> skipped)
      throws IOException {
    try {
      return new String(read(name), StandardCharsets.UTF_8);
    } catch (WalFileNotFoundException e) {
      skipped.add(new ArchiveHistories.Skipped(name, "vanished after the listing"));
    } catch (UnknownKeyException | WrongKeyException e) {
      throw e;
    } catch (ObjectFormatException e) {
      skipped.add(new ArchiveHistories.Skipped(name, oneLine(e)));
    }
    return null;
  }

  static String oneLine(Exception e) {
    String m = e.getMessage();
    return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m)
        .replace('\n', ' ')
        .replace('\r', ' ');
  }

  /**
   * The most files {@link #applyRetention(RetentionPlan, int, RetentionListener)} deletes per call.
   */
  public static final int MAX_DELETE_BATCH = 1000;

  /**
   * Plans retention for this archive as of its clock's now: {@link #planRetention(RetentionPolicy,
   * Instant)}.
   */
  public RetentionPlan planRetention(RetentionPolicy policy) throws IOException {
    return planRetention(policy, clock.instant());
  }

  /**
   * Plans retention for this archive: lists it, reads its pins ({@link #pin}) and its history files
   * tolerantly ({@link #histories}), and plans with {@link RetentionPlanner} for {@code policy}
   * with every pinned backup added. Deletes nothing: the plan is a dry run until {@link
   * #applyRetention(RetentionPlan, RetentionListener)}. What was skipped is in {@link
   * RetentionPlan#skipped()} and {@link RetentionPlan#warnings()}.
   *
   * @param now the end of the recovery window
   * @throws UnknownKeyException if a history file needs a key the keyring lacks
   * @throws WrongKeyException if a history file does not decrypt with the keyring's key
   */
  public RetentionPlan planRetention(RetentionPolicy policy, Instant now) throws IOException {
    requireNonNull(policy, "policy is null");
    requireNonNull(now, "now is null");
    SortedSet<WalFileName> pins = pinnedBackups();
    ArchiveInventory inventory = inventory();
    Set<WalFileName> unusable = incompleteBackupHistories(inventory, baseBackups.list());
    if (!unusable.isEmpty()) {
      // the .backup file of a walarchive push that never completed is no restorable backup: it
      // must not count for keep-N or a window (it would expire backups that can be restored)
      List<ArchiveInventory.Entry> entries = new ArrayList<>();
      for (ArchiveInventory.Entry e : inventory.entries()) {
        if (!unusable.contains(e.name())) {
          entries.add(e);
        }
      }
      inventory =
          new ArchiveInventory(
              entries, inventory.unrecognizedKeys(), inventory.segmentSize().orElse(null));
    }
    ArchiveHistories histories = histories(inventory);
    return RetentionPlanner.plan(inventory, histories, pins, policy, now);
  }

  /**
   * The backup history files of walarchive base backups that are not complete (interrupted after
   * {@code pg_backup_stop}): same start LSN as an incomplete backup, and no complete one.
   */
  private static Set<WalFileName> incompleteBackupHistories(
      ArchiveInventory inventory, List<dev.walarchive.core.backup.BaseBackupInfo> backups) {
    Set<dev.walarchive.core.wal.Lsn> incomplete = new java.util.HashSet<>();
    Set<dev.walarchive.core.wal.Lsn> complete = new java.util.HashSet<>();
    for (dev.walarchive.core.backup.BaseBackupInfo b : backups) {
      (b.complete() ? complete : incomplete).add(b.name().startLsn());
    }
    return incompleteBackupHistories(inventory, incomplete, complete);
  }

  /**
   * The backup history files whose start LSN is in {@code incomplete} (start LSNs of incomplete
   * walarchive backups) and not in {@code complete}.
   */
  static Set<WalFileName> incompleteBackupHistories(
      ArchiveInventory inventory,
      Set<dev.walarchive.core.wal.Lsn> incomplete,
      Set<dev.walarchive.core.wal.Lsn> complete) {
    incomplete = new java.util.HashSet<>(incomplete);
    incomplete.removeAll(complete);
    Set<WalFileName> result = new java.util.HashSet<>();
    if (incomplete.isEmpty() || inventory.segmentSize().isEmpty()) {
      return result;
    }
    for (WalFileName name : inventory.backupHistoryFiles()) {
      try {
        if (incomplete.contains(name.backupStartLsn(inventory.segmentSize().get()))) {
          result.add(name);
        }
      } catch (IllegalArgumentException e) {
        // impossible for this segment size: the planner warns about it
      }
    }
    return result;
  }

  /** How long an incomplete base backup must have been idle before retention removes it. */
  static final java.time.Duration STALE_BACKUP = java.time.Duration.ofHours(6);

  /**
   * The walarchive base backups {@code plan} deletes: the complete ones whose backup history file
   * it expires, and the debris of interrupted pushes (incomplete, with no object written for {@link
   * #STALE_BACKUP}), each with its backup history file if the archive holds one.
   */
  private Map<dev.walarchive.core.backup.BackupName, List<String>> backupDeletions(
      RetentionPlan plan) throws IOException {
    Set<WalFileName> expired = new java.util.HashSet<>();
    for (RetentionPlan.Backup b : plan.expiredBackups()) {
      expired.add(b.name());
    }
    Map<dev.walarchive.core.backup.BackupName, List<String>> result = new java.util.TreeMap<>();
    List<dev.walarchive.core.backup.BaseBackupInfo> backups = baseBackups.list();
    ArchiveInventory inventory = null;
    Instant staleBefore = clock.instant().minus(STALE_BACKUP);
    for (dev.walarchive.core.backup.BaseBackupInfo b : backups) {
      if (b.complete()) {
        if (expired.contains(b.completed().get().backupHistoryFile())) {
          result.put(b.name(), List.of());
        }
      } else if (baseBackups.lastWrite(b.name()).isBefore(staleBefore)) {
        if (inventory == null) {
          inventory = inventory();
        }
        List<String> history = new ArrayList<>();
        for (WalFileName h : incompleteBackupHistories(inventory, List.of(b))) {
          history.add(keyOf(h));
        }
        result.put(b.name(), history);
      }
    }
    return result;
  }

  /**
   * The walarchive base backups {@link #applyRetention(RetentionPlan, RetentionListener)} would
   * delete for {@code plan} now, each with the number of its objects in the archive: the complete
   * ones whose backup history file the plan expires, and incomplete ones (interrupted pushes) with
   * no object written for 6 hours. Deletes nothing; for a dry run.
   */
  public java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> baseBackupDeletions(
      RetentionPlan plan) throws IOException {
    requireNonNull(plan, "plan is null");
    Set<dev.walarchive.core.backup.BackupName> names = backupDeletions(plan).keySet();
    java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> result =
        new java.util.TreeMap<>();
    for (ArchiveBaseBackups.Listed l : baseBackups.scan()) {
      if (names.contains(l.name())) {
        result.put(l.name(), (long) l.keys().size());
      }
    }
    return java.util.Collections.unmodifiableSortedMap(result);
  }

  /**
   * Applies a plan with batches of {@value #MAX_DELETE_BATCH}: {@link
   * #applyRetention(RetentionPlan, int, RetentionListener)}.
   */
  public long applyRetention(RetentionPlan plan, RetentionListener listener) throws IOException {
    return applyRetention(plan, MAX_DELETE_BATCH, listener);
  }

  /**
   * Deletes a plan's {@link RetentionPlan#deletions()} in its order, in batches, and returns how
   * many files were deleted (those already gone count).
   *
   * <p>Before deleting anything it refuses, with {@link IllegalStateException}, a plan that would
   * delete a timeline history file, or that expires a backup pinned in the archive now (pinned
   * after the plan was made, or a plan made without the archive's pins): plan again. Then it
   * deletes batch by batch, telling {@code listener} after each. A failed batch stops the run:
   * {@link RetentionApplyException} says how far it got, and {@code listener} hears of each file
   * that was not deleted. Since deletions run in the plan's safe order (expired backups' history
   * files first, then WAL by name), stopping anywhere, by failure, interruption of the thread
   * ({@link InterruptedIOException} between batches) or a crash, leaves an archive whose retained
   * backups have all they need; applying the same plan again, or a new plan, finishes the job, and
   * applying a completed plan again deletes nothing that is still needed.
   *
   * @param batchSize files per delete call, 1 to {@value #MAX_DELETE_BATCH}
   * @throws IllegalArgumentException if {@code batchSize} is out of range
   * @throws IllegalStateException if the plan deletes a timeline history file or a pinned backup
   * @throws RetentionApplyException if a batch failed
   * @throws InterruptedIOException if the thread was interrupted (the flag stays set)
   */
  public long applyRetention(RetentionPlan plan, int batchSize, RetentionListener listener)
      throws IOException {
    requireNonNull(plan, "plan is null");
    requireNonNull(listener, "listener is null");
    if (batchSize < 1 || batchSize > MAX_DELETE_BATCH) {
      throw new IllegalArgumentException(
          "batch size must be from 1 to " + MAX_DELETE_BATCH + ", not " + batchSize);
    }
    List<RetentionPlan.Deletion> deletions = plan.deletions();
    for (RetentionPlan.Deletion d : deletions) {
      if (d.name().kind() == WalFileName.Kind.TIMELINE_HISTORY) {
        throw new IllegalStateException("refusing to delete timeline history file " + d.name());
      }
    }
    Map<dev.walarchive.core.backup.BackupName, List<String>> backupDeletions =
        backupDeletions(plan);
    if (deletions.isEmpty() && backupDeletions.isEmpty()) {
      return 0;
    }
    checkNoPinnedExpires(plan);
    long files = 0;
    long bytes = 0;
    // expired walarchive backups stop being complete before anything they need goes; an
    // interrupted push's .backup file goes before its objects (so it never counts as a backup)
    for (Map.Entry<dev.walarchive.core.backup.BackupName, List<String>> e :
        backupDeletions.entrySet()) {
      storage.delete(
          List.of(ArchiveBaseBackups.prefixOf(e.getKey()) + ArchiveBaseBackups.COMPLETE));
      if (!e.getValue().isEmpty()) {
        storage.delete(e.getValue());
      }
    }
    for (int from = 0; from < deletions.size(); from += batchSize) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException(
            "interrupted after deleting "
                + files
                + " of "
                + deletions.size()
                + " files; plan and apply again to finish");
      }
      List<RetentionPlan.Deletion> batch =
          deletions.subList(from, Math.min(from + batchSize, deletions.size()));
      Map<String, RetentionPlan.Deletion> byKey = new java.util.LinkedHashMap<>();
      long batchBytes = 0;
      for (RetentionPlan.Deletion d : batch) {
        byKey.put(keyOf(d.name()), d);
        batchBytes += d.storedSize();
      }
      long started = System.nanoTime();
      try {
        storage.delete(List.copyOf(byKey.keySet()));
      } catch (BatchDeleteException e) {
        List<RetentionPlan.Deletion> failed = new ArrayList<>();
        for (Map.Entry<String, String> f : new java.util.TreeMap<>(e.failures()).entrySet()) {
          RetentionPlan.Deletion d = byKey.get(f.getKey());
          if (d != null) {
            failed.add(d);
            listener.failed(d, f.getValue());
          }
        }
        notifyDeleted(batch, failed, started, e);
        throw new RetentionApplyException(
            e, files + batch.size() - failed.size(), deletions.size(), failed);
      } catch (IOException e) {
        notifyDeleted(batch, batch, started, e);
        throw new RetentionApplyException(e, files, deletions.size(), List.of());
      }
      notifyDeleted(batch, List.of(), started, null);
      files += batch.size();
      bytes += batchBytes;
      log.debug("deleted {} of {} files", files, deletions.size());
      listener.deleted(batch, files, bytes);
    }
    for (dev.walarchive.core.backup.BackupName name : backupDeletions.keySet()) {
      files += baseBackups.deleteObjects(name);
      log.info("retention deleted base backup {}", name);
    }
    log.info("retention deleted {} files ({} bytes)", files, bytes);
    return files;
  }

  private void checkNoPinnedExpires(RetentionPlan plan) throws IOException {
    Set<WalFileName> pins = pinnedBackups();
    for (RetentionPlan.Backup b : plan.expiredBackups()) {
      if (pins.contains(b.name())) {
        throw new IllegalStateException(
            "the plan expires "
                + b.name()
                + ", which is pinned in the archive (pinned after the plan was made, or the plan"
                + " was made without the archive's pins); nothing was deleted: plan again with"
                + " planRetention");
      }
    }
    for (RetentionPlan.Deletion d : plan.deletions()) {
      if (pins.contains(d.name())) {
        throw new IllegalStateException(
            "the plan deletes " + d.name() + ", which is pinned in the archive; plan again");
      }
    }
  }

  /** Storage key prefix of backup pins. */
  static final String PIN_PREFIX = "pins/";

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
    checkedManifest(false);
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
    checkedManifest(false);
    storage.delete(List.of(PIN_PREFIX + backup.name()));
    log.info("unpinned {}", backup);
  }

  /** The pinned backups, in name order. */
  public java.util.SortedSet<WalFileName> pinnedBackups() throws IOException {
    checkedManifest(false);
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

  /** Closes the storage, and those of the copies. */
  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (WalArchive copy : copies) {
      try {
        copy.close();
      } catch (IOException e) {
        failure = e;
      }
    }
    storage.close();
    if (failure != null) {
      throw failure;
    }
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
    private WalArchiveListener listener = WalArchiveListener.NONE;
    private String name;
    private final List<ArchiveStorage> copies = new ArrayList<>();
    private CopyMode copyMode = CopyMode.STRICT;

    private Builder(ArchiveStorage storage) {
      this.storage = requireNonNull(storage, "storage is null");
    }

    /**
     * Adds a copy of the archive on {@code storage}, e.g. in another region or provider: {@link
     * WalArchive#push} writes every file to it as well and {@link WalArchive#fetch} falls back to
     * it. It is an archive of its own, with its own manifest for the same cluster, and uses this
     * builder's compression, keyring and temporary directory. Closing the archive closes it.
     */
    public Builder copy(ArchiveStorage storage) {
      requireNonNull(storage, "storage is null");
      if (storage == this.storage || copies.contains(storage)) {
        throw new IllegalArgumentException("storage " + storage + " is added twice");
      }
      copies.add(storage);
      return this;
    }

    /** When a push with copies succeeds; default {@link CopyMode#STRICT}. */
    public Builder copyMode(CopyMode copyMode) {
      this.copyMode = requireNonNull(copyMode, "copyMode is null");
      return this;
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

    /**
     * Clock for the manifest's creation time, pin times and the "now" of {@link
     * WalArchive#planRetention(RetentionPolicy)}; default UTC system clock.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock is null");
      return this;
    }

    /**
     * Hears of every file pushed, fetched, deleted or verified, for metrics; default {@link
     * WalArchiveListener#NONE}.
     */
    public Builder listener(WalArchiveListener listener) {
      this.listener = requireNonNull(listener, "listener is null");
      return this;
    }

    /**
     * The archive's name in {@link ArchiveEvent#archive()}, e.g. a cluster name for a metrics
     * label; default the storage's {@code toString()} when the archive is built (for {@code file:},
     * {@code s3://}, {@code gs://} and {@code az://} storage its location).
     */
    public Builder name(String name) {
      requireNonNull(name, "name is null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name is blank");
      }
      this.name = name;
      return this;
    }

    /** Builds the archive; no I/O happens until the first operation. */
    public WalArchive build() {
      List<WalArchive> built = new ArrayList<>();
      for (ArchiveStorage copy : copies) {
        built.add(new WalArchive(this, copy, List.of()));
      }
      return new WalArchive(this, storage, List.copyOf(built));
    }
  }
}
