package dev.walarchive.gcs;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.storage.spi.StorageKeys;
import dev.walarchive.core.storage.spi.StorageOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Immutable settings of a Google Cloud Storage archive: where it is ({@code gs://bucket/prefix}),
 * how the client authenticates and reaches the service, and how objects are written.
 *
 * <p>Build one with {@link #builder()} (every setter validates at once and states its default) or
 * parse one with {@link #fromUrl(URI, Map)} from a URL and the {@code gcs.*} options:
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>{@code gcs.project-id}</td><td>{@link Builder#projectId}</td>
 *       <td>from the credentials or the environment</td></tr>
 *   <tr><td>{@code gcs.credentials-file}</td><td>{@link Builder#credentialsFile}</td>
 *       <td>application default credentials</td></tr>
 *   <tr><td>{@code gcs.no-credentials}</td><td>{@link Builder#noCredentials}</td>
 *       <td>{@code false}</td></tr>
 *   <tr><td>{@code gcs.endpoint}</td><td>{@link Builder#endpoint}</td>
 *       <td>{@code https://storage.googleapis.com}</td></tr>
 *   <tr><td>{@code gcs.kms-key-name}</td><td>{@link Builder#kmsKeyName}</td>
 *       <td>the bucket's default key</td></tr>
 *   <tr><td>{@code gcs.storage-class}</td><td>{@link Builder#storageClass}</td>
 *       <td>the bucket's default class</td></tr>
 *   <tr><td>{@code gcs.timeout}</td><td>{@link Builder#timeout}</td><td>{@code 20s}</td></tr>
 *   <tr><td>{@code gcs.max-attempts}</td><td>{@link Builder#maxAttempts}</td><td>{@code 6}</td></tr>
 *   <tr><td>{@code gcs.upload-chunk-size}</td><td>{@link Builder#uploadChunkSize}</td>
 *       <td>{@code 16MiB}</td></tr>
 * </table>
 *
 * <p>{@link #toString()} shows no credential material.
 */
public final class GcsStorageConfig {
  /** Granularity of resumable upload chunks required by Cloud Storage. */
  static final int CHUNK_GRANULARITY = 256 * 1024;

  static final int DEFAULT_UPLOAD_CHUNK_SIZE = 16 * 1024 * 1024;
  static final int MAX_UPLOAD_CHUNK_SIZE = 256 * 1024 * 1024;
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
  static final int DEFAULT_MAX_ATTEMPTS = 6;
  static final int MAX_MAX_ATTEMPTS = 100;

  static final String PROJECT_ID = "gcs.project-id";
  static final String CREDENTIALS_FILE = "gcs.credentials-file";
  static final String NO_CREDENTIALS = "gcs.no-credentials";
  static final String ENDPOINT = "gcs.endpoint";
  static final String KMS_KEY_NAME = "gcs.kms-key-name";
  static final String STORAGE_CLASS = "gcs.storage-class";
  static final String TIMEOUT = "gcs.timeout";
  static final String MAX_ATTEMPTS = "gcs.max-attempts";
  static final String UPLOAD_CHUNK_SIZE = "gcs.upload-chunk-size";

  /**
   * Every option this backend understands, described once, in documentation order (the README's
   * table is made from it).
   */
  static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.of(
              PROJECT_ID,
              OptionSpec.Type.STRING,
              "project of the key file, else the environment",
              "project for billing/quota; setting it avoids a lookup at start"),
          OptionSpec.of(
              CREDENTIALS_FILE,
              OptionSpec.Type.SECRET_FILE,
              "application default credentials",
              "service account key (JSON)"),
          OptionSpec.of(
              NO_CREDENTIALS,
              OptionSpec.Type.BOOLEAN,
              "`false`",
              "`true`: send no credentials (emulators, fakes)"),
          OptionSpec.of(
              ENDPOINT,
              OptionSpec.Type.URL,
              "`https://storage.googleapis.com`",
              "`http(s)://host[:port]`: private endpoints, emulators"),
          OptionSpec.of(
              KMS_KEY_NAME,
              OptionSpec.Type.STRING,
              "the bucket's default encryption",
              "`projects/P/locations/L/keyRings/R/cryptoKeys/K`"),
          OptionSpec.of(
              STORAGE_CLASS,
              OptionSpec.Type.CHOICE,
              "the bucket's default class",
              "`STANDARD`, `NEARLINE`, `COLDLINE` or `ARCHIVE`"),
          OptionSpec.of(
              TIMEOUT,
              OptionSpec.Type.DURATION,
              "`20s`",
              "connect and read timeout of each request, 1ms to 1h (`500ms`, `30s`, `2m`, `PT30S`)"),
          OptionSpec.of(
              MAX_ATTEMPTS,
              OptionSpec.Type.INTEGER,
              "`6`",
              "attempts per operation, the first included (`1`: no retries)"),
          OptionSpec.of(
              UPLOAD_CHUNK_SIZE,
              OptionSpec.Type.SIZE,
              "`16MiB`",
              "single-request limit and resumable chunk size; multiple of 256 KiB, `256k` to `256MiB`"));

  /** Every option's name, in documentation order. */
  static final List<String> OPTION_NAMES = OPTIONS.stream().map(OptionSpec::name).toList();

  private static final List<String> STORAGE_CLASSES =
      List.of("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE");
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");
  private static final Pattern PROJECT = Pattern.compile("[a-z0-9][a-z0-9.:-]{2,62}");
  private static final Pattern KMS_KEY =
      Pattern.compile("projects/[^/\\s]+/locations/[^/\\s]+/keyRings/[^/\\s]+/cryptoKeys/[^/\\s]+");

  private final Optional<String> bucket;
  private final String prefix;
  private final Optional<String> projectId;
  private final Optional<Path> credentialsFile;
  private final boolean noCredentials;
  private final Optional<URI> endpoint;
  private final Optional<String> kmsKeyName;
  private final Optional<String> storageClass;
  private final Duration timeout;
  private final int maxAttempts;
  private final int uploadChunkSize;

  private GcsStorageConfig(Builder b) {
    this.bucket = Optional.ofNullable(b.bucket);
    this.prefix = b.prefix;
    this.projectId = Optional.ofNullable(b.projectId);
    this.credentialsFile = Optional.ofNullable(b.credentialsFile);
    this.noCredentials = b.noCredentials;
    this.endpoint = Optional.ofNullable(b.endpoint);
    this.kmsKeyName = Optional.ofNullable(b.kmsKeyName);
    this.storageClass = Optional.ofNullable(b.storageClass);
    this.timeout = b.timeout;
    this.maxAttempts = b.maxAttempts;
    this.uploadChunkSize = b.uploadChunkSize;
  }

  /** A builder with every setting at its default and no bucket. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The defaults, with no bucket: for {@link GcsStorages#create(com.google.cloud.storage.Storage,
   * String, String, GcsStorageConfig)}.
   */
  public static GcsStorageConfig defaults() {
    return new Builder().build();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Parses {@code gs://bucket/prefix} and the options. Options whose names start with {@code gcs.}
   * must be ones this backend knows; other options are ignored (they belong to other parts of
   * walarchive). URL query parameters may carry the same options without the {@code gcs.} prefix
   * ({@code gs://bucket/prefix?storage-class=NEARLINE}); a setting given both ways must agree.
   *
   * @throws IllegalArgumentException naming the URL part or option that is invalid and what is
   *     expected
   */
  public static GcsStorageConfig fromUrl(URI url, Map<String, String> options) {
    requireNonNull(url, "url is null");
    requireNonNull(options, "options is null");
    String shown = redactedUrl(url);
    if (url.getScheme() == null || !url.getScheme().equalsIgnoreCase("gs")) {
      throw new IllegalArgumentException(
          "not a gs: URL: '" + shown + "'; expected gs://bucket/prefix");
    }
    if (url.isOpaque() || url.getRawAuthority() == null || url.getRawAuthority().isEmpty()) {
      throw new IllegalArgumentException(
          "gs: URL '" + shown + "' names no bucket; expected gs://bucket/prefix");
    }
    if (url.getRawAuthority().contains("@") || url.getRawAuthority().contains(":")) {
      throw new IllegalArgumentException(
          "gs: URL '"
              + shown
              + "' must name only a bucket after gs:// (no user, password or port); expected"
              + " gs://bucket/prefix");
    }
    if (url.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "gs: URL '" + shown + "' must not have a fragment ('#...')");
    }
    Builder builder = builder();
    try {
      builder.bucket(url.getRawAuthority());
      builder.prefix(url.getPath() == null ? "" : url.getPath());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("gs: URL '" + shown + "': " + e.getMessage(), e);
    }

    StorageOptions.collect(url, options, OPTIONS)
        .forEach((name, value) -> apply(builder, name, value));
    return builder.build();
  }

  private static void apply(Builder builder, String name, String value) {
    switch (name) {
      case PROJECT_ID -> check(name, () -> builder.projectId(value));
      case CREDENTIALS_FILE -> check(name, () -> builder.credentialsFile(parsePath(value)));
      case NO_CREDENTIALS -> builder.noCredentials(OptionValues.parseBoolean(name, value));
      case ENDPOINT -> check(name, () -> builder.endpoint(parseUri(value)));
      case KMS_KEY_NAME -> check(name, () -> builder.kmsKeyName(value));
      case STORAGE_CLASS -> check(name, () -> builder.storageClass(value));
      case TIMEOUT -> {
        Duration timeout = OptionValues.parseDuration(name, value);
        check(name, () -> builder.timeout(timeout));
      }
      case MAX_ATTEMPTS -> check(name, () -> builder.maxAttempts(parseInt(value)));
      case UPLOAD_CHUNK_SIZE -> {
        long size = OptionValues.parseSize(name, value);
        if (size > MAX_UPLOAD_CHUNK_SIZE) {
          throw new IllegalArgumentException(
              "invalid option "
                  + name
                  + ": '"
                  + value
                  + "' is more than 256MiB; expected a multiple of 256KiB from 256KiB to 256MiB");
        }
        check(name, () -> builder.uploadChunkSize((int) size));
      }
      default -> throw new IllegalStateException("unhandled option " + name);
    }
  }

  /** Runs a setter, naming the option in its message. */
  private static void check(String name, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid option " + name + ": " + e.getMessage(), e);
    }
  }

  /** The bucket, if set. */
  public Optional<String> bucket() {
    return bucket;
  }

  /** The key prefix inside the bucket, without leading or trailing {@code /}; empty for none. */
  public String prefix() {
    return prefix;
  }

  /** The project id, if set. */
  public Optional<String> projectId() {
    return projectId;
  }

  /** The service account key file, if set. */
  public Optional<Path> credentialsFile() {
    return credentialsFile;
  }

  /** Whether requests are sent without credentials. */
  public boolean noCredentials() {
    return noCredentials;
  }

  /** The endpoint override, if set. */
  public Optional<URI> endpoint() {
    return endpoint;
  }

  /** The Cloud KMS key new objects are encrypted with, if set. */
  public Optional<String> kmsKeyName() {
    return kmsKeyName;
  }

  /** The storage class of new objects, if set. */
  public Optional<String> storageClass() {
    return storageClass;
  }

  /** Connect and read timeout of each HTTP request. */
  public Duration timeout() {
    return timeout;
  }

  /** Attempts per operation, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Size of resumable upload chunks; objects up to this size are uploaded in one request. */
  public int uploadChunkSize() {
    return uploadChunkSize;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("GcsStorageConfig{");
    sb.append("url=gs://").append(bucket.orElse("<none>"));
    if (!prefix.isEmpty()) {
      sb.append('/').append(prefix);
    }
    projectId.ifPresent(p -> sb.append(", projectId=").append(p));
    sb.append(", credentials=")
        .append(
            noCredentials
                ? "none"
                : credentialsFile.isPresent() ? "service-account-file" : "application-default");
    endpoint.ifPresent(e -> sb.append(", endpoint=").append(e));
    kmsKeyName.ifPresent(k -> sb.append(", kmsKeyName=").append(k));
    storageClass.ifPresent(c -> sb.append(", storageClass=").append(c));
    sb.append(", timeout=").append(timeout);
    sb.append(", maxAttempts=").append(maxAttempts);
    sb.append(", uploadChunkSize=").append(uploadChunkSize);
    return sb.append('}').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GcsStorageConfig c
        && bucket.equals(c.bucket)
        && prefix.equals(c.prefix)
        && projectId.equals(c.projectId)
        && credentialsFile.equals(c.credentialsFile)
        && noCredentials == c.noCredentials
        && endpoint.equals(c.endpoint)
        && kmsKeyName.equals(c.kmsKeyName)
        && storageClass.equals(c.storageClass)
        && timeout.equals(c.timeout)
        && maxAttempts == c.maxAttempts
        && uploadChunkSize == c.uploadChunkSize;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(
        bucket,
        prefix,
        projectId,
        credentialsFile,
        noCredentials,
        endpoint,
        kmsKeyName,
        storageClass,
        timeout,
        maxAttempts,
        uploadChunkSize);
  }

  /** Builds a {@link GcsStorageConfig}; each setter validates its argument at once. */
  public static final class Builder {
    private String bucket;
    private String prefix = "";
    private String projectId;
    private Path credentialsFile;
    private boolean noCredentials;
    private URI endpoint;
    private String kmsKeyName;
    private String storageClass;
    private Duration timeout = DEFAULT_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private int uploadChunkSize = DEFAULT_UPLOAD_CHUNK_SIZE;

    private Builder() {}

    private Builder(GcsStorageConfig c) {
      bucket = c.bucket.orElse(null);
      prefix = c.prefix;
      projectId = c.projectId.orElse(null);
      credentialsFile = c.credentialsFile.orElse(null);
      noCredentials = c.noCredentials;
      endpoint = c.endpoint.orElse(null);
      kmsKeyName = c.kmsKeyName.orElse(null);
      storageClass = c.storageClass.orElse(null);
      timeout = c.timeout;
      maxAttempts = c.maxAttempts;
      uploadChunkSize = c.uploadChunkSize;
    }

    /**
     * The bucket: 3 to 63 characters (222 if it contains dots) of lowercase letters, digits, {@code
     * -}, {@code _} and {@code .}, starting and ending with a letter or digit. No default; {@link
     * GcsStorages#create(GcsStorageConfig)} needs one.
     */
    public Builder bucket(String bucket) {
      requireNonNull(bucket, "bucket is null");
      if (!BUCKET.matcher(bucket).matches()
          || bucket.contains("..")
          || (!bucket.contains(".") && bucket.length() > 63)) {
        throw new IllegalArgumentException(
            "invalid bucket name '"
                + bucket
                + "': expected 3 to 63 characters of [a-z0-9._-] (222 with dots), starting and"
                + " ending with a letter or digit");
      }
      this.bucket = bucket;
      return this;
    }

    /**
     * The key prefix inside the bucket under which all objects of the archive live; leading and
     * trailing {@code /} are removed, the rest must be a valid storage key ({@link
     * StorageKeys#checkKey}). Default: empty (the bucket root).
     */
    public Builder prefix(String prefix) {
      String p = StorageOptions.normalizePrefix(prefix);
      this.prefix = p;
      return this;
    }

    /**
     * The Google Cloud project id (only used for billing and quota of requests that need one).
     * Default: the project of the service account key file, else whatever the client library finds
     * in the environment ({@code GOOGLE_CLOUD_PROJECT}, gcloud configuration, metadata server).
     */
    public Builder projectId(String projectId) {
      requireNonNull(projectId, "projectId is null");
      if (!PROJECT.matcher(projectId).matches()) {
        throw new IllegalArgumentException(
            "invalid project id '"
                + projectId
                + "': expected 3 to 63 characters of [a-z0-9.:-] (for example my-project-123)");
      }
      this.projectId = projectId;
      return this;
    }

    /**
     * A service account key file (JSON, {@code "type": "service_account"}) to authenticate with.
     * Read when the client is first used. Default: none, use application default credentials.
     */
    public Builder credentialsFile(Path credentialsFile) {
      this.credentialsFile = requireNonNull(credentialsFile, "credentialsFile is null");
      return this;
    }

    /**
     * Send requests without credentials, for emulators and fakes. Default: {@code false}
     * (authenticate with the key file or application default credentials).
     */
    public Builder noCredentials(boolean noCredentials) {
      this.noCredentials = noCredentials;
      return this;
    }

    /**
     * The root URL of the JSON API, {@code http(s)://host[:port]}, for emulators, fakes and private
     * endpoints. Default: {@code https://storage.googleapis.com}.
     */
    public Builder endpoint(URI endpoint) {
      requireNonNull(endpoint, "endpoint is null");
      String scheme = endpoint.getScheme();
      boolean pathOk =
          endpoint.getRawPath() == null
              || endpoint.getRawPath().isEmpty()
              || endpoint.getRawPath().equals("/");
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || endpoint.getHost() == null
          || endpoint.getRawUserInfo() != null
          || endpoint.getRawQuery() != null
          || endpoint.getRawFragment() != null
          || !pathOk) {
        throw new IllegalArgumentException(
            "invalid endpoint '"
                + redactedUrl(endpoint)
                + "': expected http(s)://host[:port] with no path, user, query or fragment");
      }
      String s = endpoint.toString();
      this.endpoint = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
      return this;
    }

    /**
     * The Cloud KMS key that encrypts new objects (customer-managed encryption), {@code
     * projects/P/locations/L/keyRings/R/cryptoKeys/K}. Default: none, the bucket's default
     * encryption applies.
     */
    public Builder kmsKeyName(String kmsKeyName) {
      requireNonNull(kmsKeyName, "kmsKeyName is null");
      if (!KMS_KEY.matcher(kmsKeyName).matches()) {
        throw new IllegalArgumentException(
            "invalid KMS key name '"
                + kmsKeyName
                + "': expected projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY");
      }
      this.kmsKeyName = kmsKeyName;
      return this;
    }

    /**
     * The storage class of new objects, one of STANDARD, NEARLINE, COLDLINE, ARCHIVE (any case).
     * Default: none, the bucket's default storage class applies.
     */
    public Builder storageClass(String storageClass) {
      requireNonNull(storageClass, "storageClass is null");
      String upper = storageClass.toUpperCase(Locale.ROOT);
      if (!STORAGE_CLASSES.contains(upper)) {
        throw new IllegalArgumentException(
            "invalid storage class '"
                + storageClass
                + "': expected one of "
                + String.join(", ", STORAGE_CLASSES));
      }
      this.storageClass = upper;
      return this;
    }

    /**
     * How long one HTTP request may wait to connect and for the next bytes of a response; between 1
     * ms and 1 hour. An operation as a whole gives up after {@code timeout × maxAttempts}. Default:
     * 20 seconds. As an option: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} or ISO-8601
     * ({@code PT30S}), see {@link OptionValues#parseDuration}.
     */
    public Builder timeout(Duration timeout) {
      requireNonNull(timeout, "timeout is null");
      if (timeout.compareTo(Duration.ofMillis(1)) < 0
          || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "invalid timeout " + timeout + ": expected between 1ms and 1h");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Attempts per operation including the first, 1 to 100 ({@code 1} disables retries). Transient
     * failures (429, 5xx, connection resets, timeouts) are retried with exponential backoff from 1
     * to 32 seconds. Default: 6.
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS) {
        throw new IllegalArgumentException(
            "invalid max attempts " + maxAttempts + ": expected 1 to " + MAX_MAX_ATTEMPTS);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Objects up to this many bytes are uploaded in one request; larger ones with a resumable
     * upload in chunks of this size, so memory use per upload stays at about this size. A multiple
     * of 256 KiB from 256 KiB to 256 MiB. Default: 16 MiB. As an option: bytes, or a number with
     * {@code KiB}/{@code k}, {@code MiB}/{@code m}, {@code GiB}/{@code g} (binary units), see
     * {@link OptionValues#parseSize}.
     */
    public Builder uploadChunkSize(int uploadChunkSize) {
      if (uploadChunkSize < CHUNK_GRANULARITY
          || uploadChunkSize > MAX_UPLOAD_CHUNK_SIZE
          || uploadChunkSize % CHUNK_GRANULARITY != 0) {
        throw new IllegalArgumentException(
            "invalid upload chunk size "
                + uploadChunkSize
                + ": expected a multiple of 256 KiB (262144) from 256 KiB to 256 MiB");
      }
      this.uploadChunkSize = uploadChunkSize;
      return this;
    }

    /**
     * Same as {@link #bucket}.
     *
     * @deprecated use {@link #bucket}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setBucket(String bucket) {
      return bucket(bucket);
    }

    /**
     * Same as {@link #prefix}.
     *
     * @deprecated use {@link #prefix}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setPrefix(String prefix) {
      return prefix(prefix);
    }

    /**
     * Same as {@link #projectId}.
     *
     * @deprecated use {@link #projectId}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setProjectId(String projectId) {
      return projectId(projectId);
    }

    /**
     * Same as {@link #credentialsFile}.
     *
     * @deprecated use {@link #credentialsFile}, named like the setters of the other backends'
     *     builders
     */
    @Deprecated
    public Builder setCredentialsFile(Path credentialsFile) {
      return credentialsFile(credentialsFile);
    }

    /**
     * Same as {@link #noCredentials}.
     *
     * @deprecated use {@link #noCredentials}, named like the setters of the other backends'
     *     builders
     */
    @Deprecated
    public Builder setNoCredentials(boolean noCredentials) {
      return noCredentials(noCredentials);
    }

    /**
     * Same as {@link #endpoint}.
     *
     * @deprecated use {@link #endpoint}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setEndpoint(URI endpoint) {
      return endpoint(endpoint);
    }

    /**
     * Same as {@link #kmsKeyName}.
     *
     * @deprecated use {@link #kmsKeyName}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setKmsKeyName(String kmsKeyName) {
      return kmsKeyName(kmsKeyName);
    }

    /**
     * Same as {@link #storageClass}.
     *
     * @deprecated use {@link #storageClass}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setStorageClass(String storageClass) {
      return storageClass(storageClass);
    }

    /**
     * Same as {@link #timeout}.
     *
     * @deprecated use {@link #timeout}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setTimeout(Duration timeout) {
      return timeout(timeout);
    }

    /**
     * Same as {@link #maxAttempts}.
     *
     * @deprecated use {@link #maxAttempts}, named like the setters of the other backends' builders
     */
    @Deprecated
    public Builder setMaxAttempts(int maxAttempts) {
      return maxAttempts(maxAttempts);
    }

    /**
     * Same as {@link #uploadChunkSize}.
     *
     * @deprecated use {@link #uploadChunkSize}, named like the setters of the other backends'
     *     builders
     */
    @Deprecated
    public Builder setUploadChunkSize(int uploadChunkSize) {
      return uploadChunkSize(uploadChunkSize);
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException if both a credentials file and no-credentials are set
     */
    public GcsStorageConfig build() {
      if (noCredentials && credentialsFile != null) {
        throw new IllegalArgumentException(
            "both a credentials file and no-credentials are set; choose one");
      }
      return new GcsStorageConfig(this);
    }
  }

  static int parseInt(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + value + "' is not a whole number", e);
    }
  }

  private static Path parsePath(String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException("empty path");
    }
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("'" + value + "' is not a valid path", e);
    }
  }

  private static URI parseUri(String value) {
    try {
      return new URI(value.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "'" + redactedUrl(value) + "' is not a URL: " + e.getReason(), e);
    }
  }

  private static String redactedUrl(URI url) {
    return redactedUrl(url.toString());
  }

  private static String redactedUrl(String url) {
    return dev.walarchive.core.storage.ArchiveStorages.redact(url);
  }
}
