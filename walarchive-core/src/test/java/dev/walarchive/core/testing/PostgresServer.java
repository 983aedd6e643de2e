package dev.walarchive.core.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for tests: one data directory, started and stopped by the test, on
 * 127.0.0.1 at a free port, with its Unix socket in a directory of its own.
 *
 * <p>The binaries come from the system property {@code walarchive.pg.bindir} (default {@value
 * #DEFAULT_BINDIR}). PostgreSQL refuses to run as root, so when the tests run as root every
 * PostgreSQL program ({@code initdb}, {@code pg_ctl}, {@code pg_basebackup}, {@code pgbench}, ...)
 * runs as the user {@code postgres} through {@code runuser}, and the directories it uses are
 * created owned by {@code postgres} below world-traversable parents. If the binaries are missing,
 * every factory fails with a message saying what to install: PostgreSQL tests are never skipped.
 *
 * <p>Typical use, one cluster per test class:
 *
 * <pre>{@code
 * try (PostgresServer pg = PostgresServer.initdb(16)) {
 *   pg.setConfig("archive_mode", "on").start();
 *   String lsn = pg.queryOne("SELECT pg_current_wal_lsn()");
 * }
 * }</pre>
 *
 * <p>This class ships in core's test-jar; modules using it also need {@code
 * org.postgresql:postgresql} (pgjdbc) as a test dependency, since core's own is test-scoped and not
 * passed on.
 *
 * <p>{@link #close()} always stops the server (a JVM shutdown hook does too, if the test never gets
 * there) and deletes the directories this class created itself. Set {@code
 * -Dwalarchive.pg.keep=true} to keep them for a post-mortem.
 */
public final class PostgresServer implements AutoCloseable {
  /** The system property naming the directory of the PostgreSQL binaries. */
  public static final String BINDIR_PROPERTY = "walarchive.pg.bindir";

  /** Where Debian's {@code postgresql-15} package installs its binaries. */
  public static final String DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin";

  /** The operating system user PostgreSQL runs as when the tests run as root. */
  public static final String OS_USER = "postgres";

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);
  private static final int START_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 40;

  private final Path runDir;
  private final Path dataDir;
  private final boolean ownsRunDir;
  private final Path logFile;
  private int port;
  private boolean running;
  private Thread shutdownHook;

  private PostgresServer(Path runDir, Path dataDir, boolean ownsRunDir) {
    this.runDir = runDir;
    this.dataDir = dataDir;
    this.ownsRunDir = ownsRunDir;
    this.logFile = runDir.resolve("postgresql.log");
  }

  // ---------------------------------------------------------------------------------------------
  // factories

  /**
   * Creates a new cluster with {@code initdb} in a fresh directory under {@code /tmp} that {@link
   * #close()} deletes. The server is not started; call {@link #setConfig} as needed, then {@link
   * #start()}.
   *
   * @param walSegSizeMb the WAL segment size in MiB ({@code initdb --wal-segsize})
   */
  public static PostgresServer initdb(int walSegSizeMb) throws IOException {
    checkBinaries();
    Path baseDir = createBaseDir("walarchive-pg");
    return initdb(baseDir, walSegSizeMb, true);
  }

  /**
   * Creates a new cluster with {@code initdb} in {@code baseDir/data}, with the log and socket in
   * {@code baseDir}, which must exist and be writable by the PostgreSQL user (see {@link
   * #createBaseDir}); the caller deletes it. The server is not started.
   */
  public static PostgresServer initdb(Path baseDir, int walSegSizeMb) throws IOException {
    return initdb(baseDir, walSegSizeMb, false);
  }

  private static PostgresServer initdb(Path baseDir, int walSegSizeMb, boolean owns)
      throws IOException {
    requireNonNull(baseDir, "baseDir is null");
    checkBinaries();
    PostgresServer server = new PostgresServer(baseDir, baseDir.resolve("data"), owns);
    try {
      server.runAsPostgres(
          List.of(
              bin("initdb").toString(),
              "-D",
              server.dataDir.toString(),
              "-U",
              "postgres",
              "--auth=trust",
              "--encoding=UTF8",
              "--locale=C",
              "--no-sync",
              "--wal-segsize=" + walSegSizeMb));
      server.appendConfig(
          "postgresql.conf",
          "\n# walarchive test harness\n"
              + "fsync = off\n"
              + "max_connections = 30\n"
              + "shared_buffers = 32MB\n"
              + "max_wal_senders = 5\n"
              + "wal_level = replica\n");
    } catch (IOException | RuntimeException e) {
      if (owns) {
        deleteTree(baseDir);
      }
      throw e;
    }
    return server;
  }

  /**
   * Wraps an existing data directory (for example one restored by {@link #pgBasebackup}), owned by
   * the PostgreSQL user. Its log and socket go to a fresh directory that {@link #close()} deletes;
   * the data directory itself is left alone.
   */
  public static PostgresServer existing(Path dataDir) throws IOException {
    requireNonNull(dataDir, "dataDir is null");
    checkBinaries();
    if (!Files.isRegularFile(dataDir.resolve("PG_VERSION"))) {
      throw new IllegalArgumentException(dataDir + " is not a PostgreSQL data directory");
    }
    return new PostgresServer(createBaseDir("walarchive-pg-run"), dataDir, true);
  }

  /**
   * Creates a fresh, empty directory under {@code /tmp} that the PostgreSQL user owns and everyone
   * may traverse (mode 755), for data directories, archives and base backups.
   */
  public static Path createBaseDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(Paths.get("/tmp"), prefix + "-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    chownToPostgres(dir);
    return dir;
  }

  /** Creates directory {@code dir} (and parents) owned by the PostgreSQL user, mode 755. */
  public static Path createDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    chownToPostgres(dir);
    return dir;
  }

  /** Returns the directory of the PostgreSQL binaries ({@value #BINDIR_PROPERTY}). */
  public static Path binDir() {
    return Paths.get(System.getProperty(BINDIR_PROPERTY, DEFAULT_BINDIR));
  }

  /** Returns whether this JVM runs as root, so that PostgreSQL must run as {@value #OS_USER}. */
  public static boolean runningAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static Path bin(String program) {
    return binDir().resolve(program);
  }

  private static void checkBinaries() {
    for (String program : List.of("initdb", "pg_ctl", "postgres")) {
      if (!Files.isExecutable(bin(program))) {
        throw new IllegalStateException(
            "PostgreSQL is not installed: "
                + bin(program)
                + " is missing. Install it (Debian: apt-get install postgresql-15) or point -D"
                + BINDIR_PROPERTY
                + "=<dir> at the directory holding initdb and pg_ctl.");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // configuration and life cycle

  /**
   * Sets a server parameter by appending {@code name = 'value'} to {@code postgresql.auto.conf}
   * (later lines win). Takes effect at the next {@link #start()}.
   */
  public PostgresServer setConfig(String name, String value) throws IOException {
    requireNonNull(name, "name is null");
    requireNonNull(value, "value is null");
    if (!name.matches("[a-z_][a-z0-9_.]*")) {
      throw new IllegalArgumentException("invalid parameter name: " + name);
    }
    appendConfig("postgresql.auto.conf", name + " = '" + value.replace("'", "''") + "'\n");
    return this;
  }

  private void appendConfig(String file, String text) throws IOException {
    Path path = dataDir.resolve(file);
    boolean existed = Files.exists(path);
    Files.writeString(path, text, UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    if (!existed) {
      chownToPostgres(path);
    }
  }

  /**
   * Writes {@code content} to {@code relativePath} in the data directory, owned by the PostgreSQL
   * user (for example {@code standby.signal} or {@code recovery.signal} with empty content).
   */
  public Path writeDataFile(String relativePath, String content) throws IOException {
    Path path = dataDir.resolve(relativePath);
    Files.writeString(path, content, UTF_8);
    chownToPostgres(path);
    return path;
  }

  /**
   * Starts the server and waits until it accepts connections (or, in standby mode, until it has
   * started). Port, listen address and socket directory are given on the command line, so they
   * override whatever a copied configuration says.
   *
   * @throws IOException including the tail of the server log if the server does not start
   */
  public PostgresServer start() throws IOException {
    if (running) {
      throw new IllegalStateException("server in " + dataDir + " is already running");
    }
    IOException failure = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      port = freePort();
      String options =
          "-p "
              + port
              + " -c listen_addresses=127.0.0.1 -c unix_socket_directories="
              + runDir
              + " -c logging_collector=off";
      registerShutdownHook();
      try {
        runAsPostgres(
            List.of(
                bin("pg_ctl").toString(),
                "start",
                "-D",
                dataDir.toString(),
                "-l",
                logFile.toString(),
                "-w",
                "-t",
                "120",
                "-o",
                options));
        running = true;
        return this;
      } catch (IOException e) {
        failure = e;
        if (!logTail().contains("could not bind")) {
          break;
        }
      }
    }
    stopQuietly();
    throw new IOException(
        "PostgreSQL in " + dataDir + " did not start; server log:\n" + logTail(), failure);
  }

  /** Stops the server with a fast shutdown (a clean checkpoint) and waits for it to exit. */
  public void stop() throws IOException {
    pgCtlStop("fast");
  }

  /**
   * Stops the server the way a crash would: an immediate shutdown, without a checkpoint, so the
   * next start runs crash recovery.
   */
  public void kill() throws IOException {
    pgCtlStop("immediate");
  }

  private void pgCtlStop(String mode) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      running = false;
      removeShutdownHook();
      return;
    }
    Long pid = postmasterPid();
    runAsPostgres(
        List.of(
            bin("pg_ctl").toString(),
            "stop",
            "-D",
            dataDir.toString(),
            "-m",
            mode,
            "-w",
            "-t",
            "120"));
    running = false;
    removeShutdownHook();
    if (pid != null) {
      // pg_ctl returns once the pid file is gone; the process may take a moment longer
      ProcessHandle.of(pid)
          .ifPresent(
              process -> {
                try {
                  process.onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                  // reported by the caller's next start, if it matters
                }
              });
    }
  }

  private Long postmasterPid() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), UTF_8);
      return lines.isEmpty() ? null : Long.valueOf(lines.get(0).trim());
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  /**
   * Promotes a standby and waits until it accepts writes on its new timeline.
   *
   * @throws IOException including the server log if promotion fails
   */
  public void promote() throws IOException {
    runAsPostgres(
        List.of(bin("pg_ctl").toString(), "promote", "-D", dataDir.toString(), "-w", "-t", "120"));
    waitUntilRecoveryEnds(Duration.ofMinutes(2));
  }

  /** Waits until the server is no longer in recovery. */
  public void waitUntilRecoveryEnds(Duration timeout) {
    waitFor("SELECT NOT pg_is_in_recovery()", timeout);
  }

  /**
   * Runs {@code sql} (a query returning one boolean) every 100 ms until it returns true.
   *
   * @throws IllegalStateException with the server log if it does not within {@code timeout}
   */
  public void waitFor(String sql, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (true) {
      try {
        String value = queryOne(sql);
        if ("t".equals(value) || "true".equals(value)) {
          return;
        }
        last = null;
      } catch (SQLException e) {
        last = e; // e.g. still starting up
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "timed out after " + timeout + " waiting for: " + sql + "\nserver log:\n" + logTail(),
            last);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for: " + sql, e);
      }
    }
  }

  /** Stops the server if it runs (fast, then immediate, then by signal) and deletes own dirs. */
  @Override
  public void close() throws IOException {
    try {
      stopQuietly();
    } finally {
      if (ownsRunDir && !Boolean.getBoolean("walarchive.pg.keep")) {
        deleteTree(runDir);
      }
    }
  }

  private void stopQuietly() {
    try {
      stop();
      return;
    } catch (IOException | RuntimeException e) {
      // fall through to harder means
    }
    try {
      kill();
      return;
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    Long pid = postmasterPid();
    if (pid != null) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    running = false;
    removeShutdownHook();
  }

  private synchronized void registerShutdownHook() {
    if (shutdownHook == null) {
      Path pgCtl = bin("pg_ctl");
      List<String> command =
          wrap(List.of(pgCtl.toString(), "stop", "-D", dataDir.toString(), "-m", "immediate"));
      shutdownHook =
          new Thread(
              () -> {
                try {
                  new ProcessBuilder(command)
                      .redirectErrorStream(true)
                      .start()
                      .waitFor(30, TimeUnit.SECONDS);
                } catch (IOException e) {
                  // best effort at JVM exit
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "stop PostgreSQL in " + dataDir);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
  }

  private synchronized void removeShutdownHook() {
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // JVM already shutting down
      }
      shutdownHook = null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // SQL

  /** Opens a JDBC connection as user {@code postgres} to database {@code postgres}. */
  public Connection connect() throws SQLException {
    return connect("postgres");
  }

  /** Opens a JDBC connection as user {@code postgres} to {@code database}. */
  public Connection connect(String database) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("ApplicationName", "walarchive-tests");
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
  }

  /**
   * Runs a query and returns the first column of its first row as text ({@code null} for SQL NULL).
   *
   * @throws SQLException if the query fails or returns no row
   */
  public String queryOne(String sql) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      if (!rows.next()) {
        throw new SQLException("no row returned by: " + sql);
      }
      return rows.getString(1);
    }
  }

  /** Runs one or more SQL statements. */
  public void execute(String sql) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // tools

  /**
   * Takes a base backup into {@code target} (which must not exist or be empty, in a directory the
   * PostgreSQL user can write) with {@code pg_basebackup -c fast -X stream}, then {@code
   * extraArgs}.
   *
   * @return the tool's output
   */
  public String pgBasebackup(Path target, String... extraArgs) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                bin("pg_basebackup").toString(),
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-U",
                "postgres",
                "-D",
                target.toString(),
                "-c",
                "fast",
                "-X",
                "stream",
                "--no-sync"));
    command.addAll(Arrays.asList(extraArgs));
    return runAsPostgres(command);
  }

  /**
   * Runs {@code pgbench} against this server's {@code postgres} database with {@code args} (for
   * example {@code "-i", "-s", "1"} to initialise, or {@code "-t", "100"}).
   *
   * @return the tool's output
   */
  public String pgbench(String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                bin("pgbench").toString(),
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-U",
                "postgres"));
    command.addAll(Arrays.asList(args));
    command.add("postgres");
    return runAsPostgres(command);
  }

  /**
   * Runs {@code command} as the PostgreSQL user (through {@code runuser} when running as root), in
   * this server's run directory, without inherited {@code PG*} environment variables.
   *
   * @return stdout and stderr, interleaved
   * @throws IOException with the command's output if it fails or exits non-zero
   */
  public String runAsPostgres(List<String> command) throws IOException {
    return run(command, runDir);
  }

  private static String run(List<String> command, Path workingDir) throws IOException {
    List<String> full = wrap(command);
    ProcessBuilder builder =
        new ProcessBuilder(full).directory(workingDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
    builder.environment().put("LC_ALL", "C");
    Process process = builder.start();
    process.getOutputStream().close();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (InputStream in = process.getInputStream()) {
                in.transferTo(output);
              } catch (IOException e) {
                // process went away
              }
            },
            "output of " + command.get(0));
    reader.setDaemon(true);
    reader.start();
    try {
      if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("timed out after " + COMMAND_TIMEOUT + ": " + String.join(" ", full));
      }
      reader.join(10_000);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", full), e);
    }
    String text;
    synchronized (output) {
      text = output.toString(UTF_8);
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          "exit code " + process.exitValue() + " from: " + String.join(" ", full) + "\n" + text);
    }
    return text;
  }

  private static List<String> wrap(List<String> command) {
    if (!runningAsRoot()) {
      return List.copyOf(command);
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", OS_USER, "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  // ---------------------------------------------------------------------------------------------
  // accessors

  /** Returns the data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** Returns the TCP port on 127.0.0.1 (valid once started). */
  public int port() {
    return port;
  }

  /** Returns whether this harness started the server and has not stopped it. */
  public boolean isRunning() {
    return running;
  }

  /** Returns the path of the server log. */
  public Path logFile() {
    return logFile;
  }

  /** Returns the last lines of the server log, for assertion messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, UTF_8);
      return String.join(
          "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (NoSuchFileException e) {
      return "(no server log at " + logFile + ")";
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  @Override
  public String toString() {
    return "PostgresServer[" + dataDir + (running ? ", port " + port : ", stopped") + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // files

  /** Gives {@code path} to the PostgreSQL user (a no-op unless running as root). */
  public static void chownToPostgres(Path path) throws IOException {
    if (!runningAsRoot()) {
      return;
    }
    UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal user = lookup.lookupPrincipalByName(OS_USER);
    GroupPrincipal group = lookup.lookupPrincipalByGroupName(OS_USER);
    PosixFileAttributeView view =
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    view.setOwner(user);
    view.setGroup(group);
  }

  /** Deletes {@code dir} and everything below it; a missing directory is fine. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.deleteIfExists(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
