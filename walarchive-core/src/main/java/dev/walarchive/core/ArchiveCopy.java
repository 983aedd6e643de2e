package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.ObjectIntegrityException;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.OpenedObject;
import dev.walarchive.core.wal.WalFileName;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies what one archive holds into another that lacks it, without re-encoding: the repair of a
 * lagging {@linkplain WalArchive#copies() copy}, and the migration tool between stores of any kind
 * ({@code file:} to {@code s3://}, {@code s3://} to {@code gs://}, ...).
 *
 * <p>Each object is copied byte for byte with its storage metadata. An archived WAL file is
 * verified in transit before it is written: authenticated header and trailer, its own name bound
 * into the header, its digest, the metadata against the content, and a segment's length; an object
 * that fails is refused and never written; so is a base backup object (bound to its key under
 * {@code basebackups/}, verified completely). Other objects (pins) are copied byte for byte with
 * their length checked. Nothing is ever overwritten (create-if-absent); the destination's manifest
 * is its own (created for the source's cluster in an empty destination) and is never copied.
 * Running a copy again copies only what is still missing, so an interrupted copy is resumed by
 * running it again.
 *
 * <pre>{@code
 * ArchiveCopy.Plan plan = ArchiveCopy.plan(primary, copy);
 * ArchiveCopy.Result result = ArchiveCopy.copy(primary, copy, plan, 4, ArchiveCopy.Listener.NONE);
 * }</pre>
 */
public final class ArchiveCopy {
  private static final Logger log = LoggerFactory.getLogger(ArchiveCopy.class);

  private ArchiveCopy() {}

  /**
   * What a copy does, from the two listings.
   *
   * @param toCopy objects the destination lacks, in key order
   * @param present objects both hold with the same size: taken as identical (walarchive binds an
   *     object's content to its name, and a push never writes different content under a name), not
   *     copied
   * @param toCompare objects both hold with different sizes (e.g. encoded with different
   *     compression): their digests are compared and the destination's object is verified;
   *     different content or a damaged object is refused ({@link #differing})
   */
  public record Plan(
      List<ObjectEntry> toCopy, List<ObjectEntry> present, List<ObjectEntry> toCompare) {
    public Plan {
      toCopy = List.copyOf(toCopy);
      present = List.copyOf(present);
      toCompare = List.copyOf(toCompare);
    }

    /** Bytes of the objects to copy, by the source's listing. */
    public long bytesToCopy() {
      return toCopy.stream().mapToLong(ObjectEntry::size).sum();
    }

    /**
     * The archived WAL files (under {@code wal/}) the destination lacks: how far a copy lags behind
     * its primary.
     */
    public List<ObjectEntry> missingWal() {
      return toCopy.stream().filter(e -> e.key().startsWith(WalArchive.WAL_PREFIX)).toList();
    }

    /** The oldest modification time among {@link #missingWal()}, if any is missing. */
    public Optional<Instant> oldestMissingWal() {
      return missingWal().stream().map(ObjectEntry::lastModified).min(Instant::compareTo);
    }
  }

  /**
   * What a copy did.
   *
   * @param copied objects written to the destination
   * @param bytes their bytes
   * @param identical objects the destination already held with the same content
   * @param refused objects not copied, each with the reason (failed verification, different content
   *     in the destination)
   */
  public record Result(long copied, long bytes, long identical, List<Refusal> refused) {
    public Result {
      refused = List.copyOf(refused);
    }
  }

  /**
   * An object that was not copied.
   *
   * @param key its storage key
   * @param reason why, in one line
   */
  public record Refusal(String key, String reason) {
    public Refusal {
      requireNonNull(key, "key is null");
      requireNonNull(reason, "reason is null");
    }
  }

  /** Hears of each object as it is done; called from the copying threads. */
  public interface Listener {
    /** Does nothing. */
    Listener NONE = new Listener() {};

    /** {@code entry} is durable in the destination; {@code done} objects of the plan are done. */
    default void copied(ObjectEntry entry, long done) {}

    /** {@code entry} was not copied. */
    default void refused(Refusal refusal) {}
  }

  /**
   * Plans a copy from two listings in ascending key order (as {@link
   * dev.walarchive.core.storage.ArchiveStorage#list} yields them). Manifest keys ({@code
   * walarchive.manifest} and its revisions) are left out: each archive has its own.
   *
   * @throws IllegalArgumentException if a listing is not in strictly ascending key order
   */
  public static Plan plan(Iterator<ObjectEntry> source, Iterator<ObjectEntry> destination) {
    requireNonNull(source, "source is null");
    requireNonNull(destination, "destination is null");
    List<ObjectEntry> toCopy = new ArrayList<>();
    List<ObjectEntry> present = new ArrayList<>();
    List<ObjectEntry> toCompare = new ArrayList<>();
    Ordered src = new Ordered(source, "source");
    Ordered dst = new Ordered(destination, "destination");
    ObjectEntry s = src.next();
    ObjectEntry d = dst.next();
    while (s != null) {
      int c = d == null ? -1 : s.key().compareTo(d.key());
      if (c < 0) {
        toCopy.add(s);
        s = src.next();
      } else if (c > 0) {
        d = dst.next();
      } else {
        (s.size() == d.size() ? present : toCompare).add(s);
        s = src.next();
        d = dst.next();
      }
    }
    return new Plan(toCopy, present, toCompare);
  }

  /** Lists both archives' storages and plans the copy from {@code from} to {@code to}. */
  public static Plan plan(WalArchive from, WalArchive to) throws IOException {
    return plan(list(from), list(to));
  }

  private static Iterator<ObjectEntry> list(WalArchive archive) throws IOException {
    List<ObjectEntry> all = new ArrayList<>();
    ObjectIterator it = archive.storage().list("");
    while (it.hasNext()) {
      all.add(it.next());
    }
    return all.iterator();
  }

  static boolean isManifestKey(String key) {
    return key.startsWith(ManifestFormat.KEY);
  }

  /** Skips manifest keys and checks the order. */
  private static final class Ordered {
    private final Iterator<ObjectEntry> it;
    private final String what;
    private String last;

    Ordered(Iterator<ObjectEntry> it, String what) {
      this.it = it;
      this.what = what;
    }

    ObjectEntry next() {
      while (it.hasNext()) {
        ObjectEntry e = requireNonNull(it.next(), "a listing entry is null");
        if (last != null && e.key().compareTo(last) <= 0) {
          throw new IllegalArgumentException(
              "the " + what + " listing is not in ascending key order at " + e.key());
        }
        last = e.key();
        if (!isManifestKey(e.key())) {
          return e;
        }
      }
      return null;
    }
  }

  /**
   * Makes sure {@code to} is an archive for the same cluster as {@code from}: creates its manifest
   * if it is empty (with {@code to}'s keyring, as a first push would), refuses another cluster,
   * segment size or encryption.
   *
   * @throws ArchiveMismatchException if {@code to} belongs to another cluster or segment size
   * @throws ArchiveConfigurationException if one is encrypted and the other not, or {@code to}
   *     holds objects but no manifest
   */
  public static void prepare(WalArchive from, WalArchive to) throws IOException {
    ArchiveManifest source = from.requireManifest();
    from.checkReadable();
    Optional<ArchiveManifest> existing = to.manifest();
    ArchiveManifest target =
        existing.isPresent()
            ? existing.get()
            : to.createArchive(source.systemIdentifier(), source.segmentSize());
    checkSame(from, to, source, target, "; nothing was copied");
  }

  /**
   * Checks what {@link #prepare} checks, writing nothing: that {@code to} is an archive of the same
   * cluster, segment size and encryption as {@code from}, or an empty location that a copy would
   * make one (for a dry run, or to tell whether a configured copy is one).
   *
   * @throws ArchiveMismatchException if {@code to} belongs to another cluster or segment size
   * @throws ArchiveConfigurationException if one is encrypted and the other not, or {@code to}
   *     holds objects but no manifest
   */
  public static void check(WalArchive from, WalArchive to) throws IOException {
    ArchiveManifest source = from.requireManifest();
    from.checkReadable();
    Optional<ArchiveManifest> existing = to.manifest();
    if (existing.isPresent()) {
      checkSame(from, to, source, existing.get(), "");
    } else {
      to.checkCreatable();
    }
  }

  private static void checkSame(
      WalArchive from,
      WalArchive to,
      ArchiveManifest source,
      ArchiveManifest target,
      String consequence)
      throws IOException {
    if (target.systemIdentifier() != source.systemIdentifier()
        || !target.segmentSize().equals(source.segmentSize())) {
      throw new ArchiveMismatchException(
          "the archive at "
              + to.location()
              + " holds cluster "
              + Long.toUnsignedString(target.systemIdentifier())
              + " with "
              + target.segmentSize().bytes()
              + "-byte segments, not cluster "
              + Long.toUnsignedString(source.systemIdentifier())
              + " with "
              + source.segmentSize().bytes()
              + "-byte segments like "
              + from.location()
              + consequence
              + "; name an empty location or an archive of that cluster");
    }
    if (target.encryption() != source.encryption()) {
      throw new ArchiveConfigurationException(
          "the archive at "
              + from.location()
              + " is "
              + (source.encryption() == ArchiveManifest.Encryption.NONE ? "not " : "")
              + "encrypted but the one at "
              + to.location()
              + " is"
              + (target.encryption() == ArchiveManifest.Encryption.NONE ? " not" : "")
              + consequence
              + "; name an empty location or an archive encrypted as this one is");
    }
  }

  /**
   * Copies the plan's objects from {@code from} to {@code to}, {@code parallelism} at a time, after
   * {@link #prepare}. An object that fails verification, or that the destination holds with
   * different content, is refused (listed in the result, never written); the others are copied.
   *
   * @throws IOException if a storage fails; what was copied until then stays (run it again)
   */
  public static Result copy(
      WalArchive from, WalArchive to, Plan plan, int parallelism, Listener listener)
      throws IOException {
    requireNonNull(plan, "plan is null");
    requireNonNull(listener, "listener is null");
    if (parallelism < 1 || parallelism > 64) {
      throw new IllegalArgumentException("parallelism must be from 1 to 64, not " + parallelism);
    }
    prepare(from, to);
    AtomicLong done = new AtomicLong();
    AtomicLong copied = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    AtomicLong identical = new AtomicLong(plan.present().size());
    List<Refusal> refused = java.util.Collections.synchronizedList(new ArrayList<>());
    List<ObjectEntry> work = new ArrayList<>(plan.toCompare());
    work.addAll(plan.toCopy());
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(parallelism, Math.max(1, work.size())),
            r -> {
              Thread t = new Thread(r, "walarchive-copy");
              t.setDaemon(true);
              return t;
            });
    IOException failure = null;
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (ObjectEntry e : work) {
        futures.add(
            pool.submit(
                () -> {
                  try {
                    long n = copyOne(from, to, e);
                    if (n < 0) {
                      identical.incrementAndGet();
                    } else {
                      copied.incrementAndGet();
                      bytes.addAndGet(n);
                    }
                    listener.copied(e, done.incrementAndGet());
                  } catch (ObjectFormatException | ArchiveConflictException x) {
                    Refusal r = new Refusal(e.key(), Messages.oneLine(x));
                    refused.add(r);
                    done.incrementAndGet();
                    listener.refused(r);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException x) {
          if (failure == null) {
            failure =
                x.getCause() instanceof IOException io
                    ? io
                    : new IOException(Messages.oneLine((Exception) x.getCause()), x.getCause());
            futures.forEach(g -> g.cancel(false));
          }
        } catch (java.util.concurrent.CancellationException x) {
          // after a failure
        } catch (InterruptedException x) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted; run the copy again to finish");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    if (failure != null) {
      throw failure;
    }
    log.info(
        "copied {} objects ({} bytes) from {} to {}; {} identical, {} refused",
        copied.get(),
        bytes.get(),
        from.location(),
        to.location(),
        identical.get(),
        refused.size());
    List<Refusal> sorted = new ArrayList<>(refused);
    sorted.sort(java.util.Comparator.comparing(Refusal::key));
    return new Result(copied.get(), bytes.get(), identical.get(), sorted);
  }

  /**
   * Copies one object; returns its bytes, or -1 if the destination already held it with identical
   * content.
   */
  private static long copyOne(WalArchive from, WalArchive to, ObjectEntry entry)
      throws IOException {
    String key = entry.key();
    Optional<WalFileName> name = walName(key);
    try (Spool spool = from.newSpool();
        OpenedObject stored = openSource(from, key)) {
      if (name.isPresent()) {
        InputStream tee = new Tee(stored.content(), spool);
        from.fetchPath()
            .decodeVerified(
                name.get(), new OpenedObject(stored.stat(), tee), OutputStream.nullOutputStream());
        tee.transferTo(OutputStream.nullOutputStream());
      } else if (key.startsWith(ArchiveBaseBackups.PREFIX)) {
        // base backup objects are bound to their keys: verified in transit like WAL
        InputStream tee = new Tee(stored.content(), spool);
        try (InputStream plain =
            from.baseBackupObjects().decode(key, new OpenedObject(stored.stat(), tee))) {
          plain.transferTo(OutputStream.nullOutputStream());
        }
        tee.transferTo(OutputStream.nullOutputStream());
      } else {
        stored.content().transferTo(spool);
      }
      var source = spool.source();
      if (source.length() != stored.stat().size()) {
        throw new ObjectIntegrityException(
            "object "
                + key
                + " in "
                + from.location()
                + " yielded "
                + source.length()
                + " bytes but the store says it has "
                + stored.stat().size()
                + "; not copied");
      }
      try {
        to.storage().create(key, source, stored.stat().metadata());
        log.info("copied {} ({} bytes) to {}", key, source.length(), to.location());
        return source.length();
      } catch (FileAlreadyExistsException e) {
        return compare(from, to, key, stored.stat());
      }
    }
  }

  private static OpenedObject openSource(WalArchive from, String key) throws IOException {
    try {
      return from.storage().openWithStat(key);
    } catch (NoSuchFileException e) {
      throw new IOException(
          "object " + key + " vanished from " + from.location() + " during the copy; run it again",
          e);
    }
  }

  /**
   * The objects of {@code plan}'s {@link Plan#toCompare()} that {@code to} does not hold with
   * {@code from}'s content, each with the reason: damaged in {@code to} (it fails verification
   * there) or different (another digest). Reads only those objects of {@code to}, and nothing of
   * {@code from} but their metadata; writes nothing. What {@link #copy} would refuse of them.
   *
   * @throws IOException if a storage fails
   */
  public static List<Refusal> differing(WalArchive from, WalArchive to, Plan plan)
      throws IOException {
    requireNonNull(plan, "plan is null");
    List<Refusal> differing = new ArrayList<>();
    for (ObjectEntry e : plan.toCompare()) {
      ObjectStat source;
      try {
        source = from.storage().stat(e.key());
      } catch (NoSuchFileException gone) {
        continue; // deleted since the listing (retention)
      }
      try {
        compare(from, to, e.key(), source);
      } catch (NoSuchFileException gone) {
        // deleted since the listing
      } catch (ObjectFormatException | ArchiveConflictException x) {
        differing.add(new Refusal(e.key(), Messages.oneLine(x)));
      }
    }
    return differing;
  }

  /**
   * -1 if the destination's object has the source's content: the source's digest and, if its size
   * differs (another compression), it verifies; otherwise a conflict, or a damaged object.
   */
  private static long compare(WalArchive from, WalArchive to, String key, ObjectStat source)
      throws IOException {
    ObjectStat target = to.storage().stat(key);
    String ours = source.metadata().get(WalArchive.META_DIGEST);
    String theirs = target.metadata().get(WalArchive.META_DIGEST);
    if (ours != null ? !ours.equals(theirs) : target.size() != source.size()) {
      throw new ArchiveConflictException(
          "object "
              + key
              + " differs between "
              + from.location()
              + " and "
              + to.location()
              + " (another digest); it is kept in both, nothing was overwritten. Run 'walarchive"
              + " verify' on both and inspect it");
    }
    if (target.size() != source.size()) {
      // the same digest in the metadata but other bytes: decide from the bytes
      verifyDestination(from, to, key);
    }
    return -1;
  }

  /**
   * Verifies {@code to}'s object completely, as a fetch would; its metadata must then agree with
   * its authenticated content.
   *
   * @throws ObjectIntegrityException if it is damaged (truncated, altered)
   */
  private static void verifyDestination(WalArchive from, WalArchive to, String key)
      throws IOException {
    Optional<WalFileName> name = walName(key);
    try (OpenedObject stored = to.storage().openWithStat(key)) {
      if (name.isPresent()) {
        to.fetchPath().decodeVerified(name.get(), stored, OutputStream.nullOutputStream());
      } else if (key.startsWith(ArchiveBaseBackups.PREFIX)) {
        try (InputStream plain = to.baseBackupObjects().decode(key, stored)) {
          plain.transferTo(OutputStream.nullOutputStream());
        }
      } else {
        throw new ArchiveConflictException(
            "object "
                + key
                + " has "
                + stored.stat().size()
                + " bytes in "
                + to.location()
                + " but "
                + from.location()
                + " holds it with another size; it is kept in both, nothing was overwritten."
                + " Inspect it, and delete the wrong one");
      }
    } catch (dev.walarchive.core.format.UnknownKeyException
        | dev.walarchive.core.format.WrongKeyException e) {
      throw Messages.retold(
          e, "object " + key + " in " + to.location() + " cannot be verified: " + e.getMessage());
    } catch (ObjectFormatException e) {
      throw new ObjectIntegrityException(
          "object "
              + key
              + " in "
              + to.location()
              + " is damaged ("
              + Messages.oneLine(e)
              + "); the one in "
              + from.location()
              + " has the same digest but "
              + "another size, nothing was overwritten. Delete the damaged object from "
              + to.location()
              + " and copy again ('walarchive sync' or 'walarchive copy')",
          e);
    }
  }

  /** The WAL file name of a key under {@code wal/}, if it is one. */
  private static Optional<WalFileName> walName(String key) {
    if (!key.startsWith(WalArchive.WAL_PREFIX)) {
      return Optional.empty();
    }
    try {
      return Optional.of(WalFileName.parse(key.substring(WalArchive.WAL_PREFIX.length())));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Passes what is read through to {@code copy}. */
  private static final class Tee extends FilterInputStream {
    private final OutputStream copy;

    Tee(InputStream in, OutputStream copy) {
      super(in);
      this.copy = copy;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        copy.write(b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        copy.write(b, off, n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buffer = new byte[(int) Math.min(n, 8192)];
      int r = read(buffer, 0, buffer.length);
      return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    @Override
    public void close() {
      // the caller closes the source
    }
  }
}
