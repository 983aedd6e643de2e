package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walarchive agent}: the async-mode worker in the foreground. The launcher starts the same
 * worker in the background on demand (with an idle exit) when a spool is configured.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description =
        "Runs the async-mode worker for one data directory in the foreground (for systemd or a"
            + " sidecar): pushes segments PostgreSQL marked ready ahead of archive_command and"
            + " prefetches WAL for restore_command, through the spool (--spool-dir). Without it,"
            + " the launcher starts the same worker on demand.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:stopped after the idle time",
      "1:storage or I/O error",
      "2:usage or configuration error, or another worker already serves this spool"
    })
final class AgentCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Option(
      names = "--pgdata",
      required = true,
      paramLabel = "DIR",
      description = "The PostgreSQL data directory the worker serves (env PGDATA is not read).")
  Path pgdata;

  @Option(
      names = "--idle-exit",
      paramLabel = "SECONDS",
      description = "Exit after this many seconds without requests; 0 (default) runs until killed.")
  long idleExit;

  @Option(names = "--state-dir", hidden = true, description = "Set by the launcher.")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    startWarmUp();
    Path spool = config.spoolDir();
    if (spool == null) {
      throw new CliException(
          "no spool directory; set WALARCHIVE_SPOOL_DIR or pass --spool-dir to run the agent");
    }
    if (idleExit < 0) {
      throw new CliException("--idle-exit must be 0 or more seconds, not " + idleExit);
    }
    if (!Files.isDirectory(pgdata)) {
      throw new CliException(
          "data directory "
              + pgdata
              + (Files.exists(pgdata) ? " is not a directory" : " does not exist")
              + "; fix --pgdata");
    }
    Path dataDir = pgdata.toRealPath();
    if (!Files.isDirectory(dataDir.resolve("pg_wal"))) {
      throw new CliException(
          dataDir + " is not a PostgreSQL data directory (no pg_wal); fix --pgdata");
    }
    createSpoolDirectory(spool);
    Path dir =
        SpoolState.stateDir(
            spool.toAbsolutePath(),
            dataDir,
            config.url(),
            String.join(",", config.copyUrls()),
            config.copyMode().name().toLowerCase(java.util.Locale.ROOT));
    Files.createDirectories(dir);
    if (stateDir != null && !stateDir.toRealPath().equals(dir.toRealPath())) {
      throw new CliException(
          "the launcher and the worker disagree on the spool directory ("
              + stateDir
              + " vs "
              + dir
              + "); write the url setting plainly (no escapes) in the configuration file");
    }
    Files.createDirectories(dir);
    Path startupError = dir.resolve("startup-error");
    SpoolWorker worker = null;
    try (FileChannel lockFile =
            FileChannel.open(
                dir.resolve("worker.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock()) {
      if (lock == null) {
        throw new CliException("another walarchive worker already serves " + dir);
      }
      Files.writeString(dir.resolve("datadir"), dataDir + "\n");
      int parallelism = config.positiveSetting("async-parallelism", 4, 64);
      int prefetch = config.positiveSetting("prefetch-count", 8, 1024);
      try (WalArchive archive = config.openArchive()) {
        archive.manifest(); // fail now, with the startup error, if the archive cannot be read
        Files.deleteIfExists(startupError);
        worker =
            new SpoolWorker(
                archive,
                new SpoolState(dir),
                dataDir,
                parallelism,
                prefetch,
                Duration.ofSeconds(idleExit),
                System.err,
                config.settingsFiles());
        worker.run();
      }
      return 0;
    } catch (Exception e) {
      // a failure before the worker served anything is its start's (the launcher reports "did not
      // start", a configuration error); later, it stopped (the launcher reports that)
      Path reason =
          worker != null && worker.serving()
              ? dir.resolve(SpoolState.WORKER_STOPPED)
              : startupError;
      try {
        Files.writeString(reason, Errors.oneLine(e) + "\n");
      } catch (IOException ignored) {
        // the spool itself is unwritable: the launcher reports the worker's log instead
      }
      throw e;
    }
  }

  /**
   * Creates the spool directory itself if it is missing, never a directory above it (as the
   * launcher does, and as for a {@code file:} archive): a mistyped spool-dir fails instead of
   * growing a new tree.
   */
  static void createSpoolDirectory(Path spool) throws CliException {
    if (Files.isDirectory(spool)) {
      return;
    }
    if (Files.exists(spool)) {
      throw new CliException(
          "the spool directory " + spool + " is a file, not a directory; fix spool-dir");
    }
    try {
      Files.createDirectory(spool);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(spool)) {
        throw new CliException(
            "the spool directory " + spool + " is a file, not a directory; fix spool-dir");
      }
    } catch (IOException e) {
      throw new CliException(
          "cannot create the spool directory "
              + spool
              + " (walarchive creates no directory above it); create it, writable by this user");
    }
  }

  /**
   * Loads and links the object codec's code (zstd's native library, AES-GCM, HMAC) on a thread of
   * its own, by encoding and decoding 64 KiB of zeros under a throwaway key, while this thread
   * parses the configuration and opens the archive: measured, the first fetch of a recovery (a
   * timeline history file PostgreSQL probes for) took 0.16 to 0.45 s of that work otherwise.
   * Nothing it does reaches the spool or the archive; a failure is ignored (the real work reports
   * its own).
   */
  private void startWarmUp() {
    Compression compression;
    try {
      compression = config.compression();
    } catch (IOException | RuntimeException e) {
      return;
    }
    Thread t =
        new Thread(
            () -> {
              try {
                byte[] key = new byte[32];
                new SecureRandom().nextBytes(key);
                ObjectCodec codec =
                    new ObjectCodec(compression, Keyring.builder().addKey("warm-up", key).build());
                String name = "000000010000000000000001";
                ByteArrayOutputStream encoded = new ByteArrayOutputStream();
                codec.encode(name, new ByteArrayInputStream(new byte[64 * 1024]), encoded);
                try (InputStream in =
                    codec.decode(name, new ByteArrayInputStream(encoded.toByteArray()))) {
                  in.readAllBytes();
                }
                if (idleExit == 0) {
                  warmUpPush(codec, name);
                }
              } catch (IOException | RuntimeException e) {
                // only a head start: the worker's own first fetch or push meets the same failure
              }
            },
            "walarchive-warm-up");
    t.setDaemon(true);
    t.start();
  }

  /** Segments' worth of synthetic WAL a permanent agent encodes at start (see below). */
  static final int WARM_UP_SEGMENTS = 32;

  /**
   * A permanent agent ({@code --idle-exit 0}) also encodes {@link #WARM_UP_SEGMENTS} segments of
   * synthetic WAL-like data (16 MiB each, compressible like pgbench's) before PostgreSQL's backlog
   * has made the push path hot: pushing the same 40 real segments in one JVM took 94-98 ms of CPU
   * per segment in the first round (the JIT compiling) and 39-49 ms in later rounds, and a warm-up
   * of 10 real segments left the JIT compiling through the next 40. Only in the agent: a worker
   * started on demand would compete with the first segments it serves.
   */
  private static void warmUpPush(ObjectCodec codec, String name) throws IOException {
    byte[] segment = new byte[16 * 1024 * 1024];
    java.util.Random random = new java.util.Random(1);
    for (int page = 0; page < segment.length; page += 8192) {
      // a page: 512 random bytes (new tuples), the rest zeros
      byte[] fresh = new byte[512];
      random.nextBytes(fresh);
      System.arraycopy(fresh, 0, segment, page, fresh.length);
    }
    for (int i = 0; i < WARM_UP_SEGMENTS; i++) {
      codec.encode(name, new ByteArrayInputStream(segment), OutputStream.nullOutputStream());
    }
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    return e instanceof CliException || e instanceof IllegalArgumentException ? 2 : 1;
  }
}
