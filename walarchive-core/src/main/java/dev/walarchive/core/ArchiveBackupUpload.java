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
import java.nio.file.Files;
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
    this.archiveManifest = archive.writableManifestForBackups();
    if (storage.list(ArchiveBaseBackups.prefixOf(name)).hasNext()) {
      throw new FileAlreadyExistsException(
          ArchiveBaseBackups.prefixOf(name), null, "the archive already holds a backup " + name);
    }
    this.workers =
        Executors.newFixedThreadPool(
            options.parallelism(),
            r -> {
              Thread t = new Thread(r, "walarchive-backup-upload");
              t.setDaemon(true);
              return t;
            });
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
    List<List<DataDirectoryScan.Entry>> packs = plan(scan.files());
    List<Future<List<BackupFile>>> futures = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < packs.size(); i++) {
      order.add(i);
      objects.add(ArchiveBaseBackups.dataKey(name, i + 1));
    }
    // largest first, so that one big file does not start last and run alone
    order.sort(
        java.util.Comparator.comparingLong(
                (Integer i) -> packs.get(i).stream().mapToLong(DataDirectoryScan.Entry::size).sum())
            .reversed());
    for (int i : order) {
      String key = objects.get(i);
      List<DataDirectoryScan.Entry> pack = packs.get(i);
      futures.add(workers.submit(() -> upload(key, pack)));
    }
    int index = packs.size();
    List<BackupFile> result = new ArrayList<>();
    try {
      for (Future<List<BackupFile>> f : futures) {
        result.addAll(get(f));
      }
    } catch (IOException | RuntimeException e) {
      futures.forEach(f -> f.cancel(true));
      throw e;
    }
    // pg_control last, after every other file was read (as pg_basebackup does)
    String key = ArchiveBaseBackups.dataKey(name, ++index);
    objects.add(key);
    List<BackupFile> control = upload(key, List.of(scan.pgControl()));
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

  /** Large files alone, small files packed, in path order. */
  static List<List<DataDirectoryScan.Entry>> plan(List<DataDirectoryScan.Entry> files) {
    List<List<DataDirectoryScan.Entry>> packs = new ArrayList<>();
    List<DataDirectoryScan.Entry> current = new ArrayList<>();
    long size = 0;
    for (DataDirectoryScan.Entry e : files) {
      if (e.size() >= OWN_OBJECT_THRESHOLD) {
        packs.add(List.of(e));
        continue;
      }
      if (!current.isEmpty() && size + e.size() > PACK_LIMIT) {
        packs.add(current);
        current = new ArrayList<>();
        size = 0;
      }
      current.add(e);
      size += e.size();
    }
    if (!current.isEmpty()) {
      packs.add(current);
    }
    return packs;
  }

  /** Encodes the files one after another into object {@code key} and stores it. */
  private List<BackupFile> upload(String key, List<DataDirectoryScan.Entry> files)
      throws IOException {
    PackStream in = new PackStream(key, files);
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

  /** The files of one data object as one stream, each digested and recorded as it is read. */
  private final class PackStream extends InputStream {
    private final String key;
    private final List<DataDirectoryScan.Entry> files;
    final List<BackupFile> results = new ArrayList<>();
    private int next;
    private InputStream current;
    private DataDirectoryScan.Entry entry;
    private MessageDigest digest;
    private long remaining;
    private long read;
    private long offset;

    PackStream(String key, List<DataDirectoryScan.Entry> files) {
      this.key = key;
      this.files = files;
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
      while (next < files.size()) {
        entry = files.get(next++);
        try {
          current = Files.newInputStream(entry.file());
        } catch (NoSuchFileException e) {
          log.debug("{} vanished before it was copied", entry.file());
          continue;
        }
        digest = ArchiveBaseBackups.newSha256();
        remaining = entry.size();
        read = 0;
        return true;
      }
      return false;
    }

    private void finishCurrent() throws IOException {
      current.close();
      current = null;
      results.add(
          new BackupFile(
              entry.path(),
              entry.mode(),
              entry.modified(),
              read,
              HexFormat.of().formatHex(digest.digest()),
              key,
              offset));
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

  @Override
  public synchronized BaseBackupInfo complete(String backupLabel, String tablespaceMap, Lsn stopLsn)
      throws IOException {
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
            copied);
    checkWal(manifest);
    for (String key : objects) {
      storage.stat(key); // still there (nothing removed them meanwhile)
    }
    byte[] text = manifest.toBytes();
    String manifestKey = ArchiveBaseBackups.prefixOf(name) + ArchiveBaseBackups.MANIFEST;
    store(manifestKey, text);
    BackupMarker marker = BackupMarker.of(manifest, ArchiveBaseBackups.sha256(text), text.length);
    store(
        ArchiveBaseBackups.prefixOf(name) + ArchiveBaseBackups.COMPLETE,
        marker.toText().getBytes(StandardCharsets.UTF_8));
    completed = true;
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
