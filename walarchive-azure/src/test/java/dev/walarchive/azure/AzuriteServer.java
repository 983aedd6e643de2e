package dev.walarchive.azure;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Azurite's blob service (the Azure Storage emulator, from npm) as a child process on 127.0.0.1 and
 * a free port, in memory, with one container. Tests start one, use {@link #url(String)} and {@link
 * #options()} (or {@link #environment(String)} for a CLI subprocess), and close it; a JVM shutdown
 * hook stops it too.
 *
 * <p>The executable is {@code node_modules/.bin/azurite-blob} of {@code
 * walarchive-azure/src/test/azurite}, installed with {@code npm ci --prefix
 * walarchive-azure/src/test/azurite}; the system property {@code walarchive.azurite} may name it
 * (the module's surefire configuration sets it). Without it, {@link #start()} fails and says so.
 */
public final class AzuriteServer implements AutoCloseable {
  /** Azurite's fixed development account. */
  public static final String ACCOUNT = "devstoreaccount1";

  /** The well-known, public key of Azurite's development account. */
  public static final String ACCOUNT_KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  /** The container {@link #start()} creates. */
  public static final String CONTAINER = "walarchive";

  private static final String INSTALL_HINT =
      "run: npm ci --prefix walarchive-azure/src/test/azurite (from the repository root)";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path workspace;
  private final int port;
  private final Thread shutdownHook;

  private AzuriteServer(Process process, Path workspace, int port) {
    this.process = process;
    this.workspace = workspace;
    this.port = port;
    this.shutdownHook = new Thread(this::stop, "azurite-stop-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts Azurite and creates {@link #CONTAINER}; fails if Azurite is not installed. */
  public static AzuriteServer start() throws IOException {
    Path executable = findExecutable();
    Path workspace = Files.createTempDirectory("walarchive-azurite-");
    int port = freePort();
    List<String> command =
        List.of(
            executable.toString(),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            Integer.toString(port),
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--silent");
    Path log = workspace.resolve("azurite.log");
    Process process =
        new ProcessBuilder(command)
            .directory(workspace.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    AzuriteServer server = new AzuriteServer(process, workspace, port);
    try {
      server.awaitPort(log);
      server.containerClient().createIfNotExists();
      return server;
    } catch (IOException | RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  private static Path findExecutable() {
    return findExecutable(
        System.getProperty("walarchive.azurite"),
        System.getenv("WALARCHIVE_AZURITE"),
        System.getenv("PATH"),
        Path.of("").toAbsolutePath());
  }

  /**
   * Where Azurite is: the system property {@code walarchive.azurite}, then the environment variable
   * {@code WALARCHIVE_AZURITE}, then {@code azurite-blob} on {@code PATH}, then this repository's
   * {@code walarchive-azure/src/test/azurite} install; else a one-line error naming the fix.
   */
  static Path findExecutable(String property, String env, String path, Path cwd) {
    List<Path> candidates = new ArrayList<>();
    if (property != null && !property.isBlank()) {
      candidates.add(Path.of(property));
    }
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isBlank()) {
          candidates.add(Path.of(dir, "azurite-blob"));
        }
      }
    }
    Path bin = Path.of("src/test/azurite/node_modules/.bin/azurite-blob");
    candidates.add(cwd.resolve(bin));
    candidates.add(cwd.resolve("walarchive-azure").resolve(bin));
    if (cwd.getParent() != null) {
      candidates.add(cwd.getParent().resolve("walarchive-azure").resolve(bin));
    }
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    throw new IllegalStateException(
        "Azurite is not installed: run npm install -g azurite (puts azurite-blob on PATH), or set"
            + " -Dwalarchive.azurite or WALARCHIVE_AZURITE to its azurite-blob; in this repository "
            + INSTALL_HINT);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void awaitPort(Path log) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "Azurite exited with status "
                + process.exitValue()
                + " before listening on 127.0.0.1:"
                + port
                + "; its output:\n"
                + readLog(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    throw new IOException(
        "Azurite did not listen on 127.0.0.1:"
            + port
            + " within "
            + START_TIMEOUT
            + "; its output:\n"
            + readLog(log));
  }

  private static String readLog(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Azurite", e);
    }
  }

  /** The port Azurite listens on. */
  public int port() {
    return port;
  }

  /** The blob endpoint, {@code http://127.0.0.1:<port>/devstoreaccount1}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port + "/" + ACCOUNT;
  }

  /** {@code az://devstoreaccount1/walarchive/<prefix>} (or without prefix when it is empty). */
  public String url(String prefix) {
    return "az://" + ACCOUNT + "/" + CONTAINER + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  /** The storage options that reach this server: endpoint and account key. */
  public Map<String, String> options() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put(AzureStorageConfig.ENDPOINT, endpoint());
    options.put(AzureStorageConfig.ACCOUNT_KEY, ACCOUNT_KEY);
    return options;
  }

  /**
   * Environment variables for a walarchive CLI process: {@code WALARCHIVE_AZURE_ENDPOINT} and
   * {@code WALARCHIVE_AZURE_ACCOUNT_KEY}.
   */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    options()
        .forEach(
            (name, value) ->
                env.put(
                    "WALARCHIVE_" + name.replace('.', '_').replace('-', '_').toUpperCase(), value));
    return env;
  }

  /** {@link #environment()} plus {@code WALARCHIVE_URL} for {@link #url(String) url(prefix)}. */
  public Map<String, String> environment(String prefix) {
    Map<String, String> env = environment();
    env.put("WALARCHIVE_URL", url(prefix));
    return env;
  }

  /** A configuration for {@link #url(String) url(prefix)}. */
  public AzureStorageConfig config(String prefix) {
    return AzureStorageConfig.fromUrl(java.net.URI.create(url(prefix)), options());
  }

  /** An SDK client for the container, for tests that look behind the storage. */
  public BlobContainerClient containerClient() {
    return new BlobContainerClientBuilder()
        .endpoint(endpoint())
        .credential(new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY))
        .httpClient(new com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder().build())
        .containerName(CONTAINER)
        .buildClient();
  }

  /** Stops Azurite and removes its workspace. Idempotent. */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) anyway
    }
  }

  private synchronized void stop() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteWorkspace();
  }

  private void deleteWorkspace() {
    if (!Files.exists(workspace)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(workspace)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove Azurite workspace " + workspace, e);
    }
  }

  @Override
  public String toString() {
    return "Azurite at " + endpoint();
  }
}
