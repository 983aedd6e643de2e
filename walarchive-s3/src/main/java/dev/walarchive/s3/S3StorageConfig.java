package dev.walarchive.s3;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.spi.StorageOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How an S3 archive is reached: bucket and prefix, region and endpoint, credentials, server-side
 * encryption, timeouts and retries, multipart sizes and the conditional-write mode. Immutable;
 * built with {@link #builder()} (each setter validates at once and states its default) or parsed
 * from an archive URL and options with {@link #fromUrl(URI, Map)}.
 *
 * <p>{@link #toString()} never shows the secret access key or the session token.
 */
public final class S3StorageConfig {
  /** 1 MiB. */
  private static final long MIB = 1024L * 1024;

  /** Default of {@link Builder#multipartThreshold(long)}: 32 MiB. */
  public static final long DEFAULT_MULTIPART_THRESHOLD = 32 * MIB;

  /** Default of {@link Builder#partSize(long)}: 16 MiB. */
  public static final long DEFAULT_PART_SIZE = 16 * MIB;

  /** Smallest part S3 accepts (except for the last part of an upload): 5 MiB. */
  public static final long MIN_PART_SIZE = 5 * MIB;

  /** Largest part size this backend buffers: 512 MiB. */
  public static final long MAX_PART_SIZE = 512 * MIB;

  /** Largest object S3 accepts in one PutObject: 5 GiB. */
  public static final long MAX_SINGLE_PUT = 5 * 1024 * MIB;

  /** Default of {@link Builder#apiTimeout(Duration)}: 20 minutes. */
  public static final Duration DEFAULT_API_TIMEOUT = Duration.ofMinutes(20);

  /** Default of {@link Builder#attemptTimeout(Duration)}: 5 minutes. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofMinutes(5);

  /** Default of {@link Builder#maxAttempts(int)}: 5. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");
  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern PROFILE = Pattern.compile("[A-Za-z0-9._@+-]{1,128}");
  private static final Pattern STORAGE_CLASS = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final Pattern KMS_KEY_ID = Pattern.compile("[A-Za-z0-9:/_.+=@-]{1,2048}");

  /** Server-side encryption the store applies to each object written. */
  public enum ServerSideEncryption {
    /** No {@code x-amz-server-side-encryption} header: the bucket's default applies. */
    NONE(null),
    /** SSE-S3: keys managed by S3 ({@code AES256}). */
    AES256("AES256"),
    /** SSE-KMS ({@code aws:kms}), with the bucket's or the configured KMS key. */
    AWS_KMS("aws:kms");

    private final String value;

    ServerSideEncryption(String value) {
      this.value = value;
    }

    /** The option value and header value, or {@code null} for {@link #NONE}. */
    String value() {
      return value;
    }
  }

  /** Whether writing needs a store that honours {@code If-None-Match: *}. */
  public enum ConditionalWrites {
    /**
     * The store must honour {@code If-None-Match: *}: archive initialisation probes it and refuses
     * a store that silently overwrites. The default, and the only mode in which an archived file
     * can never be replaced.
     */
    REQUIRED("required"),
    /**
     * Accept a store that ignores {@code If-None-Match}. Each create first asks whether the key
     * exists, which catches re-pushes of the same file, but two writers of one key at the same
     * moment can still overwrite each other: the archive may then hold the second file under a name
     * the first was archived as.
     */
    UNSAFE_ALLOW_OVERWRITE("unsafe-allow-overwrite");

    private final String value;

    ConditionalWrites(String value) {
      this.value = value;
    }

    /** The option value. */
    String value() {
      return value;
    }
  }

  /** How uploads are protected against corruption on the way to the store. */
  public enum Checksum {
    /** CRC32 computed by the SDK and verified by the store ({@code x-amz-checksum-crc32}). */
    CRC32("crc32"),
    /** CRC32C computed by the SDK and verified by the store ({@code x-amz-checksum-crc32c}). */
    CRC32C("crc32c"),
    /** SHA-256 computed by the SDK and verified by the store ({@code x-amz-checksum-sha256}). */
    SHA256("sha256"),
    /**
     * A {@code Content-MD5} header on each upload and on DeleteObjects, for stores that do not
     * understand the newer {@code x-amz-checksum-*} headers.
     */
    MD5("md5");

    private final String value;

    Checksum(String value) {
      this.value = value;
    }

    /** The option value. */
    String value() {
      return value;
    }
  }

  private final String bucket;
  private final String prefix;
  private final String region;
  private final URI endpoint;
  private final boolean pathStyle;
  private final String profile;
  private final String accessKeyId;
  private final String secretAccessKey;
  private final String sessionToken;
  private final ServerSideEncryption sse;
  private final String sseKmsKeyId;
  private final String storageClass;
  private final Duration apiTimeout;
  private final Duration attemptTimeout;
  private final int maxAttempts;
  private final long multipartThreshold;
  private final long partSize;
  private final ConditionalWrites conditionalWrites;
  private final Checksum checksum;
  private final AwsCredentialsProvider credentialsProvider;

  private S3StorageConfig(Builder b) {
    this.bucket = b.bucket;
    this.prefix = b.prefix;
    this.region = b.region;
    this.endpoint = b.endpoint;
    this.pathStyle = b.pathStyle;
    this.profile = b.profile;
    this.accessKeyId = b.accessKeyId;
    this.secretAccessKey = b.secretAccessKey;
    this.sessionToken = b.sessionToken;
    this.sse = b.sse;
    this.sseKmsKeyId = b.sseKmsKeyId;
    this.storageClass = b.storageClass;
    this.apiTimeout = b.apiTimeout;
    this.attemptTimeout = b.attemptTimeout;
    this.maxAttempts = b.maxAttempts;
    this.multipartThreshold = b.multipartThreshold;
    this.partSize = b.partSize;
    this.conditionalWrites = b.conditionalWrites;
    this.checksum = b.checksum;
    this.credentialsProvider = b.credentialsProvider;
  }

  /** A builder with every setting at its default and no bucket. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses an archive URL {@code s3://bucket/prefix?name=value&...} and the {@code s3.*} options.
   *
   * <p>The query may set the non-secret options by their name without the {@code s3.} prefix, e.g.
   * {@code s3://archive/db1?region=eu-west-1&endpoint=http://127.0.0.1:9000&path-style=true}.
   * Credentials ({@code access-key-id}, {@code secret-access-key}, {@code session-token}) are
   * refused in the URL: URLs end up in logs and process lists. Options whose names do not start
   * with {@code s3.} are ignored (they belong to other parts of walarchive); an unknown {@code s3.}
   * option is an error, as is one set differently in the URL and in {@code options}.
   *
   * @param url the archive URL, scheme {@code s3}
   * @param options option names as documented ({@code s3.region}, {@code s3.path-style}, ...);
   *     values may be secrets and never appear in an error message
   * @throws IllegalArgumentException naming the bad part of the URL or the bad option
   */
  public static S3StorageConfig fromUrl(URI url, Map<String, String> options) {
    return S3Options.parse(url, options);
  }

  /** A builder that starts from this configuration (every setting, credentials included). */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The credentials provider an embedder handed in ({@link Builder#credentialsProvider}), if any;
   * the storage uses it instead of static keys, a profile or the SDK's default chain, and never
   * closes it.
   */
  public Optional<AwsCredentialsProvider> credentialsProvider() {
    return Optional.ofNullable(credentialsProvider);
  }

  /**
   * The bucket, or empty if none was set (then the bucket comes from the caller of {@link
   * S3Storages#create(software.amazon.awssdk.services.s3.S3Client, String, String,
   * S3StorageConfig)}).
   */
  public Optional<String> bucket() {
    return Optional.ofNullable(bucket);
  }

  /**
   * The key prefix of the archive inside the bucket, without slashes at either end; may be empty.
   */
  public String prefix() {
    return prefix;
  }

  /** The configured region, or empty to take it from the environment. */
  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  /** The endpoint override, or empty for AWS's endpoint of the region. */
  public Optional<URI> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  /** Whether requests address the bucket in the path rather than in the host name. */
  public boolean pathStyle() {
    return pathStyle;
  }

  /** The named profile of the AWS config files to use, or empty. */
  public Optional<String> profile() {
    return Optional.ofNullable(profile);
  }

  /** The static access key id, or empty. */
  public Optional<String> accessKeyId() {
    return Optional.ofNullable(accessKeyId);
  }

  /** The static secret access key, or empty. A secret: never log it. */
  public Optional<String> secretAccessKey() {
    return Optional.ofNullable(secretAccessKey);
  }

  /** The session token of temporary static credentials, or empty. A secret. */
  public Optional<String> sessionToken() {
    return Optional.ofNullable(sessionToken);
  }

  /** Server-side encryption requested on each write. */
  public ServerSideEncryption sse() {
    return sse;
  }

  /** The KMS key for {@link ServerSideEncryption#AWS_KMS}, or empty for the bucket's. */
  public Optional<String> sseKmsKeyId() {
    return Optional.ofNullable(sseKmsKeyId);
  }

  /** The storage class of new objects, or empty for the bucket's default. */
  public Optional<String> storageClass() {
    return Optional.ofNullable(storageClass);
  }

  /** Time limit of one API call, retries included. */
  public Duration apiTimeout() {
    return apiTimeout;
  }

  /** Time limit of one HTTP attempt. */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /** Attempts of one call, the first included, before a transient error is reported. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Objects larger than this many bytes are uploaded in parts. */
  public long multipartThreshold() {
    return multipartThreshold;
  }

  /** Size of each part of a multipart upload (and of the one buffer it uses). */
  public long partSize() {
    return partSize;
  }

  /** Whether a store that ignores {@code If-None-Match} is refused. */
  public ConditionalWrites conditionalWrites() {
    return conditionalWrites;
  }

  /** How uploads are checksummed. */
  public Checksum checksum() {
    return checksum;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof S3StorageConfig c
        && pathStyle == c.pathStyle
        && maxAttempts == c.maxAttempts
        && multipartThreshold == c.multipartThreshold
        && partSize == c.partSize
        && Objects.equals(bucket, c.bucket)
        && prefix.equals(c.prefix)
        && Objects.equals(region, c.region)
        && Objects.equals(endpoint, c.endpoint)
        && Objects.equals(profile, c.profile)
        && Objects.equals(accessKeyId, c.accessKeyId)
        && Objects.equals(secretAccessKey, c.secretAccessKey)
        && Objects.equals(sessionToken, c.sessionToken)
        && sse == c.sse
        && Objects.equals(sseKmsKeyId, c.sseKmsKeyId)
        && Objects.equals(storageClass, c.storageClass)
        && apiTimeout.equals(c.apiTimeout)
        && attemptTimeout.equals(c.attemptTimeout)
        && conditionalWrites == c.conditionalWrites
        && checksum == c.checksum
        && credentialsProvider == c.credentialsProvider;
  }

  @Override
  public int hashCode() {
    return Objects.hash(bucket, prefix, region, endpoint, pathStyle, profile, accessKeyId, sse);
  }

  /**
   * Every setting except the secrets: the secret key and session token show as {@code ***}, the
   * access key id only by its first four characters.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("S3StorageConfig[");
    sb.append("s3://").append(bucket == null ? "<no bucket>" : bucket);
    if (!prefix.isEmpty()) {
      sb.append('/').append(prefix);
    }
    field(sb, "region", region);
    field(sb, "endpoint", endpoint);
    if (pathStyle) {
      sb.append(", path-style");
    }
    field(sb, "profile", profile);
    field(sb, "access-key-id", accessKeyId == null ? null : maskedKeyId(accessKeyId));
    field(sb, "secret-access-key", secretAccessKey == null ? null : "***");
    field(sb, "session-token", sessionToken == null ? null : "***");
    field(
        sb,
        "credentials-provider",
        credentialsProvider == null ? null : credentialsProvider.getClass().getSimpleName());
    if (sse != ServerSideEncryption.NONE) {
      field(sb, "sse", sse.value());
    }
    field(sb, "sse-kms-key-id", sseKmsKeyId);
    field(sb, "storage-class", storageClass);
    field(sb, "api-timeout", apiTimeout);
    field(sb, "attempt-timeout", attemptTimeout);
    field(sb, "max-attempts", maxAttempts);
    field(sb, "multipart-threshold", multipartThreshold);
    field(sb, "part-size", partSize);
    field(sb, "conditional-writes", conditionalWrites.value());
    field(sb, "checksum", checksum.value());
    return sb.append(']').toString();
  }

  /**
   * The first four characters of an access key id (e.g. {@code AKIA}), enough to tell keys apart.
   */
  private static String maskedKeyId(String id) {
    return (id.length() > 8 ? id.substring(0, 4) : "") + "***";
  }

  private static void field(StringBuilder sb, String name, Object value) {
    if (value != null) {
      sb.append(", ").append(name).append('=').append(value);
    }
  }

  /**
   * Builds an {@link S3StorageConfig}. Setters reject bad values at once with an {@link
   * IllegalArgumentException} that names the setting; {@link #build()} checks the combinations.
   * Messages never contain a secret.
   */
  public static final class Builder {
    private String bucket;
    private String prefix = "";
    private String region;
    private URI endpoint;
    private boolean pathStyle;
    private String profile;
    private String accessKeyId;
    private String secretAccessKey;
    private String sessionToken;
    private ServerSideEncryption sse = ServerSideEncryption.NONE;
    private String sseKmsKeyId;
    private String storageClass;
    private Duration apiTimeout = DEFAULT_API_TIMEOUT;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private long multipartThreshold = DEFAULT_MULTIPART_THRESHOLD;
    private long partSize = DEFAULT_PART_SIZE;
    private ConditionalWrites conditionalWrites = ConditionalWrites.REQUIRED;
    private Checksum checksum = Checksum.CRC32;
    private AwsCredentialsProvider credentialsProvider;

    private Builder() {}

    private Builder(S3StorageConfig c) {
      bucket = c.bucket;
      prefix = c.prefix;
      region = c.region;
      endpoint = c.endpoint;
      pathStyle = c.pathStyle;
      profile = c.profile;
      accessKeyId = c.accessKeyId;
      secretAccessKey = c.secretAccessKey;
      sessionToken = c.sessionToken;
      sse = c.sse;
      sseKmsKeyId = c.sseKmsKeyId;
      storageClass = c.storageClass;
      apiTimeout = c.apiTimeout;
      attemptTimeout = c.attemptTimeout;
      maxAttempts = c.maxAttempts;
      multipartThreshold = c.multipartThreshold;
      partSize = c.partSize;
      conditionalWrites = c.conditionalWrites;
      checksum = c.checksum;
      credentialsProvider = c.credentialsProvider;
    }

    /**
     * Credentials from a provider of your own (web identity, SSO, a vault, a refreshing role), for
     * the client the storage builds; everything else about the client (region, endpoint, timeouts,
     * retries, HTTP client) still comes from this configuration. The caller owns the provider: the
     * storage never closes it. Cannot be combined with static keys or a profile. Default: none
     * (static keys, else the profile, else the SDK's default chain).
     */
    public Builder credentialsProvider(AwsCredentialsProvider credentialsProvider) {
      this.credentialsProvider = requireNonNull(credentialsProvider, "credentialsProvider is null");
      return this;
    }

    /**
     * The bucket: 3 to 63 characters of {@code [a-z0-9.-_]}, starting and ending with a letter or
     * digit. No default; {@link S3Storages#create(S3StorageConfig)} needs one.
     */
    public Builder bucket(String bucket) {
      requireNonNull(bucket, "bucket is null");
      if (!BUCKET.matcher(bucket).matches()) {
        throw new IllegalArgumentException(
            "invalid S3 bucket name '"
                + bucket
                + "': expected 3 to 63 characters of [a-z0-9.-_], starting and ending with a"
                + " letter or digit");
      }
      this.bucket = bucket;
      return this;
    }

    /**
     * The key prefix below which the archive's objects live, e.g. {@code db1} or {@code prod/db1};
     * slashes at either end are dropped. Default: empty (the whole bucket).
     */
    public Builder prefix(String prefix) {
      String p = StorageOptions.normalizePrefix(prefix);
      this.prefix = p;
      return this;
    }

    /**
     * The region, e.g. {@code eu-west-1}. Default: taken from the {@code aws.region} system
     * property, the {@code AWS_REGION} environment variable or the profile's {@code region}, in
     * that order (never from the EC2 instance metadata service, which is slow to time out off EC2);
     * with an {@link #endpoint(URI) endpoint} and none of those, {@code us-east-1}.
     */
    public Builder region(String region) {
      requireNonNull(region, "region is null");
      if (!REGION.matcher(region).matches()) {
        throw new IllegalArgumentException(
            "invalid s3.region '" + region + "': expected a region name such as eu-west-1");
      }
      this.region = region;
      return this;
    }

    /**
     * The endpoint of an S3-compatible store (MinIO, Ceph, R2, ...) or a VPC endpoint, {@code http}
     * or {@code https}, e.g. {@code https://minio.example.com:9000}. Default: none (AWS's endpoint
     * for the region).
     */
    public Builder endpoint(URI endpoint) {
      requireNonNull(endpoint, "endpoint is null");
      String scheme = endpoint.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || endpoint.getHost() == null) {
        throw new IllegalArgumentException(
            "invalid s3.endpoint '"
                + redactedUri(endpoint)
                + "': expected http://host[:port] or https://host[:port]");
      }
      if (endpoint.getRawUserInfo() != null
          || endpoint.getRawQuery() != null
          || endpoint.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "invalid s3.endpoint '"
                + redactedUri(endpoint)
                + "': must not have user info, query or fragment");
      }
      this.endpoint = endpoint;
      return this;
    }

    /**
     * Whether to address the bucket in the path ({@code https://host/bucket/key}) rather than in
     * the host name ({@code https://bucket.host/key}). Most S3-compatible stores reached by IP
     * address or without wildcard DNS need {@code true}. Default: {@code false}.
     */
    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    /**
     * A named profile of {@code ~/.aws/config} and {@code ~/.aws/credentials} for credentials (and
     * the region, if not set). Default: none (the SDK's default credentials chain: environment,
     * system properties, web identity, default profile, container and instance credentials).
     */
    public Builder profile(String profile) {
      requireNonNull(profile, "profile is null");
      if (!PROFILE.matcher(profile).matches()) {
        throw new IllegalArgumentException(
            "invalid s3.profile '" + profile + "': expected a profile name of [A-Za-z0-9._@+-]");
      }
      this.profile = profile;
      return this;
    }

    /**
     * Static credentials: access key id and secret access key, used together. Default: none (see
     * {@link #profile(String)}).
     */
    public Builder accessKeyId(String accessKeyId) {
      this.accessKeyId = secret("s3.access-key-id", accessKeyId);
      return this;
    }

    /** The secret access key of {@link #accessKeyId(String)}. Default: none. */
    public Builder secretAccessKey(String secretAccessKey) {
      this.secretAccessKey = secret("s3.secret-access-key", secretAccessKey);
      return this;
    }

    /** The session token of temporary static credentials. Default: none. */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = secret("s3.session-token", sessionToken);
      return this;
    }

    /**
     * Server-side encryption to request on each write. Default: {@link ServerSideEncryption#NONE}
     * (the bucket's default encryption applies; S3 encrypts every new object with SSE-S3 at least).
     */
    public Builder sse(ServerSideEncryption sse) {
      this.sse = requireNonNull(sse, "sse is null");
      return this;
    }

    /**
     * The KMS key (id, alias or ARN) for {@link ServerSideEncryption#AWS_KMS}. Default: none (the
     * bucket's or the account's default KMS key).
     */
    public Builder sseKmsKeyId(String sseKmsKeyId) {
      requireNonNull(sseKmsKeyId, "sseKmsKeyId is null");
      if (!KMS_KEY_ID.matcher(sseKmsKeyId).matches()) {
        throw new IllegalArgumentException(
            "invalid s3.sse-kms-key-id '" + sseKmsKeyId + "': expected a KMS key id, alias or ARN");
      }
      this.sseKmsKeyId = sseKmsKeyId;
      return this;
    }

    /**
     * The storage class of new objects, e.g. {@code STANDARD_IA} or {@code INTELLIGENT_TIERING}.
     * {@code GLACIER} and {@code DEEP_ARCHIVE} are refused: their objects must be restored before
     * they can be read, so a recovery would stop at the first segment. Default: none (the bucket's
     * default, usually {@code STANDARD}).
     */
    public Builder storageClass(String storageClass) {
      requireNonNull(storageClass, "storageClass is null");
      if (!STORAGE_CLASS.matcher(storageClass).matches()) {
        throw new IllegalArgumentException(
            "invalid s3.storage-class '"
                + storageClass
                + "': expected an upper-case storage class such as STANDARD or STANDARD_IA");
      }
      if (storageClass.equals("GLACIER") || storageClass.equals("DEEP_ARCHIVE")) {
        throw new IllegalArgumentException(
            "s3.storage-class "
                + storageClass
                + " is not supported: objects in it must be restored before they can be read,"
                + " so restore_command would fail; use GLACIER_IR, STANDARD_IA or a lifecycle"
                + " rule for old WAL instead");
      }
      this.storageClass = storageClass;
      return this;
    }

    /**
     * Time limit of one API call, all retries included; must not be shorter than {@link
     * #attemptTimeout(Duration)}. Default: {@link #DEFAULT_API_TIMEOUT} (20 minutes).
     */
    public Builder apiTimeout(Duration apiTimeout) {
      this.apiTimeout = positive("s3.api-timeout", apiTimeout);
      return this;
    }

    /**
     * Time limit of one HTTP attempt (one part or one whole small object). Default: {@link
     * #DEFAULT_ATTEMPT_TIMEOUT} (5 minutes).
     */
    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = positive("s3.attempt-timeout", attemptTimeout);
      return this;
    }

    /**
     * Attempts of one call, the first included (1 to 20), with the SDK's standard retry policy:
     * exponential backoff with jitter on throttling, 5xx, timeouts and connection errors. Default:
     * {@link #DEFAULT_MAX_ATTEMPTS} (5).
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > 20) {
        throw new IllegalArgumentException(
            "invalid s3.max-attempts " + maxAttempts + ": expected 1 to 20");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Objects larger than this are uploaded in parts (1 MiB to 5 GiB). Default: {@link
     * #DEFAULT_MULTIPART_THRESHOLD} (32 MiB).
     */
    public Builder multipartThreshold(long bytes) {
      if (bytes < MIB || bytes > MAX_SINGLE_PUT) {
        throw new IllegalArgumentException(
            "invalid s3.multipart-threshold " + bytes + ": expected 1MiB to 5GiB");
      }
      this.multipartThreshold = bytes;
      return this;
    }

    /**
     * Size of each part of a multipart upload, 5 MiB to 512 MiB; one buffer of this size is held
     * per upload in progress. Objects over 10,000 parts use larger parts. Default: {@link
     * #DEFAULT_PART_SIZE} (16 MiB).
     */
    public Builder partSize(long bytes) {
      if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
        throw new IllegalArgumentException(
            "invalid s3.part-size " + bytes + ": expected 5MiB to 512MiB");
      }
      this.partSize = bytes;
      return this;
    }

    /** See {@link ConditionalWrites}. Default: {@link ConditionalWrites#REQUIRED}. */
    public Builder conditionalWrites(ConditionalWrites conditionalWrites) {
      this.conditionalWrites = requireNonNull(conditionalWrites, "conditionalWrites is null");
      return this;
    }

    /** See {@link Checksum}. Default: {@link Checksum#CRC32}. */
    public Builder checksum(Checksum checksum) {
      this.checksum = requireNonNull(checksum, "checksum is null");
      return this;
    }

    /**
     * Checks that the settings fit together and builds the configuration.
     *
     * @throws IllegalArgumentException if only one of access key id and secret is set, a session
     *     token or profile is combined wrongly, a KMS key is set without {@code aws:kms}, or the
     *     attempt timeout exceeds the API call timeout
     */
    public S3StorageConfig build() {
      if ((accessKeyId == null) != (secretAccessKey == null)) {
        throw new IllegalArgumentException(
            "s3.access-key-id and s3.secret-access-key must be set together");
      }
      if (sessionToken != null && accessKeyId == null) {
        throw new IllegalArgumentException(
            "s3.session-token needs s3.access-key-id and s3.secret-access-key");
      }
      if (profile != null && accessKeyId != null) {
        throw new IllegalArgumentException(
            "set either s3.profile or s3.access-key-id/s3.secret-access-key, not both");
      }
      if (credentialsProvider != null && (profile != null || accessKeyId != null)) {
        throw new IllegalArgumentException(
            "a credentials provider cannot be combined with s3.profile or"
                + " s3.access-key-id/s3.secret-access-key; use one source of credentials");
      }
      if (sseKmsKeyId != null && sse != ServerSideEncryption.AWS_KMS) {
        throw new IllegalArgumentException("s3.sse-kms-key-id needs s3.sse=aws:kms");
      }
      if (attemptTimeout.compareTo(apiTimeout) > 0) {
        throw new IllegalArgumentException(
            "s3.attempt-timeout "
                + attemptTimeout
                + " is longer than s3.api-timeout "
                + apiTimeout
                + "; the API call timeout includes all attempts");
      }
      return new S3StorageConfig(this);
    }

    private static String secret(String name, String value) {
      requireNonNull(value, name + " is null");
      if (value.isEmpty() || value.length() > 4096) {
        throw new IllegalArgumentException(name + " is empty or longer than 4096 characters");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c <= ' ' || c > '~') {
          throw new IllegalArgumentException(
              name + " contains whitespace or a non-printable character (value not shown)");
        }
      }
      return value;
    }

    private static Duration positive(String name, Duration d) {
      requireNonNull(d, name + " is null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("invalid " + name + " " + d + ": must be positive");
      }
      return d;
    }
  }

  static String redactedUri(URI uri) {
    String s = uri.toString();
    return dev.walarchive.core.storage.ArchiveStorages.redact(s);
  }
}
