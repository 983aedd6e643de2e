package dev.walarchive.core;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.backup.BackupDirectory;
import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BackupUpload;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.format.EncodeResult;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes one base backup; see {@link BackupUpload}. */
final class ArchiveBackupUpload implements BackupUpload {
  private static final Logger log = LoggerFactory.getLogger(ArchiveBackupUpload.class);

  /** Files at least this large get a data object of their own. */
  static final long OWN_OBJECT_THRESHOLD = 1L << 20;

  /** Small files are packed into objects of up to this much plaintext. */
  static final long PACK_LIMIT = 4L << 20;

  /** Files larger than this are stored in extents of this size, encoded in parallel. */
  static final long EXTENT_SIZE = 32L << 20;

  private final long extentSize;

  private final WalArchive archive;
  private final ArchiveStorage storage;
  private final ObjectCodec codec;
  private final BackupName name;
  private final Path dataDirectory;
  private final Options options;
  private final ArchiveManifest archiveManifest;
  private final ExecutorService workers;
  private final AtomicLong done = new AtomicLong();
  private DataDirectoryScan.Result scan;
  private final List<BackupFile> copied = new ArrayList<>();
  private final List<String> objects = new ArrayList<>();
  private long totalBytes;
  private boolean filesCopied;
  private boolean completed;

  ArchiveBackupUpload(
      WalArchive archive,
      ArchiveStorage storage,
      ObjectCodec codec,
      BackupName name,
      Path dataDirectory,
      Options options)
      throws IOException {
    this.archive = archive;
    this.storage = storage;
    this.codec = codec;
    this.name = name;
    this.dataDirectory = dataDirectory;
    this.options = options;
    this.extentSize = EXTENT_SIZE;
    this.archiveManifest = archive.writableManifestForBackups();
    if (storage.list(ArchiveBaseBackups.prefixOf(name)).hasNext()) {
      throw new FileAlreadyExistsException(
          ArchiveBaseBackups.prefixOf(name), null, "the archive already holds a backup " + name);
    }
    this.leaseHolder = holder();
    writeLease(); // before any object: retention must never find objects without a lease
    this.leaseRenewal =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "walarchive-backup-lease");
              t.setDaemon(true);
              return t;
            });
    leaseRenewal.scheduleWithFixedDelay(
        this::renewLease,
        LEASE_RENEWAL.toMillis(),
        LEASE_RENEWAL.toMillis(),
        TimeUnit.MILLISECONDS);
    this.workers =
        Executors.newFixedThreadPool(
            options.parallelism(),
            r -> {
              Thread t = new Thread(r, "walarchive-backup-upload");
              t.setDaemon(true);
              return t;
            });
  }

  /** How often a running upload renews its lease. */
  static final java.time.Duration LEASE_RENEWAL = java.time.Duration.ofMinutes(1);

  /** How far ahead of each renewal a lease expires. */
  static final java.time.Duration LEASE_TERM = java.time.Duration.ofMinutes(5);

  private final String leaseHolder;
  private final java.util.concurrent.ScheduledExecutorService leaseRenewal;
  private final Object leaseLock = new Object();
  private long leaseSequence;
  private boolean leaseEnded;

  private static String holder() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      host = "unknown-host";
    }
    return host + " pid " + ProcessHandle.current().pid();
  }

  /** Writes the next lease, then deletes the one before (objects are never overwritten). */
  void writeLease() throws IOException {
    synchronized (leaseLock) {
      if (leaseEnded) {
        return;
      }
      BackupLease lease =
          new BackupLease(
              name,
              leaseSequence + 1,
              options.startTimeline(),
              leaseHolder,
              archive.clock().instant().plus(LEASE_TERM));
      store(lease.key(), lease.toText().getBytes(StandardCharsets.UTF_8));
      leaseSequence++;
      if (leaseSequence > 1) {
        storage.delete(List.of(BackupLease.keyOf(name, leaseSequence - 1)));
      }
    }
  }

  private void renewLease() {
    try {
      writeLease();
    } catch (IOException | RuntimeException e) {
      log.warn(
          "could not renew the lease of base backup {} ({}); retention may treat it as interrupted"
              + " once the lease expires",
          name,
          e.toString());
    }
  }

  /** Stops renewing and deletes the lease. */
  private void endLease() {
    leaseRenewal.shutdownNow();
    synchronized (leaseLock) {
      if (leaseEnded) {
        return;
      }
      leaseEnded = true;
      try {
        storage.delete(List.of(BackupLease.keyOf(name, leaseSequence)));
      } catch (IOException | RuntimeException e) {
        log.warn(
            "could not delete the lease of base backup {} ({}); it expires by itself",
            name,
            e.toString());
      }
    }
  }

  @Override
  public BackupName name() {
    return name;
  }

  @Override
  public synchronized void copyFiles() throws IOException {
    if (filesCopied) {
      throw new IllegalStateException("the files of " + name + " were copied already");
    }
    scan = DataDirectoryScan.scan(dataDirectory, options.tablespaceVersionDirectory());
    for (DataDirectoryScan.Entry e : scan.files()) {
      totalBytes += e.size();
    }
    totalBytes += scan.pgControl().size();
    List<List<Range>> packs = plan(scan.files(), extentSize);
    List<Future<List<Piece>>> futures = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < packs.size(); i++) {
      order.add(i);
      objects.add(ArchiveBaseBackups.dataKey(name, i + 1));
    }
    // largest first, so that one big object does not start last and run alone
    order.sort(
        java.util.Comparator.comparingLong(
                (Integer i) -> packs.get(i).stream().mapToLong(Range::length).sum())
            .reversed());
    for (int i : order) {
      String key = objects.get(i);
      List<Range> pack = packs.get(i);
      futures.add(workers.submit(() -> upload(key, pack)));
    }
    int index = packs.size();
    List<Piece> pieces = new ArrayList<>();
    try {
      for (Future<List<Piece>> f : futures) {
        pieces.addAll(get(f));
      }
    } catch (IOException | RuntimeException e) {
      futures.forEach(f -> f.cancel(true));
      throw e;
    }
    List<BackupFile> result = assemble(pieces);
    // pg_control last, after every other file was read (as pg_basebackup does)
    String key = ArchiveBaseBackups.dataKey(name, ++index);
    objects.add(key);
    List<BackupFile> control =
        assemble(upload(key, List.of(new Range(scan.pgControl(), 0, scan.pgControl().size(), 0))));
    if (control.isEmpty()) {
      throw new NoSuchFileException(
          scan.pgControl().file().toString(), null, "pg_control vanished");
    }
    result.addAll(control);
    result.sort((a, b) -> a.path().compareTo(b.path()));
    copied.addAll(result);
    filesCopied = true;
    log.info(
        "copied {} files ({} bytes) of {} into {} objects", result.size(), done.get(), name, index);
  }

  private static <T> T get(Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while copying files");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(c);
    }
  }

  /**
   * A range of a file to copy: {@code length} bytes from {@code start}; {@code extent} is 0 for a
   * whole file in one range, else the extent's number (1, 2, ...) of a file stored in extents.
   */
  record Range(DataDirectoryScan.Entry entry, long start, long length, int extent) {}

  /** What was read of a range: how many bytes, their SHA-256, and where they are stored. */
  record Piece(
      Range range, boolean vanished, long read, String sha256, String object, long offset) {}

  /**
   * Files larger than {@code extentSize} in extents of that size (each in an object of its own),
   * others of at least {@link #OWN_OBJECT_THRESHOLD} alone, small files packed, in path order.
   */
  static List<List<Range>> plan(List<DataDirectoryScan.Entry> files, long extentSize) {
    List<List<Range>> packs = new ArrayList<>();
    List<Range> current = new ArrayList<>();
    long size = 0;
    for (DataDirectoryScan.Entry e : files) {
      if (e.size() > extentSize) {
        int n = 1;
        for (long start = 0; start < e.size(); start += extentSize, n++) {
          packs.add(List.of(new Range(e, start, Math.min(extentSize, e.size() - start), n)));
        }
        continue;
      }
      if (e.size() >= OWN_OBJECT_THRESHOLD) {
        packs.add(List.of(new Range(e, 0, e.size(), 0)));
        continue;
      }
      if (!current.isEmpty() && size + e.size() > PACK_LIMIT) {
        packs.add(current);
        current = new ArrayList<>();
        size = 0;
      }
      current.add(new Range(e, 0, e.size(), 0));
      size += e.size();
    }
    if (!current.isEmpty()) {
      packs.add(current);
    }
    return packs;
  }

  /**
   * The manifest entries of what was read. A file stored in extents that shrank while it was copied
   * keeps its extents up to the first short one (the later ones, read after, are left out: it is
   * copied up to its end, with every byte at its position); one that vanished is left out.
   */
  static List<BackupFile> assemble(List<Piece> pieces) {
    List<BackupFile> result = new ArrayList<>();
    Map<String, List<Piece>> extents = new java.util.TreeMap<>();
    for (Piece p : pieces) {
      if (p.range().extent() == 0) {
        if (!p.vanished()) {
          result.add(file(p.range().entry(), p.read(), p.sha256(), p.object(), p.offset()));
        }
      } else {
        extents.computeIfAbsent(p.range().entry().path(), k -> new ArrayList<>()).add(p);
      }
    }
    for (List<Piece> list : extents.values()) {
      list.sort(java.util.Comparator.comparingInt(p -> p.range().extent()));
      if (list.get(0).vanished()) {
        continue;
      }
      List<BackupFile.Extent> kept = new ArrayList<>();
      long size = 0;
      for (Piece p : list) {
        if (p.read() > 0) {
          kept.add(new BackupFile.Extent(p.object(), p.offset(), p.read(), p.sha256()));
          size += p.read();
        }
        if (p.vanished() || p.read() < p.range().length()) {
          break;
        }
      }
      Piece first = list.get(0);
      DataDirectoryScan.Entry e = first.range().entry();
      if (kept.size() < 2) {
        result.add(file(e, size, first.sha256(), first.object(), first.offset()));
      } else {
        result.add(
            new BackupFile(
                e.path(),
                e.mode(),
                e.modified(),
                size,
                BackupFile.extentsDigest(kept),
                kept.get(0).object(),
                kept.get(0).offset(),
                kept));
      }
    }
    return result;
  }

  private static BackupFile file(
      DataDirectoryScan.Entry e, long size, String sha256, String object, long offset) {
    return new BackupFile(e.path(), e.mode(), e.modified(), size, sha256, object, offset);
  }

  /** Encodes the ranges one after another into object {@code key} and stores it. */
  private List<Piece> upload(String key, List<Range> ranges) throws IOException {
    PackStream in = new PackStream(key, ranges);
    try (Spool spool = archive.newSpool()) {
      EncodeResult encoded = codec.encode(key, in, spool);
      Map<String, String> metadata = new HashMap<>();
      metadata.put(WalArchive.META_DIGEST, encoded.digest().toString());
      metadata.put(WalArchive.META_PLAINSIZE, Long.toString(encoded.plaintextLength()));
      metadata.put(WalArchive.META_FORMAT, "1");
      storage.create(key, spool.source(), metadata);
    } finally {
      in.close();
    }
    return in.results;
  }

  /** The ranges of one data object as one stream, each digested and recorded as it is read. */
  private final class PackStream extends InputStream {
    private final String key;
    private final List<Range> ranges;
    final List<Piece> results = new ArrayList<>();
    private int next;
    private InputStream current;
    private Range range;
    private MessageDigest digest;
    private long remaining;
    private long read;
    private long offset;

    PackStream(String key, List<Range> ranges) {
      this.key = key;
      this.ranges = ranges;
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
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("interrupted while copying files");
        }
        if (current == null && !openNext()) {
          return -1;
        }
        int n = remaining == 0 ? -1 : current.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          finishCurrent();
          continue;
        }
        digest.update(b, off, n);
        remaining -= n;
        read += n;
        options.progress().copied(done.addAndGet(n), totalBytes);
        return n;
      }
    }

    private boolean openNext() throws IOException {
      while (next < ranges.size()) {
        range = ranges.get(next++);
        try {
          java.nio.channels.FileChannel ch =
              java.nio.channels.FileChannel.open(range.entry().file());
          ch.position(range.start());
          current = java.nio.channels.Channels.newInputStream(ch);
        } catch (NoSuchFileException e) {
          log.debug("{} vanished before it was copied", range.entry().file());
          results.add(new Piece(range, true, 0, EMPTY_SHA256, key, offset));
          continue;
        }
        digest = ArchiveBaseBackups.newSha256();
        remaining = range.length();
        read = 0;
        return true;
      }
      return false;
    }

    private void finishCurrent() throws IOException {
      current.close();
      current = null;
      results.add(
          new Piece(range, false, read, HexFormat.of().formatHex(digest.digest()), key, offset));
      offset += read;
    }

    @Override
    public void close() throws IOException {
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }

  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Override
  public synchronized BaseBackupInfo complete(
      String backupLabel, String tablespaceMap, Lsn stopLsn, String stopSnapshot)
      throws IOException {
    java.util.Objects.requireNonNull(stopSnapshot, "stopSnapshot is null");
    if (!filesCopied) {
      throw new IllegalStateException("copy the files of " + name + " first");
    }
    if (completed) {
      throw new IllegalStateException(name + " is complete already");
    }
    java.util.Objects.requireNonNull(backupLabel, "backupLabel is null");
    java.util.Objects.requireNonNull(stopLsn, "stopLsn is null");
    String map = tablespaceMap == null ? "" : tablespaceMap;
    WalSegmentSize size = archiveManifest.segmentSize();
    Label label = Label.parse(backupLabel);
    if (!label.start.equals(name.startLsn())) {
      throw new IllegalArgumentException(
          "the backup label starts at " + label.start + ", but the backup at " + name.startLsn());
    }
    WalFileName historyName = WalFileName.backupHistory(label.timeline, label.start, size);
    BackupHistory history;
    try {
      history =
          BackupHistory.parse(
              historyName, new String(archive.read(historyName), StandardCharsets.ISO_8859_1));
    } catch (WalFileNotFoundException e) {
      throw new ArchiveConfigurationException(
          "PostgreSQL did not archive the backup history file "
              + historyName
              + " into this archive; check that archive_command pushes into "
              + storage
              + "; backup "
              + name
              + " stays incomplete");
    }
    if (!history.stopLsn().equals(stopLsn)) {
      throw new IllegalStateException(
          "backup history file "
              + historyName
              + " stops at "
              + history.stopLsn()
              + ", but pg_backup_stop returned "
              + stopLsn);
    }
    Instant now = archive.clock().instant();
    BackupManifest manifest =
        new BackupManifest(
            name,
            archiveManifest.systemIdentifier(),
            size,
            options.serverVersion(),
            options.label(),
            label.start,
            label.checkpoint,
            label.timeline,
            history.startTime().orElse(name.startTime()),
            stopLsn,
            history.stopTimeline(),
            history.stopTime().orElse(now),
            backupLabel,
            map,
            scan.tablespaces(),
            scan.directories().stream()
                .map(d -> new BackupDirectory(d.path(), d.mode(), d.modified()))
                .toList(),
            copied,
            stopSnapshot);
    checkWal(manifest);
    for (String key : objects) {
      storage.stat(key); // still there (nothing removed them meanwhile)
    }
    byte[] text = manifest.toBytes();
    String manifestKey = ArchiveBaseBackups.prefixOf(name) + ArchiveBaseBackups.MANIFEST;
    store(manifestKey, text);
    BackupMarker marker = BackupMarker.of(manifest, ArchiveBaseBackups.sha256(text), text.length);
    String markerKey = ArchiveBaseBackups.prefixOf(name) + ArchiveBaseBackups.COMPLETE;
    store(markerKey, marker.toText().getBytes(StandardCharsets.UTF_8));
    // Retention removes an incomplete backup with no object written for 6 hours; one that decided
    // so just before the manifest (a fresh write) was stored may be deleting objects now. Checked
    // again after the marker: if anything is gone, the backup is not reported complete.
    List<String> all = new ArrayList<>(objects);
    all.add(manifestKey);
    all.add(markerKey);
    for (String key : all) {
      try {
        storage.stat(key);
      } catch (NoSuchFileException e) {
        storage.delete(List.of(markerKey));
        throw new IOException(
            "object "
                + key
                + " of base backup "
                + name
                + " was deleted while the backup was completing (retention removed it as an"
                + " idle interrupted push?); the backup stays incomplete; run backup-push again");
      }
    }
    completed = true;
    endLease();
    log.info("base backup {} is complete", name);
    long stored = 0;
    var it = storage.list(ArchiveBaseBackups.prefixOf(name));
    while (it.hasNext()) {
      stored += it.next().size();
    }
    return new BaseBackupInfo(name, stored, java.util.Optional.of(marker.completed()));
  }

  /** Every segment from the start to the stop segment archived; the stop segment verified. */
  private void checkWal(BackupManifest m) throws IOException {
    WalFileName start = m.startSegment();
    WalFileName stop = m.stopSegment();
    WalSegmentSize size = m.segmentSize();
    List<WalFileName> needed = new ArrayList<>();
    if (m.startTimeline() == m.stopTimeline()) {
      for (long s = start.segmentNumber(size); s <= stop.segmentNumber(size); s++) {
        needed.add(WalFileName.segment(m.stopTimeline(), s, size));
      }
    } else {
      needed.add(start);
      needed.add(stop);
    }
    for (WalFileName segment : needed) {
      try {
        storage.stat(WalArchive.keyOf(segment));
      } catch (NoSuchFileException e) {
        throw new ArchiveConfigurationException(
            "WAL segment "
                + segment
                + ", which base backup "
                + name
                + " needs, is not in the archive although pg_backup_stop waited for archiving;"
                + " check archive_command; the backup stays incomplete");
      }
    }
    archive.verifyObject(stop);
  }

  private void store(String key, byte[] content) throws IOException {
    try (Spool spool = archive.newSpool()) {
      EncodeResult encoded = codec.encode(key, new java.io.ByteArrayInputStream(content), spool);
      Map<String, String> metadata = new HashMap<>();
      metadata.put(WalArchive.META_DIGEST, encoded.digest().toString());
      metadata.put(WalArchive.META_PLAINSIZE, Long.toString(encoded.plaintextLength()));
      metadata.put(WalArchive.META_FORMAT, "1");
      storage.create(key, spool.source(), metadata);
    }
  }

  @Override
  public void close() {
    workers.shutdownNow();
    endLease();
  }

  /** What a backup label says. */
  record Label(Lsn start, Lsn checkpoint, long timeline) {
    static Label parse(String text) {
      Lsn start = null;
      Lsn checkpoint = null;
      long timeline = -1;
      for (String line : text.split("\n")) {
        if (line.startsWith("START WAL LOCATION: ")) {
          String v = line.substring("START WAL LOCATION: ".length());
          int space = v.indexOf(' ');
          start = Lsn.parse(space < 0 ? v : v.substring(0, space));
        } else if (line.startsWith("CHECKPOINT LOCATION: ")) {
          checkpoint = Lsn.parse(line.substring("CHECKPOINT LOCATION: ".length()).trim());
        } else if (line.startsWith("START TIMELINE: ")) {
          timeline = Long.parseLong(line.substring("START TIMELINE: ".length()).trim());
        }
      }
      if (start == null || checkpoint == null || timeline < 1) {
        throw new IllegalArgumentException(
            "the backup label from pg_backup_stop lacks START WAL LOCATION, CHECKPOINT LOCATION or"
                + " START TIMELINE");
      }
      return new Label(start, checkpoint, timeline);
    }
  }
}
