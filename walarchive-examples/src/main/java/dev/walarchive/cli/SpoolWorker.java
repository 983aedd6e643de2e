package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.async.AsyncListener;
import dev.walarchive.core.async.FetchOutcome;
import dev.walarchive.core.async.Prefetcher;
import dev.walarchive.core.async.PushAhead;
import dev.walarchive.core.async.PushOutcome;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The long-lived worker of async mode: answers the launcher's requests from {@link SpoolState},
 * pushes ready segments ahead with {@link PushAhead}, and prefetches along the timeline with {@link
 * Prefetcher}. Runs on one thread; the engines run the storage work on their own threads.
 */
final class SpoolWorker {
  private static final long POLL_MILLIS = 5;
  private static final Duration PUSH_AHEAD_BACKOFF = Duration.ofSeconds(10);

  /** How often the archive's identity is read again (an archive replaced at the same URL). */
  private static final long IDENTITY_CHECK_NANOS = 2_000_000_000L;

  /**
   * The launcher answers from markers only while {@code archive-verified} exists; it is removed
   * when no identity check has succeeded for this long (a store that hangs or fails).
   */
  private static final long VERIFIED_FOR_NANOS = 10_000_000_000L;

  private final WalArchive archive;
  private final SpoolState state;
  private final Path dataDir;
  private final int parallelism;
  private final int prefetchCount;
  private final Duration idleExit;
  private final PrintStream log;

  /** The files its settings came from, and their identities when it started. */
  private final Map<Path, String> settingsFiles = new java.util.LinkedHashMap<>();

  /** Set when the settings changed: nothing more is acknowledged or confirmed. */
  private volatile boolean stopping;

  private final Map<String, Push> pushes = new HashMap<>();
  private final Map<String, Fetch> fetches = new HashMap<>();
  private final Map<String, Instant> pushFailedAt = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Waiter> waiters = new HashMap<>();

  /** Requests whose reply could not be written and whose file could not be removed either. */
  private final java.util.Set<String> unanswered = new java.util.HashSet<>();

  private boolean pushAhead;

  /** Set once the worker serves requests: a failure from then on is not one of its start. */
  private volatile boolean serving;

  /** Whether a fetch was asked for yet (the first one starts the prefetch at backup_label). */
  private boolean recoveryStartSeen;

  /** backup_label's line naming the segment recovery begins with. */
  private static final java.util.regex.Pattern BACKUP_LABEL_START =
      java.util.regex.Pattern.compile(
          "^START WAL LOCATION: .*\\(file ([0-9A-F]{24})\\)$", java.util.regex.Pattern.MULTILINE);

  /** Set by a push thread when a push ends, so that the next ready segment starts at once. */
  private volatile boolean pushFinished;

  private volatile String archiveId = "none";

  /** Incremented whenever the spool state is dropped because the archive changed. */
  private volatile long archiveGeneration;

  private volatile long lastVerifiedNanos;
  private CompletableFuture<Void> identityCheck = CompletableFuture.completedFuture(null);
  private Prefetcher prefetcher;
  private volatile WalSegmentSize segmentSize;
  private long lastFetchedSegment = -1;

  /**
   * The first segment a fetch ahead found missing (the end of the archive, for now), or null. Past
   * it nothing is looked up ahead until it arrives or recovery takes it; this one again only when
   * its record is gone (answered to a request, or dropped by the clean-up every 2 s). Without this,
   * every segment recovery took near the end of the archive looked up all {@code prefetch-count}
   * segments after it again (a request each to the store, a line each in worker.log).
   */
  private WalFileName aheadEnd;

  private record Push(
      CompletableFuture<PushOutcome> future,
      long startedNanos,
      String identityBefore,
      long archiveGeneration) {}

  private record Fetch(CompletableFuture<FetchOutcome> future, long startedNanos) {}

  /** A launcher's request waiting for its answer. */
  private record Waiter(String token, String op, String name, long arrivedNanos, Push inFlight) {
    /** Whether {@code p}'s outcome is fresh enough to answer this request. */
    boolean accepts(Push p) {
      return p != null && (p == inFlight || p.startedNanos() >= arrivedNanos);
    }
  }

  SpoolWorker(
      WalArchive archive,
      SpoolState state,
      Path dataDir,
      int parallelism,
      int prefetchCount,
      Duration idleExit,
      PrintStream log,
      List<Path> settingsFiles) {
    this.archive = archive;
    this.state = state;
    this.dataDir = dataDir;
    this.parallelism = parallelism;
    this.prefetchCount = prefetchCount;
    this.idleExit = idleExit;
    this.log = log;
    for (Path f : settingsFiles) {
      this.settingsFiles.put(f, identityOrAbsent(f));
    }
  }

  private static String identityOrAbsent(Path f) {
    try {
      return SpoolState.identity(f);
    } catch (IOException e) {
      return "absent";
    }
  }

  /**
   * The first settings file (configuration, key or keyring file) that changed since the worker
   * started, or null: a few stats, made before any request is taken.
   */
  private Path changedSettingsFile() {
    for (Map.Entry<Path, String> e : settingsFiles.entrySet()) {
      if (!identityOrAbsent(e.getKey()).equals(e.getValue())) {
        return e.getKey();
      }
    }
    return null;
  }

  /** Whether the worker began serving requests (its start is over). */
  boolean serving() {
    return serving;
  }

  void run() throws Exception {
    state.create();
    state.removeWorkerPid();
    startNewLife();
    try {
      serve();
    } finally {
      state.removeWorkerPid();
    }
  }

  private void serve() throws Exception {
    AsyncListener listener =
        new AsyncListener() {
          @Override
          public void retrying(WalFileName name, int attempt, Exception cause, Duration delay) {
            log("retry " + name + " after attempt " + attempt + ": " + Errors.oneLine(cause));
          }

          @Override
          public void pushed(PushOutcome o) {
            log(
                (o.succeeded() ? "pushed " : "push failed ")
                    + o.name()
                    + " in "
                    + o.elapsed().toMillis()
                    + " ms"
                    + (o.succeeded() ? "" : ": " + Errors.oneLine(o.failure())));
          }

          @Override
          public void fetched(FetchOutcome o) {
            log(
                "fetch "
                    + o.name()
                    + " "
                    + o.status().name().toLowerCase()
                    + " in "
                    + o.elapsed().toMillis()
                    + " ms"
                    + (o.failure() == null ? "" : ": " + Errors.oneLine(o.failure())));
          }
        };
    try (PushAhead pusher =
            PushAhead.builder(archive).parallelism(parallelism).listener(listener).build();
        Prefetcher prefetcher =
            Prefetcher.builder(archive).parallelism(parallelism).listener(listener).build()) {
      this.prefetcher = prefetcher;
      long lastActivity = System.nanoTime();
      long lastScan = 0;
      long lastCleanup = 0;
      long lastIdentityCheck = System.nanoTime();
      // the launcher answers from the spool only once this life began (its check of the archive
      // done): from here on
      state.writeWorkerPid();
      Files.deleteIfExists(state.dir.resolve(SpoolState.WORKER_STOPPED));
      serving = true;
      log("worker started for " + dataDir + " (parallelism " + parallelism + ")");
      while (true) {
        Path changed = changedSettingsFile();
        if (changed != null) {
          // fail closed: no answer with settings other than a call's own. Requests stay in req/:
          // the calls waiting find no worker and start one with the current settings
          stopping = true;
          withdrawVerified();
          state.removeWorkerPid();
          log(
              changed
                  + " changed since the worker started: exiting (the next call starts a worker with"
                  + " the new settings)");
          return;
        }
        boolean newRequests = readRequests();
        if (newRequests) {
          lastActivity = System.nanoTime();
        }
        long now = System.nanoTime();
        if (pushAhead && (newRequests || pushFinished || now - lastScan > 200_000_000L)) {
          pushFinished = false;
          lastScan = now;
          scanReady(pusher);
        }
        startWaitedWork(pusher, prefetcher);
        answerWaiters(pusher, prefetcher);
        if (now - lastCleanup > 2_000_000_000L) {
          lastCleanup = now;
          if (!Files.isDirectory(state.dir) || !Files.isDirectory(dataDir.resolve("pg_wal"))) {
            log("the spool or the data directory is gone, exiting");
            return;
          }
          cleanUp();
        }
        if (now - lastIdentityCheck > IDENTITY_CHECK_NANOS && identityCheck.isDone()) {
          // off the request loop: a manifest read may take a round trip to the store
          lastIdentityCheck = now;
          identityCheck =
              CompletableFuture.runAsync(
                  () -> {
                    try {
                      checkArchiveIdentity();
                    } catch (IOException | RuntimeException e) {
                      withdrawVerified();
                      log("cannot read the archive manifest: " + Errors.oneLine(e));
                    }
                  });
        }
        if (System.nanoTime() - lastVerifiedNanos > VERIFIED_FOR_NANOS) {
          withdrawVerified();
        }
        boolean busy = !waiters.isEmpty() || anyRunning();
        if (busy) {
          lastActivity = System.nanoTime();
        } else if (!idleExit.isZero() && System.nanoTime() - lastActivity > idleExit.toNanos()) {
          log("worker idle for " + idleExit.toSeconds() + " s, exiting");
          return;
        }
        Thread.sleep(POLL_MILLIS);
      }
    }
  }

  private void log(String line) {
    log.println(Instant.now() + " " + line);
  }

  /**
   * A new life may mean another archive at the same URL: prefetched files are never carried over,
   * and acks are dropped if the archive's identity changed.
   */
  private void startNewLife() throws IOException {
    withdrawVerified();
    deleteAll(state.prefetch);
    deleteAll(state.tmp);
    // markers made with other settings (another endpoint or key) vouch for nothing now
    Path settingsId = state.dir.resolve("settings-identity");
    String settings = settingsFiles.toString();
    String before = Files.exists(settingsId) ? Files.readString(settingsId).trim() : null;
    if (!settings.equals(before)) {
      deleteAll(state.ack);
      state.writeAtomically(settingsId, settings);
    }
    checkArchiveIdentity();
    recordSameFilesystem();
  }

  /**
   * Tells the launcher whether a prefetched file reaches pg_wal by a rename ({@code
   * same-filesystem} present) or must be copied (absent: the launcher compares devices itself).
   */
  private void recordSameFilesystem() throws IOException {
    Path marker = state.dir.resolve("same-filesystem");
    Object spoolDevice = Files.getAttribute(state.prefetch, "unix:dev");
    Object walDevice = Files.getAttribute(dataDir.resolve("pg_wal"), "unix:dev");
    if (spoolDevice.equals(walDevice)) {
      state.writeAtomically(marker, "");
    } else {
      Files.deleteIfExists(marker);
    }
  }

  /**
   * Drops acks and prefetched files when the archive at the URL is not the one they came from (or
   * has no manifest, so nothing can be vouched for).
   */
  private void checkArchiveIdentity() throws IOException {
    checkArchiveIdentity(null);
  }

  /**
   * Checks the archive's identity; with {@code after} (a marker just written), the check's stamp is
   * made strictly newer than that marker (file times are the kernel's coarse clock, a few ms per
   * tick), so that a successful check confirms it.
   */
  private synchronized void checkArchiveIdentity(Path after) throws IOException {
    if (after != null && confirmedAlready(after)) {
      return;
    }
    long started = System.nanoTime();
    // the stamp's modification time (the filesystem's clock, as for the markers) is taken before
    // the manifest is read: a marker written later is newer, and waits for the next check
    Path stamp =
        state.tmp.resolve(
            "archive-verified." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    Files.write(stamp, new byte[0], StandardOpenOption.CREATE_NEW);
    try {
      if (after != null) {
        FileTime marker = Files.getLastModifiedTime(after);
        for (int i = 0; i < 100 && Files.getLastModifiedTime(stamp).compareTo(marker) <= 0; i++) {
          Thread.sleep(1);
          Files.delete(stamp);
          Files.write(stamp, new byte[0], StandardOpenOption.CREATE_NEW);
        }
      }
      verifyArchiveIdentity(started, stamp);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while checking the archive");
    } finally {
      Files.deleteIfExists(stamp);
    }
  }

  /**
   * Whether a check that began after {@code marker} was written has succeeded already (another push
   * thread's, which ran while this one waited for the lock): {@code archive-verified} is newer than
   * the marker, the very test the launcher makes, so a check of this thread's own would confirm
   * nothing more. Pushes that end together then share one check (a manifest read and up to a clock
   * tick of waiting each).
   */
  private boolean confirmedAlready(Path marker) throws IOException {
    try {
      return Files.getLastModifiedTime(state.verified).compareTo(Files.getLastModifiedTime(marker))
          > 0;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  private void verifyArchiveIdentity(long started, Path stamp) throws IOException {
    String id = currentArchiveId();
    Path idFile = state.dir.resolve("archive-id");
    String before = Files.exists(idFile) ? Files.readString(idFile).trim() : null;
    if (!id.equals(before) || id.equals("none")) {
      withdrawVerified();
      archiveGeneration++;
      deleteAll(state.ack);
      deleteAll(state.prefetch);
      state.writeAtomically(idFile, id);
      // (none -> an identity is the first push creating the archive, not a change)
      if (before != null && !before.equals("none") && !before.equals(id)) {
        log("the archive changed (" + before + " -> " + id + "): spool state dropped");
      }
    }
    archiveId = id;
    lastVerifiedNanos = started;
    if (stopping) {
      return;
    }
    Files.move(
        stamp, state.verified, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Stops the launcher answering from markers and prefetched files until the next check. */
  private void withdrawVerified() {
    try {
      Files.deleteIfExists(state.verified);
    } catch (IOException e) {
      log("cannot remove " + state.verified + ": " + Errors.oneLine(e));
    }
  }

  private String currentArchiveId() throws IOException {
    Optional<ArchiveManifest> m = archive.manifest();
    if (m.isPresent() && segmentSize == null) {
      segmentSize = m.get().segmentSize();
    }
    return m.map(x -> Long.toUnsignedString(x.systemIdentifier()) + " " + x.created())
        .orElse("none");
  }

  /** After the first push created the manifest, the spool records whose acks it now holds. */
  private synchronized void learnArchiveId() throws IOException {
    if (archiveId.equals("none")) {
      archiveId = currentArchiveId();
      state.writeAtomically(state.dir.resolve("archive-id"), archiveId);
    }
  }

  private static void deleteAll(Path dir) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    }
  }

  private boolean anyRunning() {
    return pushes.values().stream().anyMatch(p -> !p.future().isDone())
        || fetches.values().stream().anyMatch(f -> !f.future().isDone());
  }

  private boolean readRequests() throws IOException {
    boolean any = false;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(state.req)) {
      for (Path p : ds) {
        String token = p.getFileName().toString();
        if (token.startsWith(".") || waiters.containsKey(token) || unanswered.contains(token)) {
          continue;
        }
        String text;
        try {
          text = Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
          continue;
        }
        if (!text.endsWith("\n")) {
          // the launcher writes a request in one short write: not complete yet (or left by a call
          // killed in the middle, cleaned up with other old files)
          continue;
        }
        text = text.trim();
        any = true;
        String[] parts = text.split(" ", 2);
        if (parts.length != 2) {
          Files.deleteIfExists(p);
          continue;
        }
        String op = parts[0];
        String name = parts[1];
        try {
          WalFileName.parse(name);
        } catch (IllegalArgumentException e) {
          reply(token, 0, op.equals("fetch") ? 126 : 3, Errors.oneLine(e));
          continue;
        }
        switch (op) {
          case "push" -> {
            pushAhead = true;
            Push running = pushes.get(name);
            if (running != null && running.future().isDone()) {
              running = null;
            }
            waiters.put(token, new Waiter(token, op, name, System.nanoTime(), running));
          }
          case "fetch" -> {
            waiters.put(token, new Waiter(token, op, name, System.nanoTime(), null));
            if (!recoveryStartSeen) {
              recoveryStartSeen = true;
              // the file asked for first (PostgreSQL waits for it: usually a timeline history
              // probe), then the head start
              if (!Files.exists(state.prefetch.resolve(name))) {
                startFetch(prefetcher, name);
              }
              prefetchFromBackupLabel();
            }
          }
          case "seen" -> {
            Files.deleteIfExists(p);
            onFetchPosition(name);
          }
          default -> Files.deleteIfExists(p);
        }
      }
    }
    return any;
  }

  private Path walFile(String name) {
    return dataDir.resolve("pg_wal").resolve(name);
  }

  private void scanReady(PushAhead pusher) {
    List<Path> ready;
    try {
      ready = PushAhead.readyFiles(dataDir);
    } catch (IOException e) {
      log("cannot list ready files: " + Errors.oneLine(e));
      return;
    }
    long running = pushes.values().stream().filter(p -> !p.future().isDone()).count();
    for (Path file : ready) {
      if (running >= 2L * parallelism) {
        break;
      }
      String name = file.getFileName().toString();
      Push p = pushes.get(name);
      if (p != null && !p.future().isDone()) {
        continue;
      }
      Instant failed = pushFailedAt.get(name);
      if (failed != null && failed.plus(PUSH_AHEAD_BACKOFF).isAfter(Instant.now())) {
        continue;
      }
      try {
        if (state.acked(name, file)) {
          continue;
        }
      } catch (IOException e) {
        continue;
      }
      if (startPush(pusher, name)) {
        running++;
      }
    }
  }

  private boolean startPush(PushAhead pusher, String name) {
    Path file = walFile(name);
    String before;
    try {
      before = SpoolState.identity(file);
    } catch (IOException e) {
      before = null; // push reports the missing file with the synchronous path's message
    }
    String identityBefore = before;
    String archiveBefore = archiveId;
    long generation = archiveGeneration;
    long started = System.nanoTime();
    CompletableFuture<PushOutcome> f =
        pusher
            .submit(file)
            .thenApply(
                o -> {
                  if (o.succeeded()) {
                    recordAck(name, file, identityBefore, archiveBefore, generation, o);
                  } else {
                    pushFailedAt.put(name, Instant.now());
                  }
                  pushFinished = true;
                  return o;
                });
    pushes.put(name, new Push(f, started, identityBefore, generation));
    return true;
  }

  /**
   * An ack is written only if the file did not change while it was pushed, and the archive was not
   * found replaced meanwhile (its acks are gone: this one may belong to the old archive).
   */
  private void recordAck(
      String name, Path file, String before, String archiveBefore, long generation, PushOutcome o) {
    try {
      if (before == null || !before.equals(SpoolState.identity(file))) {
        return;
      }
      synchronized (this) {
        learnArchiveId();
        if (generation != archiveGeneration
            || !archiveBefore.equals("none") && !archiveBefore.equals(archiveId)) {
          log(
              "archive replaced while "
                  + name
                  + " was pushed ("
                  + archiveBefore
                  + " -> "
                  + archiveId
                  + "): not acknowledged, it is pushed again when PostgreSQL asks");
          return;
        }
        if (stopping) {
          return; // pushed with settings that are no longer the configuration's
        }
        // under the lock of the identity checks: a check that drops the markers either runs
        // before (and the generation differs) or after (and removes this one)
        state.writeMarker(state.ack.resolve(name), before + " " + o.result().digest());
      }
    } catch (IOException e) {
      log("cannot record " + name + " as archived in the spool: " + Errors.oneLine(e));
      return;
    }
    try {
      // confirm at once that the archive is still the one pushed to: only then may the launcher
      // answer from the marker
      checkArchiveIdentity(state.ack.resolve(name));
    } catch (IOException | RuntimeException e) {
      log("cannot confirm the archive's identity after pushing " + name + ": " + Errors.oneLine(e));
    }
  }

  /** Starts a push or fetch for each waiter that needs a fresh one. */
  private void startWaitedWork(PushAhead pusher, Prefetcher prefetcher) throws IOException {
    for (Waiter w : waiters.values()) {
      if (w.op().equals("push")) {
        Push p = pushes.get(w.name());
        if (!w.accepts(p) && !state.ackedAndConfirmed(w.name(), walFile(w.name()))) {
          startPush(pusher, w.name());
        }
      } else {
        Fetch f = fetches.get(w.name());
        if (Files.exists(state.prefetch.resolve(w.name()))) {
          continue;
        }
        if (f == null || f.future().isDone() && f.startedNanos() < w.arrivedNanos()) {
          startFetch(prefetcher, w.name());
        }
      }
    }
  }

  private static String identityOrNull(Path file) {
    try {
      return SpoolState.identity(file);
    } catch (IOException e) {
      return null;
    }
  }

  /** A fetch PostgreSQL waits for: ahead of the fetches made ahead that have not started. */
  private void startFetch(Prefetcher prefetcher, String name) {
    long started = System.nanoTime();
    Path dest = state.prefetch.resolve(name);
    fetches.put(name, new Fetch(prefetcher.submitFirst(WalFileName.parse(name), dest), started));
  }

  /** A fetch ahead of recovery, in order after the others. */
  private void startFetchAhead(Prefetcher prefetcher, String name) {
    long started = System.nanoTime();
    Path dest = state.prefetch.resolve(name);
    fetches.put(name, new Fetch(prefetcher.submit(WalFileName.parse(name), dest), started));
  }

  private void answerWaiters(PushAhead pusher, Prefetcher prefetcher) throws IOException {
    Iterator<Waiter> it = waiters.values().iterator();
    List<String> fetchedSegments = new ArrayList<>();
    while (it.hasNext()) {
      Waiter w = it.next();
      if (w.op().equals("push")) {
        Path file = walFile(w.name());
        if (state.ackedAndConfirmed(w.name(), file)) {
          reply(w.token(), w.arrivedNanos(), 0, "");
          it.remove();
          continue;
        }
        Push p = pushes.get(w.name());
        if (w.accepts(p) && p.future().isDone()) {
          PushOutcome o = p.future().getNow(null);
          if (!o.succeeded()) {
            Exception e = o.failure();
            reply(
                w.token(), w.arrivedNanos(), new WalPushCommand().forFailure(e), Errors.oneLine(e));
            it.remove();
          } else if (!state.ackedAndConfirmed(w.name(), file)) {
            if (p.archiveGeneration() != archiveGeneration) {
              // pushed, but the archive at the URL was replaced meanwhile (its markers were
              // dropped): push it again, into the archive that is there now
              log("archive replaced while " + w.name() + " was pushed: pushing it again");
              pushes.remove(w.name());
              startPush(pusher, w.name());
            } else if (p.identityBefore() != null
                && p.identityBefore().equals(identityOrNull(file))
                && state.acked(w.name(), file)) {
              // recorded, but the archive's identity could not be confirmed after the push
              reply(
                  w.token(),
                  w.arrivedNanos(),
                  1,
                  "pushed "
                      + w.name()
                      + ", but the archive's identity could not be confirmed afterwards (see "
                      + state.dir.resolve("worker.log")
                      + "); PostgreSQL retries");
              it.remove();
            } else if (p.identityBefore() != null
                && p.identityBefore().equals(identityOrNull(file))) {
              // durable in the archive, but the spool could not record it: not a success here
              reply(
                  w.token(),
                  w.arrivedNanos(),
                  1,
                  "cannot record "
                      + w.name()
                      + " in the spool "
                      + state.dir
                      + " (full or not writable?); see its worker.log");
              it.remove();
            } else {
              // pushed, but the file changed meanwhile: push it again
              pushes.remove(w.name());
              startPush(pusher, w.name());
            }
          }
        }
      } else {
        Path ready = state.prefetch.resolve(w.name());
        if (Files.exists(ready)) {
          try {
            // the launcher moves it next: keep the clean-up of old files away from it
            Files.setLastModifiedTime(ready, java.nio.file.attribute.FileTime.from(Instant.now()));
          } catch (NoSuchFileException e) {
            continue;
          }
          reply(w.token(), w.arrivedNanos(), 0, "");
          it.remove();
          fetchedSegments.add(w.name());
          continue;
        }
        Fetch f = fetches.get(w.name());
        if (f != null && f.future().isDone() && f.startedNanos() >= w.arrivedNanos()) {
          FetchOutcome o = f.future().getNow(null);
          switch (o.status()) {
            case NOT_FOUND ->
                reply(w.token(), w.arrivedNanos(), 1, w.name() + " is not in the archive");
            case FAILED ->
                reply(
                    w.token(),
                    w.arrivedNanos(),
                    new WalFetchCommand().forFailure(o.failure()),
                    Errors.oneLine(o.failure()));
            case FETCHED -> {
              // gone from the spool already (cleaned up): fetch again
              startFetch(prefetcher, w.name());
              continue;
            }
            default -> throw new IllegalStateException(o.status().name());
          }
          fetches.remove(w.name());
          it.remove();
        }
      }
    }
    for (String name : fetchedSegments) {
      onFetchPosition(name);
    }
  }

  private void onFetchPosition(String name) throws IOException {
    WalFileName n = WalFileName.parse(name);
    if (!n.isSegment()) {
      return;
    }
    if (segmentSize == null) {
      segmentSize = archive.manifest().map(ArchiveManifest::segmentSize).orElse(null);
      if (segmentSize == null) {
        return;
      }
    }
    lastFetchedSegment = Math.max(lastFetchedSegment, n.segmentNumber(segmentSize));
    if (aheadEnd != null
        && (aheadEnd.timeline() != n.timeline()
            || n.segmentNumber(segmentSize) >= aheadEnd.segmentNumber(segmentSize))) {
      // recovery took the end (the archive grew, by how much is not known) or moved to another
      // timeline: look the whole prefetch-count ahead again
      aheadEnd = null;
    }
    prefetchAhead(n);
  }

  /**
   * At the first fetch (PostgreSQL's first request is usually a timeline history file it probes
   * for), starts fetching the segment a base backup's recovery begins with, named in the data
   * directory's {@code backup_label}, and the ones after it, instead of waiting for PostgreSQL to
   * ask for it. Only a head start: a file is used only when asked for, verified like any other.
   */
  private void prefetchFromBackupLabel() {
    if (segmentSize == null || prefetchCount == 0) {
      return;
    }
    Path label = dataDir.resolve("backup_label");
    java.util.regex.Matcher m;
    try {
      m = BACKUP_LABEL_START.matcher(Files.readString(label, StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return; // no base backup recovering here (a standby, a crash recovery): nothing to guess
    }
    if (!m.find()) {
      return;
    }
    WalFileName start;
    try {
      start = WalFileName.parse(m.group(1));
    } catch (IllegalArgumentException e) {
      return;
    }
    if (!start.isSegment()) {
      return;
    }
    if (!fetches.containsKey(start.name()) && !Files.exists(state.prefetch.resolve(start.name()))) {
      startFetchAhead(prefetcher, start.name());
    }
    prefetchAhead(start);
  }

  private void prefetchAhead(WalFileName from) {
    if (segmentSize == null || prefetchCount == 0) {
      return;
    }
    List<WalFileName> next = Prefetcher.segmentsFrom(from, prefetchCount + 1, segmentSize);
    for (WalFileName n : next.subList(1, next.size())) {
      boolean atEnd = false;
      if (aheadEnd != null && aheadEnd.timeline() == n.timeline()) {
        long end = aheadEnd.segmentNumber(segmentSize);
        long segNo = n.segmentNumber(segmentSize);
        if (segNo > end) {
          return; // past the end of the archive: not looked up until the end itself is there
        }
        atEnd = segNo == end;
      }
      Fetch f = fetches.get(n.name());
      if (f != null && !f.future().isDone()) {
        continue;
      }
      if (Files.exists(state.prefetch.resolve(n.name()))) {
        if (atEnd) {
          aheadEnd = null; // the end has arrived: look further ahead again
        }
        continue;
      }
      if (f != null && missing(f)) {
        aheadEnd = n; // not looked up again (nor anything after it) while this record lasts
        return;
      }
      startFetchAhead(prefetcher, n.name());
    }
  }

  private static boolean missing(Fetch f) {
    return f.future().isDone()
        && !f.future().isCompletedExceptionally()
        && f.future().join().status() == FetchOutcome.Status.NOT_FOUND;
  }

  /**
   * Answers request {@code token}. A reply that cannot be written (a spool that is full or not
   * writable) ends neither the worker nor the call's wait silently: it is logged, and the request
   * is removed all the same, which the launcher reads as "the worker could not reply" (a request
   * gone without a reply; the reply is always written before the request is removed).
   */
  private void reply(String token, long arrivedNanos, int code, String message) {
    try {
      // no fsync: a reply matters only to the call waiting for it, which a crash ends as well
      state.writeMarker(state.reply.resolve(token), code + " " + message);
    } catch (IOException | RuntimeException e) {
      log(
          "cannot write the reply to "
              + token
              + " ("
              + code
              + " "
              + message
              + ") into "
              + state.reply
              + ": "
              + Errors.oneLine(e));
    }
    try {
      Files.deleteIfExists(state.req.resolve(token));
    } catch (IOException | RuntimeException e) {
      // not read again (it would be answered again and again): the call times out
      unanswered.add(token);
      log("cannot remove the request " + token + ": " + Errors.oneLine(e));
    }
  }

  /**
   * Drops acks of segments PostgreSQL no longer has ready (it marked them done), prefetched
   * segments recovery has passed, finished fetch and push records, and replies nobody collected.
   */
  private void cleanUp() {
    try {
      Path status = dataDir.resolve("pg_wal").resolve("archive_status");
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(state.ack)) {
        for (Path p : ds) {
          String name = p.getFileName().toString();
          Push running = pushes.get(name);
          if (running != null && !running.future().isDone()) {
            continue;
          }
          if (!Files.exists(status.resolve(name + ".ready"))) {
            Files.deleteIfExists(p);
          }
        }
      }
      if (segmentSize != null && lastFetchedSegment >= 0) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(state.prefetch)) {
          for (Path p : ds) {
            String f = p.getFileName().toString();
            if (f.startsWith(".")) {
              continue;
            }
            WalFileName n = WalFileName.parse(f);
            boolean passed = n.isSegment() && n.segmentNumber(segmentSize) < lastFetchedSegment;
            boolean old =
                Files.getLastModifiedTime(p).toInstant().isBefore(Instant.now().minusSeconds(600));
            if (passed || old) {
              Files.deleteIfExists(p);
            }
          }
        }
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(state.reply)) {
        for (Path p : ds) {
          if (Files.getLastModifiedTime(p).toInstant().isBefore(Instant.now().minusSeconds(600))) {
            Files.deleteIfExists(p);
          }
        }
      }
      // requests never completed (a call killed while writing its line)
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(state.req)) {
        for (Path p : ds) {
          if (!waiters.containsKey(p.getFileName().toString())
              && Files.getLastModifiedTime(p)
                  .toInstant()
                  .isBefore(Instant.now().minusSeconds(600))) {
            Files.deleteIfExists(p);
          }
        }
      } catch (NoSuchFileException e) {
        // raced with the file's own clean-up
      }
      unanswered.removeIf(t -> !Files.exists(state.req.resolve(t)));
      pushes.values().removeIf(p -> p.future().isDone() && !waitedFor(p));
      // a push-ahead result nobody asked for is dropped; its ack (if any) stays
      fetches.values().removeIf(f -> f.future().isDone());
      pushFailedAt.values().removeIf(t -> t.isBefore(Instant.now().minus(PUSH_AHEAD_BACKOFF)));
    } catch (IOException | IllegalArgumentException e) {
      log("clean-up failed: " + Errors.oneLine(e));
    }
  }

  private boolean waitedFor(Push p) {
    return waiters.values().stream().anyMatch(w -> w.accepts(p));
  }
}
