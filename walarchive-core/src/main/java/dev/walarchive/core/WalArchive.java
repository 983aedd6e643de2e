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
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

  /** Storage key prefix of archived WAL files. */
  static final String WAL_PREFIX = "wal/";

  static final String META_DIGEST = "digest";
  static final String META_PLAINSIZE = "plainsize";
  static final String META_FORMAT = "format";

  private final ArchiveStorage storage;
  private final Path tempDirectory;
  private final int spoolMemoryLimit;
  private final Clock clock;
  private final Keyring keyring;
  private final Manifests manifests;
  private final List<WalArchive> copies;
  private final CopyMode copyMode;
  private final ArchiveBaseBackups baseBackups;
  private final ArchiveEvents events;
  private final ManifestAdmin admin;
  private final WalPush pushPath;
  private final WalFetch fetchPath;
  private final InventoryReader reader;
  private final Pins pins;
  private final ArchiveRetention retention;

  private WalArchive(Builder b, ArchiveStorage storage, List<WalArchive> copies) {
    this.storage = storage;
    this.keyring = b.keyring;
    ObjectCodec codec = new ObjectCodec(b.compression, b.keyring);
    this.tempDirectory = b.tempDirectory;
    this.spoolMemoryLimit = b.spoolMemoryLimit;
    this.clock = b.clock;
    this.manifests = new Manifests(storage);
    // a copy is named by its own storage; the primary by the builder's name if one was given
    String archiveName = b.name != null && storage == b.storage ? b.name : String.valueOf(storage);
    this.events = new ArchiveEvents(b.listener, archiveName);
    this.baseBackups = new ArchiveBaseBackups(this, storage, codec);
    this.copies = copies;
    this.copyMode = b.copyMode;
    this.admin = new ManifestAdmin(storage, codec, b.keyring, b.clock, manifests);
    this.pushPath =
        new WalPush(this, storage, codec, b.keyring, manifests, admin, copies, b.copyMode);
    this.fetchPath = new WalFetch(this, storage, codec, admin, copies);
    this.reader = new InventoryReader(storage, admin, fetchPath);
    this.pins = new Pins(storage, admin, b.clock);
    this.retention = new ArchiveRetention(storage, b.clock, baseBackups, reader, pins, events);
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
      PushResult result = pushPath.push(file);
      events.notify(
          ArchiveEvent.Operation.PUSH,
          result.fileName(),
          result.plaintextLength(),
          started,
          result);
      return result;
    } catch (IOException | RuntimeException e) {
      events.notifyFailed(
          ArchiveEvent.Operation.PUSH, file == null ? null : file.getFileName(), started, e);
      throw e;
    }
  }

  /** The push path of this archive (a copy's, for a push into the copies). */
  WalPush pushPath() {
    return pushPath;
  }

  /** The fetch path of this archive (a copy's, for the fallback to the copies). */
  WalFetch fetchPath() {
    return fetchPath;
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
    return admin.create(systemIdentifier, segmentSize);
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
    return admin.checked(true);
  }

  /** The manifest, checked for listing (no key needed until an object is read). */
  ArchiveManifest checkedManifestForListing() throws IOException {
    return admin.checked(false);
  }

  /** The manifest, checked for writing base backups with this keyring. */
  ArchiveManifest writableManifestForBackups() throws IOException {
    return admin.writableForBackups();
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
    return admin.repair();
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
    return admin.enableEncryption();
  }

  /**
   * Registers the keyring's active key in an encrypted archive, so that pushes may write with it.
   * Registering a key that is registered already is a no-op.
   *
   * @throws ArchiveConfigurationException if the archive is not encrypted, or the id is registered
   *     (or retired) with another key
   */
  public ArchiveManifest addKey() throws IOException {
    return admin.addKey();
  }

  /**
   * Retires a registered key: it still reads what it encrypted, but pushes with it are refused.
   *
   * @throws ArchiveConfigurationException if the id is not registered, retired already, or the last
   *     current key
   */
  public ArchiveManifest retireKey(String keyId) throws IOException {
    return admin.retireKey(keyId);
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
   * if any archive failed and none had it, the first failure is thrown, of its kind, with a message
   * that says what each archive answered. A copy whose manifest names another cluster or segment
   * size than this archive's fails with {@link ArchiveMismatchException} and is never restored
   * from.
   *
   * @throws IllegalArgumentException if {@code fileName} is not a WAL file name
   * @throws WalFileNotFoundException if the archive does not hold the file
   * @throws ObjectFormatException if the object fails verification
   * @throws ArchiveMismatchException if only a copy of another cluster or segment size could have
   *     served it
   */
  public long fetch(String fileName, Path destination) throws IOException {
    long started = System.nanoTime();
    try {
      long written = fetchPath.fetch(fileName, destination);
      events.notify(
          ArchiveEvent.Operation.FETCH, WalFileName.parse(fileName), written, started, null);
      return written;
    } catch (IOException | RuntimeException e) {
      events.notifyFailed(ArchiveEvent.Operation.FETCH, fileName, started, e);
      throw e;
    }
  }

  /** Checks the manifest against the keyring as a reading operation does. */
  void checkReadable() throws IOException {
    admin.checked(false);
  }

  /** Throws what the first push would if this location has no manifest but archived files. */
  void checkCreatable() throws IOException {
    admin.checkCreatable();
  }

  /**
   * Reads and decodes a small archived file (history and backup history files) into memory.
   *
   * @throws WalFileNotFoundException if it is not in the archive
   */
  public byte[] read(WalFileName name) throws IOException {
    return fetchPath.read(name);
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
      long length = fetchPath.verify(name);
      events.notify(ArchiveEvent.Operation.VERIFY, name, length, started, null);
      return length;
    } catch (IOException | RuntimeException e) {
      events.notifyFailed(ArchiveEvent.Operation.VERIFY, name, started, e);
      throw e;
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

  /**
   * Lists every archived WAL file, in name order, and returns what the archive holds: timelines,
   * segment ranges, gaps, history and backup files.
   */
  public ArchiveInventory inventory() throws IOException {
    return reader.inventory();
  }

  /**
   * Reads and parses every backup history file in the archive, in name order, failing on the first
   * that cannot be read; {@link #histories(ArchiveInventory)} reads them tolerantly.
   */
  public List<BackupHistory> backups(ArchiveInventory inventory) throws IOException {
    return reader.backups(inventory);
  }

  /**
   * Reads and parses every timeline history file in the archive, by timeline, failing on the first
   * that cannot be read; {@link #histories(ArchiveInventory)} reads them tolerantly.
   */
  public Map<Long, TimelineHistory> timelineHistories(ArchiveInventory inventory)
      throws IOException {
    return reader.timelineHistories(inventory);
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
    return reader.histories(inventory);
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
    return retention.plan(policy, now);
  }

  /**
   * The walarchive base backups {@link #applyRetention(RetentionPlan, RetentionListener)} would
   * delete for {@code plan} now, each with the number of its objects in the archive: the complete
   * ones whose backup history file the plan expires, and incomplete ones (interrupted pushes) with
   * no object written for 6 hours. Deletes nothing; for a dry run.
   */
  public java.util.SortedMap<dev.walarchive.core.backup.BackupName, Long> baseBackupDeletions(
      RetentionPlan plan) throws IOException {
    return retention.baseBackupDeletions(plan);
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
    return retention.apply(plan, batchSize, listener);
  }

  /**
   * Pins a base backup so that retention never expires it, whatever the policy. Pinning a pinned
   * backup is a no-op.
   *
   * @param backup the backup's history file name, e.g. {@code
   *     000000010000000000000002.00000028.backup}
   * @throws WalFileNotFoundException if the archive holds no such backup history file
   */
  public void pin(WalFileName backup) throws IOException {
    pins.pin(backup);
  }

  /** Removes the pin of a backup; unpinning an unpinned backup is a no-op. */
  public void unpin(WalFileName backup) throws IOException {
    pins.unpin(backup);
  }

  /** The pinned backups, in name order. */
  public java.util.SortedSet<WalFileName> pinnedBackups() throws IOException {
    return pins.pinnedBackups();
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
