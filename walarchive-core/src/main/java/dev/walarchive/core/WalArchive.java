package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveHistories;
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
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
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
    List<ArchiveInventory.Entry> entries = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    WalSegmentSize size = manifest().map(ArchiveManifest::segmentSize).orElse(null);
    ObjectIterator it = storage.list(WAL_PREFIX);
    while (it.hasNext()) {
      ObjectEntry e = it.next();
      String n = e.key().substring(WAL_PREFIX.length());
      try {
        WalFileName name = WalFileName.parse(n);
        if (size != null && name.kind() != WalFileName.Kind.TIMELINE_HISTORY) {
          name.segmentNumber(size); // a name no segment of this size can have is not ours
        }
        entries.add(new ArchiveInventory.Entry(name, e.size(), e.lastModified()));
      } catch (IllegalArgumentException ex) {
        unknown.add(e.key());
      }
    }
    return new ArchiveInventory(entries, unknown, size);
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

  private static String oneLine(Exception e) {
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
    ArchiveHistories histories = histories(inventory);
    return RetentionPlanner.plan(inventory, histories, pins, policy, now);
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
    if (deletions.isEmpty()) {
      return 0;
    }
    checkNoPinnedExpires(plan);
    long files = 0;
    long bytes = 0;
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
        throw new RetentionApplyException(
            e, files + batch.size() - failed.size(), deletions.size(), failed);
      } catch (IOException e) {
        throw new RetentionApplyException(e, files, deletions.size(), List.of());
      }
      files += batch.size();
      bytes += batchBytes;
      log.debug("deleted {} of {} files", files, deletions.size());
      listener.deleted(batch, files, bytes);
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

    /**
     * Clock for the manifest's creation time, pin times and the "now" of {@link
     * WalArchive#planRetention(RetentionPolicy)}; default UTC system clock.
     */
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
