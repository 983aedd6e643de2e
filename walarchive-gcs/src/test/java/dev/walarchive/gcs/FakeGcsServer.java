package dev.walarchive.gcs;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * A fake of the Cloud Storage JSON API, in memory, on {@code 127.0.0.1} and a free port, for tests
 * that run the real Google Cloud Storage client (or the walarchive CLI in another process) against
 * it. Start it with {@link #start()}, point a client at {@link #endpoint()} without credentials
 * ({@link #options()}, {@link #environment()}), and close it when done.
 *
 * <p>What it serves, as the real service does (same status codes, error bodies and object JSON):
 *
 * <ul>
 *   <li>object insert {@code POST /upload/storage/v1/b/B/o} with {@code uploadType=media}, {@code
 *       multipart} (metadata JSON and media in one {@code multipart/related} body) and {@code
 *       resumable} (initiation answers a {@code Location} with {@code upload_id}; {@code PUT}s with
 *       {@code Content-Range} answer {@code 308} with a {@code Range} of what is persisted, only
 *       whole 256 KiB units for non-final chunks, and the final one the object). Generation and
 *       metageneration preconditions are enforced atomically: for resumable uploads at the final
 *       request, not at initiation, as the service does. CRC32C and MD5 sent in the metadata or in
 *       {@code x-goog-hash} are verified; request bodies may be gzip-encoded.
 *   <li>media download {@code GET /storage/v1/b/B/o/O?alt=media} and {@code /download/storage/...},
 *       with {@code Range}, {@code generation} and the {@code x-goog-*} response headers.
 *   <li>metadata get, delete, list ({@code prefix}, {@code delimiter}, {@code startOffset}, {@code
 *       endOffset}, {@code maxResults} up to 1000, {@code pageToken}), bucket get.
 *   <li>batch {@code POST /batch/storage/v1} ({@code multipart/mixed}, up to 100 calls).
 * </ul>
 *
 * <p>It is thread safe and serves other processes too. {@link #failNext} injects failures; {@link
 * #requests()} records what clients sent. Set the system property {@code walarchive.fakegcs.trace}
 * to {@code true} to print every request with its headers (never an {@code Authorization} value).
 * Not implemented: object versioning, ACLs, compose, rewrite, XML API, gRPC.
 */
public final class FakeGcsServer implements AutoCloseable {
  /** The project id clients are given. */
  public static final String PROJECT_ID = "walarchive-fake";

  /** The bucket {@link #start()} creates. */
  public static final String DEFAULT_BUCKET = "walarchive-fake-bucket";

  static final int RESUMABLE_GRANULARITY = 256 * 1024;
  static final int MAX_LIST_RESULTS = 1000;
  static final int MAX_BATCH_CALLS = 100;

  static final String PRECONDITION_MESSAGE =
      "At least one of the pre-conditions you specified did not hold.";

  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern CONTENT_RANGE =
      Pattern.compile("bytes (?:(\\d+)-(\\d+)|\\*)/(\\d+|\\*)");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final HttpServer server;
  private final ExecutorService executor;
  private final String endpoint;
  private final String defaultBucket;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<Fault> faults = new ArrayList<>();
  private final SecureRandom random = new SecureRandom();
  private final boolean trace = Boolean.getBoolean("walarchive.fakegcs.trace");

  private FakeGcsServer(String bucket) throws IOException {
    this.defaultBucket = bucket;
    createBucket(bucket);
    // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's
    // delayed ACK: about 40 ms per request. Read once, when the JDK server first starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    AtomicInteger threads = new AtomicInteger();
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fake-gcs-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Starts a fake with one empty bucket, {@value #DEFAULT_BUCKET}. */
  public static FakeGcsServer start() throws IOException {
    return new FakeGcsServer(DEFAULT_BUCKET);
  }

  /** Starts a fake with one empty bucket of the given name. */
  public static FakeGcsServer start(String bucket) throws IOException {
    return new FakeGcsServer(bucket);
  }

  /**
   * Runs a fake in its own process until the process is stopped: {@code java -cp ...
   * dev.walarchive.gcs.FakeGcsServer [bucket]} prints the {@code WALARCHIVE_*} variables (one
   * {@code NAME=value} a line, archive URL included) that point the CLI at it.
   */
  public static void main(String[] args) throws IOException {
    FakeGcsServer server = args.length > 0 ? start(args[0]) : start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fake-gcs-shutdown"));
    System.out.println("WALARCHIVE_URL=" + server.url("archive"));
    server.environment().forEach((k, v) -> System.out.println(k + "=" + v));
    System.out.flush();
  }

  /** The root URL clients use as host, {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return endpoint;
  }

  /** The bucket created at start. */
  public String bucket() {
    return defaultBucket;
  }

  /** {@code gs://BUCKET/prefix} of the bucket created at start. */
  public String url(String prefix) {
    String p = prefix == null ? "" : prefix;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    return "gs://" + defaultBucket + (p.isEmpty() ? "" : "/" + p);
  }

  /** The {@code gcs.*} options that point walarchive at this fake. */
  public Map<String, String> options() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("gcs.endpoint", endpoint);
    options.put("gcs.no-credentials", "true");
    options.put("gcs.project-id", PROJECT_ID);
    return Collections.unmodifiableMap(options);
  }

  /** The {@code WALARCHIVE_GCS_*} environment variables equivalent to {@link #options()}. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WALARCHIVE_GCS_ENDPOINT", endpoint);
    env.put("WALARCHIVE_GCS_NO_CREDENTIALS", "true");
    env.put("WALARCHIVE_GCS_PROJECT_ID", PROJECT_ID);
    return Collections.unmodifiableMap(env);
  }

  /** Creates another empty bucket (idempotent). */
  public void createBucket(String name) {
    buckets.computeIfAbsent(name, n -> new Bucket(n, Instant.now()));
  }

  /** Names of the objects in a bucket, in order. */
  public List<String> objectNames(String bucket) {
    Bucket b = buckets.get(bucket);
    if (b == null) {
      return List.of();
    }
    synchronized (b) {
      return List.copyOf(b.objects.keySet());
    }
  }

  /** Content of an object, if it exists. */
  public Optional<byte[]> content(String bucket, String name) {
    Bucket b = buckets.get(bucket);
    if (b == null) {
      return Optional.empty();
    }
    synchronized (b) {
      StoredObject o = b.objects.get(name);
      return o == null ? Optional.empty() : Optional.of(o.content.clone());
    }
  }

  /** Custom metadata of an object, if it exists. */
  public Optional<Map<String, String>> metadata(String bucket, String name) {
    Bucket b = buckets.get(bucket);
    if (b == null) {
      return Optional.empty();
    }
    synchronized (b) {
      StoredObject o = b.objects.get(name);
      return o == null ? Optional.empty() : Optional.of(o.metadata);
    }
  }

  /**
   * Every request received so far as {@code METHOD /path?query}, in arrival order; calls inside a
   * batch follow it, prefixed with {@code "batch: "}.
   */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    requests.clear();
  }

  /**
   * The next {@code times} requests whose method is {@code method} and whose path starts with
   * {@code pathPrefix} (calls inside a batch included) fail with {@code status} and the service's
   * error body for it (503 {@code backendError}, 429 {@code rateLimitExceeded}, ...).
   */
  public void failNext(String method, String pathPrefix, int status, int times) {
    synchronized (faults) {
      faults.add(new Fault(method, pathPrefix, status, times));
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Response response;
      Request request = null;
      try {
        request = read(exchange);
        response = dispatch(request, false);
      } catch (RuntimeException | IOException e) {
        response = error(500, "backendError", "fake GCS failed: " + e);
      }
      if (trace) {
        System.err.println(
            java.time.LocalTime.now()
                + " [fake-gcs] <- "
                + response.status
                + " "
                + response.headers
                + (response.body.length < 400 && !isMedia(response)
                    ? " " + new String(response.body, UTF_8)
                    : " (" + response.body.length + " bytes)"));
      }
      for (Map.Entry<String, String> h : response.headers.entrySet()) {
        exchange.getResponseHeaders().set(h.getKey(), h.getValue());
      }
      boolean head = request != null && request.method.equals("HEAD");
      long length = response.body.length == 0 || head ? -1 : response.body.length;
      exchange.sendResponseHeaders(response.status, length);
      if (length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response.body);
        }
      }
    }
  }

  private static boolean isMedia(Response r) {
    String type = r.headers.getOrDefault("Content-Type", "");
    return !type.startsWith("application/json") && !type.startsWith("text/");
  }

  private Request read(HttpExchange exchange) throws IOException {
    URI uri = exchange.getRequestURI();
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    if ("gzip".equalsIgnoreCase(headers.getOrDefault("Content-Encoding", ""))) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
        body = in.readAllBytes();
      }
    }
    return new Request(
        exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body);
  }

  private Response dispatch(Request r, boolean inBatch) throws IOException {
    String line = r.method + " " + r.rawPath + (r.rawQuery == null ? "" : "?" + r.rawQuery);
    requests.add(inBatch ? "batch: " + line : line);
    if (trace) {
      Map<String, String> shown = new TreeMap<>(r.headers);
      shown.computeIfPresent("Authorization", (k, v) -> "***");
      System.err.println(
          java.time.LocalTime.now()
              + " [fake-gcs] -> "
              + (inBatch ? "(batch) " : "")
              + line
              + " "
              + shown
              + " body="
              + r.body.length);
    }
    Response fault = fault(r);
    if (fault != null) {
      return fault;
    }
    String path = r.rawPath;
    if (!inBatch && path.equals("/batch/storage/v1") && r.method.equals("POST")) {
      return batch(r);
    }
    if (!inBatch && path.startsWith("/upload/storage/v1/b/")) {
      Target t = Target.parse(path.substring("/upload/storage/v1/b/".length()));
      if (t == null || t.object != null || !t.objects) {
        return notFoundPath(r);
      }
      return switch (r.method) {
        case "POST" -> insert(r, t.bucket);
        case "PUT" -> resumablePut(r);
        case "DELETE" -> resumableCancel(r);
        default -> methodNotAllowed(r);
      };
    }
    if (!inBatch && path.startsWith("/download/storage/v1/b/")) {
      Target t = Target.parse(path.substring("/download/storage/v1/b/".length()));
      if (t == null || t.object == null || !r.method.equals("GET")) {
        return notFoundPath(r);
      }
      return getObject(r, t.bucket, t.object, true);
    }
    if (path.startsWith("/storage/v1/b/")) {
      Target t = Target.parse(path.substring("/storage/v1/b/".length()));
      if (t == null) {
        return notFoundPath(r);
      }
      if (!t.objects) {
        return r.method.equals("GET") ? getBucket(t.bucket) : methodNotAllowed(r);
      }
      if (t.object == null) {
        return switch (r.method) {
          case "GET" -> list(r, t.bucket);
          default -> methodNotAllowed(r);
        };
      }
      return switch (r.method) {
        case "GET" -> getObject(r, t.bucket, t.object, "media".equals(r.param("alt")));
        case "DELETE" -> deleteObject(r, t.bucket, t.object);
        default -> methodNotAllowed(r);
      };
    }
    return notFoundPath(r);
  }

  private Response fault(Request r) {
    synchronized (faults) {
      for (Fault f : faults) {
        if (f.remaining > 0 && f.method.equals(r.method) && r.rawPath.startsWith(f.pathPrefix)) {
          f.remaining--;
          return switch (f.status) {
            case 429 -> error(429, "rateLimitExceeded", "The rate of requests is too high.");
            case 500 -> error(500, "backendError", "Backend Error");
            case 503 -> error(503, "backendError", "Service Unavailable");
            default -> error(f.status, "injected", "injected failure " + f.status);
          };
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- buckets and listing

  private Response getBucket(String name) {
    Bucket b = buckets.get(name);
    if (b == null) {
      return noSuchBucket();
    }
    JsonObject json = new JsonObject();
    json.addProperty("kind", "storage#bucket");
    json.addProperty("selfLink", endpoint + "/storage/v1/b/" + encode(name));
    json.addProperty("id", name);
    json.addProperty("name", name);
    json.addProperty("projectNumber", "123456789012");
    json.addProperty("metageneration", "1");
    json.addProperty("location", "US");
    json.addProperty("storageClass", "STANDARD");
    json.addProperty("etag", "CAE=");
    json.addProperty("timeCreated", RFC3339.format(b.created));
    json.addProperty("updated", RFC3339.format(b.created));
    json.addProperty("locationType", "multi-region");
    return json(200, json);
  }

  private Response list(Request r, String bucketName) {
    Bucket b = buckets.get(bucketName);
    if (b == null) {
      return noSuchBucket();
    }
    String prefix = Optional.ofNullable(r.param("prefix")).orElse("");
    String delimiter = r.param("delimiter");
    String startOffset = r.param("startOffset");
    String endOffset = r.param("endOffset");
    if (r.param("matchGlob") != null) {
      return error(400, "invalid", "matchGlob is not supported by this fake");
    }
    int max = MAX_LIST_RESULTS;
    if (r.param("maxResults") != null) {
      try {
        max = Integer.parseInt(r.param("maxResults"));
      } catch (NumberFormatException e) {
        return invalidParam("maxResults", r.param("maxResults"));
      }
      if (max <= 0) {
        return invalidParam("maxResults", r.param("maxResults"));
      }
      max = Math.min(max, MAX_LIST_RESULTS);
    }
    String after = null;
    if (r.param("pageToken") != null) {
      try {
        after = new String(Base64.getUrlDecoder().decode(r.param("pageToken")), UTF_8);
      } catch (IllegalArgumentException e) {
        return error(400, "invalid", "Invalid page token.");
      }
    }
    List<StoredObject> items = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    String last = null;
    boolean more = false;
    synchronized (b) {
      NavigableMap<String, StoredObject> view = b.objects;
      String from = prefix;
      if (startOffset != null && startOffset.compareTo(from) > 0) {
        from = startOffset;
      }
      view = view.tailMap(from, true);
      if (after != null) {
        view = view.tailMap(after, false);
      }
      for (StoredObject o : view.values()) {
        if (!o.name.startsWith(prefix)) {
          break;
        }
        if (endOffset != null && o.name.compareTo(endOffset) >= 0) {
          break;
        }
        String collapsed = null;
        if (delimiter != null && !delimiter.isEmpty()) {
          int at = o.name.indexOf(delimiter, prefix.length());
          if (at >= 0) {
            collapsed = o.name.substring(0, at + delimiter.length());
          }
        }
        if (collapsed != null && collapsed.equals(last)) {
          continue;
        }
        if (items.size() + prefixes.size() == max) {
          more = true;
          break;
        }
        if (collapsed != null) {
          prefixes.add(collapsed);
          last = collapsed;
        } else {
          items.add(o);
          last = o.name;
        }
      }
    }
    JsonObject json = new JsonObject();
    json.addProperty("kind", "storage#objects");
    if (more) {
      // a collapsed prefix sorts before every name under it; continue after all of them
      String token = last.equals(lastPrefix(prefixes)) ? last + '\uffff' : last;
      json.addProperty(
          "nextPageToken",
          Base64.getUrlEncoder().withoutPadding().encodeToString(token.getBytes(UTF_8)));
    }
    if (!prefixes.isEmpty()) {
      com.google.gson.JsonArray array = new com.google.gson.JsonArray();
      prefixes.forEach(array::add);
      json.add("prefixes", array);
    }
    if (!items.isEmpty()) {
      com.google.gson.JsonArray array = new com.google.gson.JsonArray();
      items.forEach(o -> array.add(objectJson(o)));
      json.add("items", array);
    }
    return selected(json, r);
  }

  private static String lastPrefix(List<String> prefixes) {
    return prefixes.isEmpty() ? null : prefixes.get(prefixes.size() - 1);
  }

  // ---------------------------------------------------------------- reading and deleting objects

  private Response getObject(Request r, String bucketName, String name, boolean media) {
    Bucket b = buckets.get(bucketName);
    if (b == null) {
      return noSuchBucket();
    }
    StoredObject o;
    synchronized (b) {
      o = b.objects.get(name);
    }
    if (o == null || !generationMatches(r, o)) {
      return noSuchObject(bucketName, name);
    }
    Response precondition = checkPreconditions(r.query(), o);
    if (precondition != null) {
      return precondition;
    }
    if (!media) {
      return selected(objectJson(o), r);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", o.contentType);
    headers.put("ETag", "\"" + o.etag() + "\"");
    headers.put(
        "Last-Modified",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(o.created.atOffset(ZoneOffset.UTC)));
    headers.put("Accept-Ranges", "bytes");
    headers.put("X-Goog-Generation", Long.toString(o.generation));
    headers.put("X-Goog-Metageneration", Long.toString(o.metageneration));
    headers.put("X-Goog-Stored-Content-Length", Integer.toString(o.content.length));
    headers.put("X-Goog-Stored-Content-Encoding", "identity");
    headers.put("X-Goog-Storage-Class", o.storageClass);
    headers.put("X-Goog-Hash", "crc32c=" + o.crc32c + ",md5=" + o.md5);
    o.metadata.forEach((k, v) -> headers.put("X-Goog-Meta-" + k, v));
    String range = r.headers.get("Range");
    if (range == null) {
      return new Response(200, headers, o.content);
    }
    Matcher m = RANGE.matcher(range.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return new Response(200, headers, o.content); // unparseable ranges are ignored (RFC 9110)
    }
    long size = o.content.length;
    long start;
    long end;
    if (m.group(1).isEmpty()) {
      long suffix = Long.parseLong(m.group(2));
      start = Math.max(0, size - suffix);
      end = size - 1;
    } else {
      start = Long.parseLong(m.group(1));
      end = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
    }
    if (start >= size || end < start) {
      Map<String, String> h = new LinkedHashMap<>();
      h.put("Content-Range", "bytes */" + size);
      h.put("Content-Type", "application/xml; charset=UTF-8");
      return new Response(
          416,
          h,
          ("<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidRange</Code><Message>The"
                  + " requested range cannot be satisfied.</Message></Error>")
              .getBytes(UTF_8));
    }
    headers.put("Content-Range", "bytes " + start + "-" + end + "/" + size);
    return new Response(206, headers, Arrays.copyOfRange(o.content, (int) start, (int) end + 1));
  }

  private Response deleteObject(Request r, String bucketName, String name) {
    Bucket b = buckets.get(bucketName);
    if (b == null) {
      return noSuchBucket();
    }
    synchronized (b) {
      StoredObject o = b.objects.get(name);
      if (o == null || !generationMatches(r, o)) {
        return noSuchObject(bucketName, name);
      }
      Response precondition = checkPreconditions(r.query(), o);
      if (precondition != null) {
        return precondition;
      }
      b.objects.remove(name);
    }
    return new Response(204, new LinkedHashMap<>(), new byte[0]);
  }

  private static boolean generationMatches(Request r, StoredObject o) {
    String g = r.param("generation");
    return g == null || g.equals(Long.toString(o.generation));
  }

  // ---------------------------------------------------------------- uploads

  private Response insert(Request r, String bucketName) throws IOException {
    Bucket b = buckets.get(bucketName);
    if (b == null) {
      return noSuchBucket();
    }
    String uploadType = r.param("uploadType");
    if (uploadType == null) {
      return error(
          400,
          "invalid",
          "Upload requests must include an uploadType URL parameter and a URL-encoded object"
              + " name.");
    }
    Response invalid = validatePreconditionParams(r.query());
    if (invalid != null) {
      return invalid;
    }
    switch (uploadType) {
      case "media" -> {
        JsonObject metadata = new JsonObject();
        return store(
            b,
            r.param("name"),
            metadata,
            r.body,
            r.headers.getOrDefault("Content-Type", "application/octet-stream"),
            r.query(),
            r.param("kmsKeyName"),
            r.headers.get("x-goog-hash"));
      }
      case "multipart" -> {
        Multipart parts = Multipart.parse(r.headers.get("Content-Type"), r.body);
        if (parts == null || parts.parts.size() != 2) {
          return error(400, "invalid", "Invalid multipart request with 0 mime parts.");
        }
        JsonObject metadata;
        try {
          metadata = parseJsonObject(parts.parts.get(0).body);
        } catch (JsonParseException e) {
          return error(400, "parseError", "Parse Error");
        }
        if (trace) {
          System.err.println("[fake-gcs]    metadata part " + metadata);
        }
        String name = r.param("name") != null ? r.param("name") : string(metadata, "name");
        String contentType =
            string(metadata, "contentType") != null
                ? string(metadata, "contentType")
                : parts
                    .parts
                    .get(1)
                    .headers
                    .getOrDefault("Content-Type", "application/octet-stream");
        return store(
            b,
            name,
            metadata,
            parts.parts.get(1).body,
            contentType,
            r.query(),
            r.param("kmsKeyName"),
            r.headers.get("x-goog-hash"));
      }
      case "resumable" -> {
        return resumableStart(r, b);
      }
      default -> {
        return invalidParam("uploadType", uploadType);
      }
    }
  }

  /** Checks and stores a complete upload: hashes, preconditions, then the write, atomically. */
  private Response store(
      Bucket b,
      String name,
      JsonObject metadata,
      byte[] content,
      String contentType,
      Map<String, List<String>> preconditions,
      String kmsKeyName,
      String hashHeader) {
    if (name == null || name.isEmpty()) {
      return error(400, "required", "Required");
    }
    if (name.getBytes(UTF_8).length > 1024 || name.contains("\r") || name.contains("\n")) {
      return error(400, "invalid", "The specified object name is not valid.");
    }
    String crc32c = crc32c(content);
    String md5 = md5(content);
    String sentCrc = string(metadata, "crc32c");
    if (sentCrc != null && !sentCrc.equals(crc32c)) {
      return error(
          400,
          "invalid",
          "Provided CRC32C \""
              + sentCrc
              + "\" doesn't match calculated CRC32C \""
              + crc32c
              + "\".");
    }
    String sentMd5 = string(metadata, "md5Hash");
    if (sentMd5 != null && !sentMd5.equals(md5)) {
      return error(
          400,
          "invalid",
          "Provided MD5 hash \""
              + sentMd5
              + "\" doesn't match calculated MD5 hash \""
              + md5
              + "\".");
    }
    if (hashHeader != null) {
      for (String part : hashHeader.split(",")) {
        String p = part.trim();
        if (p.startsWith("crc32c=") && !p.substring(7).equals(crc32c)) {
          return error(
              400,
              "invalid",
              "Provided CRC32C \""
                  + p.substring(7)
                  + "\" doesn't match calculated CRC32C \""
                  + crc32c
                  + "\".");
        }
        if (p.startsWith("md5=") && !p.substring(4).equals(md5)) {
          return error(
              400,
              "invalid",
              "Provided MD5 hash \""
                  + p.substring(4)
                  + "\" doesn't match calculated MD5 hash \""
                  + md5
                  + "\".");
        }
      }
    }
    Map<String, String> userMetadata = new TreeMap<>();
    JsonElement m = metadata.get("metadata");
    if (m != null && m.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : m.getAsJsonObject().entrySet()) {
        if (!e.getValue().isJsonNull()) {
          userMetadata.put(e.getKey(), e.getValue().getAsString());
        }
      }
    }
    String storageClass = Optional.ofNullable(string(metadata, "storageClass")).orElse("STANDARD");
    if (!List.of("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE").contains(storageClass)) {
      return error(400, "invalid", "Invalid argument.");
    }
    String kms = kmsKeyName != null ? kmsKeyName : string(metadata, "kmsKeyName");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    StoredObject stored;
    synchronized (b) {
      Response precondition = checkPreconditions(preconditions, b.objects.get(name));
      if (precondition != null) {
        return precondition;
      }
      long g = generation.updateAndGet(prev -> Math.max(prev + 1, micros(Instant.now())));
      stored =
          new StoredObject(
              b.name,
              name,
              content,
              g,
              1,
              contentType,
              Collections.unmodifiableMap(userMetadata),
              now,
              storageClass,
              kms == null ? null : kms + "/cryptoKeyVersions/1",
              md5,
              crc32c);
      b.objects.put(name, stored);
    }
    return json(200, objectJson(stored));
  }

  private Response resumableStart(Request r, Bucket b) {
    JsonObject metadata;
    try {
      metadata = r.body.length == 0 ? new JsonObject() : parseJsonObject(r.body);
    } catch (JsonParseException e) {
      return error(400, "parseError", "Parse Error");
    }
    if (trace) {
      System.err.println("[fake-gcs]    resumable metadata " + metadata);
    }
    String name = r.param("name") != null ? r.param("name") : string(metadata, "name");
    if (name == null || name.isEmpty()) {
      return error(400, "required", "Required");
    }
    Long declared = null;
    String declaredHeader = r.headers.get("X-Upload-Content-Length");
    if (declaredHeader != null) {
      try {
        declared = Long.parseLong(declaredHeader.trim());
      } catch (NumberFormatException e) {
        return error(400, "invalid", "Invalid X-Upload-Content-Length header.");
      }
    }
    String contentType =
        Optional.ofNullable(string(metadata, "contentType"))
            .or(() -> Optional.ofNullable(r.headers.get("X-Upload-Content-Type")))
            .filter(s -> !s.isEmpty())
            .orElse("application/octet-stream");
    byte[] idBytes = new byte[24];
    random.nextBytes(idBytes);
    String id = "AFake" + HexFormat.of().formatHex(idBytes);
    uploads.put(
        id,
        new Upload(id, b, name, metadata, contentType, r.query(), r.param("kmsKeyName"), declared));
    Map<String, String> headers = new LinkedHashMap<>();
    // like the service, the session URL repeats the initiation's query (preconditions included)
    headers.put(
        "Location",
        endpoint
            + "/upload/storage/v1/b/"
            + encode(b.name)
            + "/o?"
            + r.rawQuery
            + (r.param("name") == null ? "&name=" + encode(name) : "")
            + "&upload_id="
            + id);
    headers.put("X-GUploader-UploadID", id);
    headers.put("Content-Type", "text/plain; charset=utf-8");
    return new Response(200, headers, new byte[0]);
  }

  private Response resumablePut(Request r) {
    String id = r.param("upload_id");
    Upload u = id == null ? null : uploads.get(id);
    if (u == null) {
      return error(404, "notFound", "No such upload session.");
    }
    synchronized (u) {
      if (u.result != null) {
        return u.result;
      }
      String header = r.headers.get("Content-Range");
      long begin;
      long end;
      Long total;
      if (header == null) {
        begin = 0;
        end = r.body.length - 1L;
        total = (long) r.body.length;
      } else {
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (!m.matches()) {
          return error(400, "invalid", "Failed to parse Content-Range header.");
        }
        total = m.group(3).equals("*") ? null : Long.parseLong(m.group(3));
        if (m.group(1) == null) {
          if (r.body.length != 0) {
            return error(400, "invalid", "Failed to parse Content-Range header.");
          }
          begin = u.data.size();
          end = begin - 1;
        } else {
          begin = Long.parseLong(m.group(1));
          end = Long.parseLong(m.group(2));
          if (end < begin || end - begin + 1 != r.body.length) {
            return error(
                400,
                "invalid",
                "Invalid request. There were "
                    + r.body.length
                    + " byte(s) in the request, but the Content-Range header claimed "
                    + (end - begin + 1)
                    + " byte(s).");
          }
        }
      }
      long persisted = u.data.size();
      if (begin > persisted) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "text/plain; charset=utf-8");
        return new Response(
            503,
            h,
            ("Invalid request. According to the Content-Range header, the upload offset is "
                    + begin
                    + " byte(s), which exceeds already uploaded size of "
                    + persisted
                    + " byte(s).")
                .getBytes(UTF_8));
      }
      if (end >= persisted) {
        u.data.write(r.body, (int) (persisted - begin), (int) (end + 1 - persisted));
      }
      if (total != null) {
        if (u.data.size() > total) {
          return error(
              400,
              "invalid",
              "Invalid request. The upload size "
                  + u.data.size()
                  + " exceeds the total size "
                  + total
                  + " given in the Content-Range header.");
        }
        if (u.data.size() == total) {
          u.result = finish(u, r.headers.get("x-goog-hash"));
          return u.result;
        }
      } else if (end >= persisted) {
        // like the service, persist only whole 256 KiB units of a non-final chunk
        u.data.truncate(u.data.size() - u.data.size() % RESUMABLE_GRANULARITY);
      }
      Map<String, String> h = new LinkedHashMap<>();
      if (u.data.size() > 0) {
        h.put("Range", "bytes=0-" + (u.data.size() - 1));
      }
      h.put("X-GUploader-UploadID", u.id);
      h.put("Content-Type", "text/plain; charset=utf-8");
      return new Response(308, h, new byte[0]);
    }
  }

  private Response finish(Upload u, String hashHeader) {
    if (u.declaredLength != null && u.declaredLength != u.data.size()) {
      return error(
          400,
          "invalid",
          "Invalid request. The upload has "
              + u.data.size()
              + " byte(s) but X-Upload-Content-Length declared "
              + u.declaredLength
              + ".");
    }
    byte[] content = u.data.toByteArray();
    u.data = new Buffer();
    return store(
        u.bucket,
        u.name,
        u.metadata,
        content,
        u.contentType,
        u.preconditions,
        u.kmsKeyName,
        hashHeader);
  }

  private Response resumableCancel(Request r) {
    String id = r.param("upload_id");
    Upload u = id == null ? null : uploads.remove(id);
    if (u == null) {
      return error(404, "notFound", "No such upload session.");
    }
    return new Response(499, new LinkedHashMap<>(), new byte[0]);
  }

  // ---------------------------------------------------------------- batch

  private Response batch(Request r) throws IOException {
    Multipart parts = Multipart.parse(r.headers.get("Content-Type"), r.body);
    if (parts == null) {
      return error(400, "invalid", "Failed to parse batch request.");
    }
    if (parts.parts.size() > MAX_BATCH_CALLS) {
      return error(
          400,
          "invalid",
          "A batch request cannot contain more than " + MAX_BATCH_CALLS + " calls.");
    }
    byte[] boundaryBytes = new byte[8];
    random.nextBytes(boundaryBytes);
    String boundary = "batch_" + HexFormat.of().formatHex(boundaryBytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Part part : parts.parts) {
      Request inner = parseInner(part.body);
      Response response =
          inner == null
              ? error(400, "invalid", "Failed to parse batch request part.")
              : dispatch(inner, true);
      String contentId = part.headers.getOrDefault("Content-ID", "");
      if (contentId.startsWith("<") && contentId.endsWith(">")) {
        contentId = contentId.substring(1, contentId.length() - 1);
      }
      StringBuilder sb = new StringBuilder();
      sb.append("--").append(boundary).append("\r\n");
      sb.append("Content-Type: application/http\r\n");
      sb.append("Content-ID: <response-").append(contentId).append(">\r\n\r\n");
      sb.append("HTTP/1.1 ")
          .append(response.status)
          .append(' ')
          .append(reasonPhrase(response.status))
          .append("\r\n");
      response.headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
      sb.append("Content-Length: ").append(response.body.length).append("\r\n\r\n");
      out.write(sb.toString().getBytes(UTF_8));
      out.write(response.body);
      out.write("\r\n".getBytes(UTF_8));
    }
    out.write(("--" + boundary + "--\r\n").getBytes(UTF_8));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "multipart/mixed; boundary=" + boundary);
    return new Response(200, headers, out.toByteArray());
  }

  private static Request parseInner(byte[] body) {
    int headerEnd = indexOf(body, "\r\n\r\n".getBytes(ISO_8859_1), 0);
    String head = new String(body, 0, headerEnd < 0 ? body.length : headerEnd, UTF_8);
    byte[] content =
        headerEnd < 0 ? new byte[0] : Arrays.copyOfRange(body, headerEnd + 4, body.length);
    String[] lines = head.split("\r\n");
    String[] requestLine = lines[0].split(" ");
    if (requestLine.length < 2) {
      return null;
    }
    URI uri = URI.create(requestLine[1]);
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
      }
    }
    return new Request(requestLine[0], uri.getRawPath(), uri.getRawQuery(), headers, content);
  }

  // ---------------------------------------------------------------- preconditions

  private static Response validatePreconditionParams(Map<String, List<String>> q) {
    for (String p :
        List.of(
            "ifGenerationMatch",
            "ifGenerationNotMatch",
            "ifMetagenerationMatch",
            "ifMetagenerationNotMatch")) {
      List<String> v = q.get(p);
      if (v != null) {
        try {
          Long.parseLong(v.get(0));
        } catch (NumberFormatException e) {
          return invalidParam(p, v.get(0));
        }
      }
    }
    return null;
  }

  /** Null if the preconditions hold for {@code current} (null: no live object), else the 412. */
  private static Response checkPreconditions(Map<String, List<String>> q, StoredObject current) {
    Response invalid = validatePreconditionParams(q);
    if (invalid != null) {
      return invalid;
    }
    Long generationMatch = first(q, "ifGenerationMatch");
    Long generationNotMatch = first(q, "ifGenerationNotMatch");
    Long metagenerationMatch = first(q, "ifMetagenerationMatch");
    Long metagenerationNotMatch = first(q, "ifMetagenerationNotMatch");
    boolean ok = true;
    if (generationMatch != null) {
      ok =
          generationMatch == 0
              ? current == null
              : current != null && current.generation == generationMatch;
    }
    if (ok && generationNotMatch != null) {
      ok =
          generationNotMatch == 0
              ? current != null
              : current != null && current.generation != generationNotMatch;
    }
    if (ok && metagenerationMatch != null) {
      ok = current != null && current.metageneration == metagenerationMatch;
    }
    if (ok && metagenerationNotMatch != null) {
      ok = current != null && current.metageneration != metagenerationNotMatch;
    }
    if (ok) {
      return null;
    }
    JsonObject detail = new JsonObject();
    detail.addProperty("message", PRECONDITION_MESSAGE);
    detail.addProperty("domain", "global");
    detail.addProperty("reason", "conditionNotMet");
    detail.addProperty("locationType", "header");
    detail.addProperty("location", "If-Match");
    return error(412, PRECONDITION_MESSAGE, detail);
  }

  private static Long first(Map<String, List<String>> q, String name) {
    List<String> v = q.get(name);
    return v == null || v.isEmpty() ? null : Long.parseLong(v.get(0));
  }

  // ---------------------------------------------------------------- JSON and errors

  private JsonObject objectJson(StoredObject o) {
    JsonObject json = new JsonObject();
    String encodedName = encode(o.name);
    json.addProperty("kind", "storage#object");
    json.addProperty("id", o.bucket + "/" + o.name + "/" + o.generation);
    json.addProperty(
        "selfLink", endpoint + "/storage/v1/b/" + encode(o.bucket) + "/o/" + encodedName);
    json.addProperty(
        "mediaLink",
        endpoint
            + "/download/storage/v1/b/"
            + encode(o.bucket)
            + "/o/"
            + encodedName
            + "?generation="
            + o.generation
            + "&alt=media");
    json.addProperty("name", o.name);
    json.addProperty("bucket", o.bucket);
    json.addProperty("generation", Long.toString(o.generation));
    json.addProperty("metageneration", Long.toString(o.metageneration));
    json.addProperty("contentType", o.contentType);
    json.addProperty("storageClass", o.storageClass);
    json.addProperty("size", Integer.toString(o.content.length));
    json.addProperty("md5Hash", o.md5);
    json.addProperty("crc32c", o.crc32c);
    json.addProperty("etag", o.etag());
    json.addProperty("timeCreated", RFC3339.format(o.created));
    json.addProperty("updated", RFC3339.format(o.created));
    json.addProperty("timeStorageClassUpdated", RFC3339.format(o.created));
    if (!o.metadata.isEmpty()) {
      JsonObject metadata = new JsonObject();
      o.metadata.forEach(metadata::addProperty);
      json.add("metadata", metadata);
    }
    if (o.kmsKeyName != null) {
      json.addProperty("kmsKeyName", o.kmsKeyName);
    }
    return json;
  }

  private static Response selected(JsonObject json, Request r) {
    try {
      return json(200, Fields.select(json, r.param("fields")));
    } catch (IllegalArgumentException e) {
      return error(400, "invalidParameter", "Invalid field selection " + r.param("fields"));
    }
  }

  private static Response json(int status, JsonObject json) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json; charset=UTF-8");
    return new Response(status, headers, json.toString().getBytes(UTF_8));
  }

  static Response error(int code, String reason, String message) {
    JsonObject detail = new JsonObject();
    detail.addProperty("message", message);
    detail.addProperty("domain", "global");
    detail.addProperty("reason", reason);
    return error(code, message, detail);
  }

  private static Response error(int code, String message, JsonObject detail) {
    JsonObject error = new JsonObject();
    error.addProperty("code", code);
    error.addProperty("message", message);
    com.google.gson.JsonArray errors = new com.google.gson.JsonArray();
    errors.add(detail);
    error.add("errors", errors);
    JsonObject body = new JsonObject();
    body.add("error", error);
    return json(code, body);
  }

  private static Response noSuchObject(String bucket, String name) {
    return error(404, "notFound", "No such object: " + bucket + "/" + name);
  }

  private static Response noSuchBucket() {
    return error(404, "notFound", "The specified bucket does not exist.");
  }

  private static Response notFoundPath(Request r) {
    return error(404, "notFound", "Not Found: " + r.method + " " + r.rawPath);
  }

  private static Response methodNotAllowed(Request r) {
    return error(405, "methodNotAllowed", "Method " + r.method + " is not supported by this fake.");
  }

  private static Response invalidParam(String name, String value) {
    return error(400, "invalidParameter", "Invalid value for " + name + ": " + value);
  }

  private static String reasonPhrase(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 204 -> "No Content";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 412 -> "Precondition Failed";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private static JsonObject parseJsonObject(byte[] body) {
    JsonElement e = JsonParser.parseString(new String(body, UTF_8));
    if (!e.isJsonObject()) {
      throw new JsonParseException("not an object");
    }
    return e.getAsJsonObject();
  }

  private static String string(JsonObject json, String name) {
    JsonElement e = json.get(name);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  static String crc32c(byte[] content) {
    CRC32C crc = new CRC32C();
    crc.update(content);
    long v = crc.getValue();
    byte[] be = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    return Base64.getEncoder().encodeToString(be);
  }

  static String md5(byte[] content) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long micros(Instant t) {
    return TimeUnit.SECONDS.toMicros(t.getEpochSecond()) + t.getNano() / 1000;
  }

  /** Percent-encodes a path segment as the client does (unreserved characters stay). */
  static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        sb.append(c);
      } else {
        sb.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  /** Decodes percent-escapes; {@code +} stays {@code +} (paths) unless {@code plusIsSpace}. */
  static String decode(String s, boolean plusIsSpace) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        out.write(' ');
      } else {
        byte[] bytes = String.valueOf(c).getBytes(UTF_8);
        out.write(bytes, 0, bytes.length);
      }
    }
    return out.toString(UTF_8);
  }

  static int indexOf(byte[] data, byte[] pattern, int from) {
    outer:
    for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // ---------------------------------------------------------------- model

  private record Request(
      String method, String rawPath, String rawQuery, Map<String, String> headers, byte[] body) {
    Map<String, List<String>> query() {
      Map<String, List<String>> q = new LinkedHashMap<>();
      if (rawQuery != null && !rawQuery.isEmpty()) {
        for (String pair : rawQuery.split("&")) {
          int eq = pair.indexOf('=');
          String k = decode(eq < 0 ? pair : pair.substring(0, eq), true);
          String v = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
          q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
      }
      return q;
    }

    String param(String name) {
      List<String> v = query().get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }

  private record Response(int status, Map<String, String> headers, byte[] body) {}

  /** {@code {bucket}}, {@code {bucket}/o} or {@code {bucket}/o/{object}} of a path. */
  private record Target(String bucket, boolean objects, String object) {
    static Target parse(String rest) {
      int slash = rest.indexOf('/');
      if (slash < 0) {
        return rest.isEmpty() ? null : new Target(decode(rest, false), false, null);
      }
      String bucket = decode(rest.substring(0, slash), false);
      String after = rest.substring(slash + 1);
      if (after.equals("o")) {
        return new Target(bucket, true, null);
      }
      if (after.startsWith("o/") && after.length() > 2) {
        return new Target(bucket, true, decode(after.substring(2), false));
      }
      return null;
    }
  }

  private static final class Bucket {
    final String name;
    final Instant created;
    final TreeMap<String, StoredObject> objects = new TreeMap<>();

    Bucket(String name, Instant created) {
      this.name = name;
      this.created = created;
    }
  }

  private record StoredObject(
      String bucket,
      String name,
      byte[] content,
      long generation,
      long metageneration,
      String contentType,
      Map<String, String> metadata,
      Instant created,
      String storageClass,
      String kmsKeyName,
      String md5,
      String crc32c) {
    String etag() {
      return Base64.getEncoder()
          .encodeToString((generation + "/" + metageneration).getBytes(UTF_8));
    }
  }

  private static final class Upload {
    final String id;
    final Bucket bucket;
    final String name;
    final JsonObject metadata;
    final String contentType;
    final Map<String, List<String>> preconditions;
    final String kmsKeyName;
    final Long declaredLength;
    Buffer data = new Buffer();
    Response result;

    Upload(
        String id,
        Bucket bucket,
        String name,
        JsonObject metadata,
        String contentType,
        Map<String, List<String>> preconditions,
        String kmsKeyName,
        Long declaredLength) {
      this.id = id;
      this.bucket = bucket;
      this.name = name;
      this.metadata = metadata;
      this.contentType = contentType;
      this.preconditions = preconditions;
      this.kmsKeyName = kmsKeyName;
      this.declaredLength = declaredLength;
    }
  }

  /** A byte buffer that can drop its tail. */
  private static final class Buffer extends ByteArrayOutputStream {
    void truncate(int size) {
      count = Math.min(count, size);
    }
  }

  private static final class Fault {
    final String method;
    final String pathPrefix;
    final int status;
    int remaining;

    Fault(String method, String pathPrefix, int status, int remaining) {
      this.method = method;
      this.pathPrefix = pathPrefix;
      this.status = status;
      this.remaining = remaining;
    }
  }

  /**
   * Partial responses: the {@code fields} parameter ({@code a,b/c,d(e,f)}) keeps only the named
   * fields, as the service does, so that a client relying on a field it did not ask for fails here
   * too.
   */
  static final class Fields {
    private final String spec;
    private int at;

    private Fields(String spec) {
      this.spec = spec;
    }

    static JsonObject select(JsonObject json, String spec) {
      if (spec == null || spec.isBlank()) {
        return json;
      }
      Fields parser = new Fields(spec.replace(" ", ""));
      Map<String, Object> tree = parser.list();
      if (parser.at != parser.spec.length()) {
        throw new IllegalArgumentException("invalid fields: " + spec);
      }
      return apply(json, tree);
    }

    /** fields := field (',' field)* ; a tree of name to subtree (empty map: the whole value). */
    private Map<String, Object> list() {
      Map<String, Object> tree = new LinkedHashMap<>();
      do {
        field(tree);
      } while (at < spec.length() && spec.charAt(at) == ',' && ++at > 0);
      return tree;
    }

    @SuppressWarnings("unchecked")
    private void field(Map<String, Object> tree) {
      int start = at;
      while (at < spec.length() && "/(),".indexOf(spec.charAt(at)) < 0) {
        at++;
      }
      String name = spec.substring(start, at);
      Map<String, Object> sub =
          (Map<String, Object>)
              tree.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
      if (at < spec.length() && spec.charAt(at) == '/') {
        at++;
        field(sub);
      } else if (at < spec.length() && spec.charAt(at) == '(') {
        at++;
        sub.putAll(list());
        if (at >= spec.length() || spec.charAt(at) != ')') {
          throw new IllegalArgumentException("invalid fields: " + spec);
        }
        at++;
      }
    }

    @SuppressWarnings("unchecked")
    private static JsonObject apply(JsonObject json, Map<String, Object> tree) {
      JsonObject out = new JsonObject();
      for (Map.Entry<String, Object> e : tree.entrySet()) {
        JsonElement value = json.get(e.getKey());
        if (value == null) {
          continue;
        }
        Map<String, Object> sub = (Map<String, Object>) e.getValue();
        out.add(e.getKey(), sub.isEmpty() ? value : applyAny(value, sub));
      }
      return out;
    }

    private static JsonElement applyAny(JsonElement value, Map<String, Object> sub) {
      if (value.isJsonObject()) {
        return apply(value.getAsJsonObject(), sub);
      }
      if (value.isJsonArray()) {
        com.google.gson.JsonArray out = new com.google.gson.JsonArray();
        for (JsonElement e : value.getAsJsonArray()) {
          out.add(applyAny(e, sub));
        }
        return out;
      }
      return value;
    }
  }

  private record Part(Map<String, String> headers, byte[] body) {}

  /** A parsed {@code multipart/related} or {@code multipart/mixed} body. */
  private record Multipart(List<Part> parts) {
    static Multipart parse(String contentType, byte[] body) {
      if (contentType == null) {
        return null;
      }
      Matcher m = Pattern.compile("boundary=\"?([^\";]+)\"?").matcher(contentType);
      if (!m.find()) {
        return null;
      }
      byte[] delimiter = ("--" + m.group(1)).getBytes(ISO_8859_1);
      List<Part> parts = new ArrayList<>();
      int at = indexOf(body, delimiter, 0);
      if (at < 0) {
        return null;
      }
      while (true) {
        int lineEnd = at + delimiter.length;
        if (lineEnd + 1 < body.length && body[lineEnd] == '-' && body[lineEnd + 1] == '-') {
          break; // closing delimiter
        }
        int partStart = indexOf(body, "\r\n".getBytes(ISO_8859_1), lineEnd);
        if (partStart < 0) {
          return null;
        }
        partStart += 2;
        int next = indexOf(body, ("\r\n--" + m.group(1)).getBytes(ISO_8859_1), partStart);
        if (next < 0) {
          return null;
        }
        byte[] part = Arrays.copyOfRange(body, partStart, next);
        int headerEnd = indexOf(part, "\r\n\r\n".getBytes(ISO_8859_1), 0);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byte[] content;
        if (part.length >= 2 && part[0] == '\r' && part[1] == '\n') {
          content = Arrays.copyOfRange(part, 2, part.length); // no headers
        } else if (headerEnd < 0) {
          return null;
        } else {
          for (String line : new String(part, 0, headerEnd, UTF_8).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
              headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
          }
          content = Arrays.copyOfRange(part, headerEnd + 4, part.length);
        }
        parts.add(new Part(headers, content));
        at = next + 2;
      }
      return new Multipart(parts);
    }
  }
}
