package dev.walarchive.azure;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.storage.spi.StorageOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where and how an archive is kept in Azure Blob Storage: storage account, container, prefix,
 * endpoint, credential and transfer settings. Immutable; made with {@link #builder()} or parsed
 * from an archive URL and options with {@link #fromUrl(URI, Map)}. {@link #toString()} never shows
 * a credential.
 *
 * <p>URL forms: {@code az://account/container/prefix} and {@code
 * https://account.blob.core.windows.net/container/prefix}. Options (the names used by properties
 * files and {@code --option}; the CLI maps environment variables such as {@code
 * WALARCHIVE_AZURE_ACCOUNT_KEY} to them):
 *
 * <ul>
 *   <li>{@code azure.connection-string}, {@code azure.account-key}, {@code azure.sas-token}: the
 *       credential, at most one (secrets, never accepted in the URL)
 *   <li>{@code azure.endpoint}: blob service endpoint, default {@code
 *       https://<account>.blob.core.windows.net}; e.g. {@code
 *       http://127.0.0.1:10000/devstoreaccount1} for Azurite
 *   <li>{@code azure.encryption-scope}, {@code azure.access-tier} ({@code Hot}, {@code Cool} or
 *       {@code Cold})
 *   <li>{@code azure.timeout} (per attempt, e.g. {@code 30s} or {@code PT30S}), {@code
 *       azure.max-attempts}
 *   <li>{@code azure.block-size}, {@code azure.single-upload-threshold} (bytes, or with a binary
 *       unit: {@code 8MiB}, {@code 512k})
 * </ul>
 *
 * <p>The non-secret options may also be given as URL query parameters without the {@code azure.}
 * prefix ({@code az://acct/wal/db1?access-tier=Cool}); an option given both ways must have the same
 * value in both. Durations and sizes are written as {@link StorageOptions} describes.
 */
public final class AzureStorageConfig {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  static final int DEFAULT_MAX_ATTEMPTS = 4;
  static final long MIB = 1024 * 1024;
  static final long DEFAULT_BLOCK_SIZE = 8 * MIB;
  static final long DEFAULT_SINGLE_UPLOAD_THRESHOLD = 32 * MIB;
  static final long MIN_BLOCK_SIZE = 64 * 1024;
  static final long MAX_BLOCK_SIZE = 256 * MIB;
  static final long MAX_SINGLE_UPLOAD_THRESHOLD = 256 * MIB;

  static final String OPTION_PREFIX = "azure.";
  static final String CONNECTION_STRING = "azure.connection-string";
  static final String ACCOUNT_KEY = "azure.account-key";
  static final String SAS_TOKEN = "azure.sas-token";
  static final String ENDPOINT = "azure.endpoint";
  static final String ENCRYPTION_SCOPE = "azure.encryption-scope";
  static final String ACCESS_TIER = "azure.access-tier";
  static final String TIMEOUT = "azure.timeout";
  static final String MAX_ATTEMPTS = "azure.max-attempts";
  static final String BLOCK_SIZE = "azure.block-size";
  static final String SINGLE_UPLOAD_THRESHOLD = "azure.single-upload-threshold";

  /** Every option, described once, in documentation order (the README's table is made from it). */
  static final List<OptionSpec> SPECS =
      List.of(
          OptionSpec.secret(
              ACCOUNT_KEY, OptionSpec.Type.STRING, "–", "shared key of the account (secret)"),
          OptionSpec.secret(
              SAS_TOKEN,
              OptionSpec.Type.STRING,
              "–",
              "SAS token, with or without leading `?`; needs `racwdl` on the container (secret)"),
          OptionSpec.secret(
              CONNECTION_STRING,
              OptionSpec.Type.STRING,
              "–",
              "storage connection string; names account and endpoint (secret)"),
          OptionSpec.of(
              ENDPOINT,
              OptionSpec.Type.URL,
              "`https://<account>.blob.core.windows.net`",
              "blob service endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1`"),
          OptionSpec.of(
              ENCRYPTION_SCOPE,
              OptionSpec.Type.STRING,
              "account default",
              "encryption scope for new blobs (server-side encryption with your key in Key Vault)"),
          OptionSpec.of(
              ACCESS_TIER,
              OptionSpec.Type.CHOICE,
              "account default",
              "`Hot`, `Cool` or `Cold`; `Archive` is refused (archived blobs cannot be read without rehydration, so recovery would fail — move old WAL with a lifecycle rule instead)"),
          OptionSpec.of(
              TIMEOUT,
              OptionSpec.Type.DURATION,
              "`60s`",
              "timeout of one attempt of one request, 1 s to 1 h (`30s`, `500ms`, `2m`, `PT30S`)"),
          OptionSpec.of(
              MAX_ATTEMPTS,
              OptionSpec.Type.INTEGER,
              "`4`",
              "attempts per request; throttling, 5xx, timeouts and resets are retried with exponential backoff"),
          OptionSpec.of(
              BLOCK_SIZE,
              OptionSpec.Type.SIZE,
              "`8MiB`",
              "block size of uploads above the threshold (64 KiB – 256 MiB)"),
          OptionSpec.of(
              SINGLE_UPLOAD_THRESHOLD,
              OptionSpec.Type.SIZE,
              "`32MiB`",
              "objects up to this size take one request (0 – 256 MiB)"));

  /** Every option's name, in documentation order. */
  static final List<String> OPTIONS = SPECS.stream().map(OptionSpec::name).toList();

  static final Set<String> SECRET_OPTIONS =
      SPECS.stream()
          .filter(OptionSpec::secret)
          .map(OptionSpec::name)
          .collect(Collectors.toUnmodifiableSet());

  static final String PUBLIC_HOST_SUFFIX = ".blob.core.windows.net";

  private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
  private static final Pattern CONTAINER = Pattern.compile("(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*");
  private static final Pattern ENCRYPTION_SCOPE_NAME = Pattern.compile("[A-Za-z0-9-]{1,63}");

  private final String account;
  private final String container;
  private final String prefix;
  private final URI endpoint;
  private final String connectionString;
  private final String accountKey;
  private final String sasToken;
  private final String encryptionScope;
  private final String accessTier;
  private final Duration timeout;
  private final int maxAttempts;
  private final long blockSize;
  private final long singleUploadThreshold;

  private AzureStorageConfig(Builder b) {
    this.account = b.account;
    this.container = b.container;
    this.prefix = b.prefix;
    this.endpoint = b.endpoint;
    this.connectionString = b.connectionString;
    this.accountKey = b.accountKey;
    this.sasToken = b.sasToken;
    this.encryptionScope = b.encryptionScope;
    this.accessTier = b.accessTier;
    this.timeout = b.timeout;
    this.maxAttempts = b.maxAttempts;
    this.blockSize = b.blockSize;
    this.singleUploadThreshold = b.singleUploadThreshold;
  }

  /** A builder with nothing set: no account, container or credential, empty prefix, defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's settings, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.account = account;
    b.container = container;
    b.prefix = prefix;
    b.endpoint = endpoint;
    b.connectionString = connectionString;
    b.accountKey = accountKey;
    b.sasToken = sasToken;
    b.encryptionScope = encryptionScope;
    b.accessTier = accessTier;
    b.timeout = timeout;
    b.maxAttempts = maxAttempts;
    b.blockSize = blockSize;
    b.singleUploadThreshold = singleUploadThreshold;
    return b;
  }

  /**
   * Parses an archive URL ({@code az://account/container/prefix} or {@code
   * https://account.blob.core.windows.net/container/prefix}) and the options that apply to it.
   * Options whose names do not start with {@code azure.} belong to other parts of walarchive and
   * are ignored; an unknown {@code azure.} option is an error (it is most likely a typo).
   *
   * @throws IllegalArgumentException naming the bad part of the URL or the bad option (but never
   *     the value of a secret)
   */
  public static AzureStorageConfig fromUrl(URI url, Map<String, String> options) {
    requireNonNull(url, "url is null");
    requireNonNull(options, "options is null");
    String shown = redactUrl(url);
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (url.isOpaque() || url.getRawAuthority() == null) {
      throw new IllegalArgumentException(
          "invalid Azure archive URL '"
              + shown
              + "': expected az://account/container/prefix or"
              + " https://account.blob.core.windows.net/container/prefix");
    }
    if (url.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "invalid Azure archive URL '"
              + shown
              + "': credentials do not belong in the URL; use the "
              + ACCOUNT_KEY
              + ", "
              + SAS_TOKEN
              + " or "
              + CONNECTION_STRING
              + " option");
    }
    if (url.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "invalid Azure archive URL '" + shown + "': a fragment (#...) is not allowed");
    }
    Builder b = builder();
    boolean https;
    String host = url.getHost();
    if (scheme.equals("az")) {
      https = false;
      if (host == null || url.getPort() != -1) {
        throw new IllegalArgumentException(
            "invalid Azure archive URL '"
                + shown
                + "': the host part must be the storage account name, e.g. az://myaccount/container");
      }
      b.account(host);
    } else if (scheme.equals("https")) {
      https = true;
      String lower = host == null ? "" : host.toLowerCase(Locale.ROOT);
      String name =
          lower.endsWith(PUBLIC_HOST_SUFFIX)
              ? lower.substring(0, lower.length() - PUBLIC_HOST_SUFFIX.length())
              : "";
      if (name.isEmpty() || name.contains(".") || url.getPort() != -1) {
        throw new IllegalArgumentException(
            "invalid Azure archive URL '"
                + shown
                + "': an https archive URL must name a public Azure blob endpoint,"
                + " https://<account>"
                + PUBLIC_HOST_SUFFIX
                + "/container/prefix; for other endpoints use az://account/container/prefix"
                + " with the "
                + ENDPOINT
                + " option");
      }
      b.account(name);
    } else {
      throw new IllegalArgumentException(
          "invalid Azure archive URL '" + shown + "': scheme must be az: or https:");
    }
    String path = url.getPath() == null ? "" : url.getPath();
    if (!path.startsWith("/") || path.length() == 1) {
      throw new IllegalArgumentException(
          "invalid Azure archive URL '" + shown + "': no container; expected .../container/prefix");
    }
    int slash = path.indexOf('/', 1);
    String containerName = slash < 0 ? path.substring(1) : path.substring(1, slash);
    String prefixPart = slash < 0 ? "" : path.substring(slash + 1);
    try {
      b.container(containerName);
      b.prefix(prefixPart);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid Azure archive URL '" + shown + "': " + e.getMessage(), e);
    }

    refuseSasTokenInQuery(url, shown);
    Map<String, String> merged = StorageOptions.collect(url, options, SPECS);
    if (https && merged.containsKey(ENDPOINT)) {
      throw new IllegalArgumentException(
          "option "
              + ENDPOINT
              + " cannot be combined with the https archive URL '"
              + shown
              + "', which names the endpoint; use az://account/container/prefix instead");
    }
    for (Map.Entry<String, String> e : merged.entrySet()) {
      b.option(e.getKey(), e.getValue());
    }
    return b.build();
  }

  /** A SAS token pasted into the URL: refused without echoing it. */
  private static void refuseSasTokenInQuery(URI url, String shown) {
    String query = url.getRawQuery();
    if (query == null) {
      return;
    }
    for (String pair : query.split("&")) {
      String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
      if (name.equals("sig") || name.equals("sv") || name.equals("se")) {
        throw new IllegalArgumentException(
            "Azure archive URL '"
                + shown
                + "' carries a SAS token; URLs get logged, so pass the token as option "
                + SAS_TOKEN
                + " and leave it out of the URL");
      }
    }
  }

  private static List<String> sorted() {
    return OPTIONS.stream().sorted().toList();
  }

  /** The URL without query, fragment and user info, for messages. */
  static String redactUrl(URI url) {
    String s = url.toString();
    int cut = s.length();
    for (char c : new char[] {'?', '#'}) {
      int i = s.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    String shown = s.substring(0, cut) + (cut < s.length() ? "?..." : "");
    int schemeEnd = shown.indexOf("://");
    int at = shown.indexOf('@');
    int pathStart = schemeEnd < 0 ? -1 : shown.indexOf('/', schemeEnd + 3);
    if (schemeEnd >= 0 && at > schemeEnd && (pathStart < 0 || at < pathStart)) {
      shown = shown.substring(0, schemeEnd + 3) + "***@" + shown.substring(at + 1);
    }
    return shown;
  }

  /** The storage account name, if set. */
  public Optional<String> account() {
    return Optional.ofNullable(account);
  }

  /** The container name, if set. */
  public Optional<String> container() {
    return Optional.ofNullable(container);
  }

  /** The key prefix inside the container: empty, or ending with {@code /}. */
  public String prefix() {
    return prefix;
  }

  /**
   * The blob service endpoint, if set; otherwise {@code https://<account>.blob.core.windows.net}.
   */
  public Optional<URI> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  /**
   * Which kind of credential is set: {@code connection-string}, {@code account-key}, {@code
   * sas-token}, or {@code none}. The credential itself is never exposed.
   */
  public String credentialKind() {
    if (connectionString != null) {
      return "connection-string";
    }
    if (accountKey != null) {
      return "account-key";
    }
    if (sasToken != null) {
      return "sas-token";
    }
    return "none";
  }

  /** The encryption scope new blobs are written with, if set. */
  public Optional<String> encryptionScope() {
    return Optional.ofNullable(encryptionScope);
  }

  /** The access tier new blobs are written with ({@code Hot}, {@code Cool} or {@code Cold}). */
  public Optional<String> accessTier() {
    return Optional.ofNullable(accessTier);
  }

  /** Timeout of one attempt of one request. */
  public Duration timeout() {
    return timeout;
  }

  /** Attempts per request, including the first; 1 disables retries. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Size of the blocks of a block upload. */
  public long blockSize() {
    return blockSize;
  }

  /** Objects up to this size are uploaded with one request; larger ones in blocks. */
  public long singleUploadThreshold() {
    return singleUploadThreshold;
  }

  String connectionString() {
    return connectionString;
  }

  String accountKey() {
    return accountKey;
  }

  String sasToken() {
    return sasToken;
  }

  /** {@code az://account/container/prefix}, for messages; {@code az://?/?/} parts unset. */
  String location() {
    return "az://"
        + (account == null ? "?" : account)
        + "/"
        + (container == null ? "?" : container)
        + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
  }

  /** The endpoint to use: the configured one, or the public endpoint of the account. */
  String effectiveEndpoint() {
    if (endpoint != null) {
      return endpoint.toString();
    }
    return "https://" + account + PUBLIC_HOST_SUFFIX;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AzureStorageConfig c
        && Objects.equals(account, c.account)
        && Objects.equals(container, c.container)
        && prefix.equals(c.prefix)
        && Objects.equals(endpoint, c.endpoint)
        && Objects.equals(connectionString, c.connectionString)
        && Objects.equals(accountKey, c.accountKey)
        && Objects.equals(sasToken, c.sasToken)
        && Objects.equals(encryptionScope, c.encryptionScope)
        && Objects.equals(accessTier, c.accessTier)
        && timeout.equals(c.timeout)
        && maxAttempts == c.maxAttempts
        && blockSize == c.blockSize
        && singleUploadThreshold == c.singleUploadThreshold;
  }

  @Override
  public int hashCode() {
    return Objects.hash(account, container, prefix, endpoint, encryptionScope, accessTier);
  }

  /** The settings with the credential replaced by its kind. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("AzureStorageConfig{").append(location());
    if (endpoint != null) {
      sb.append(", endpoint=").append(endpoint);
    }
    sb.append(", credential=").append(credentialKind());
    if (encryptionScope != null) {
      sb.append(", encryptionScope=").append(encryptionScope);
    }
    if (accessTier != null) {
      sb.append(", accessTier=").append(accessTier);
    }
    return sb.append(", timeout=")
        .append(timeout)
        .append(", maxAttempts=")
        .append(maxAttempts)
        .append(", blockSize=")
        .append(blockSize)
        .append(", singleUploadThreshold=")
        .append(singleUploadThreshold)
        .append('}')
        .toString();
  }

  /**
   * Builds an {@link AzureStorageConfig}. Every setter validates its argument at once and throws
   * {@link IllegalArgumentException} naming the bad value (never the value of a secret).
   */
  public static final class Builder {
    private String account;
    private String container;
    private String prefix = "";
    private URI endpoint;
    private String connectionString;
    private String accountKey;
    private String sasToken;
    private String encryptionScope;
    private String accessTier;
    private Duration timeout = DEFAULT_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private long blockSize = DEFAULT_BLOCK_SIZE;
    private long singleUploadThreshold = DEFAULT_SINGLE_UPLOAD_THRESHOLD;

    private Builder() {}

    /** Storage account name: 3 to 24 lowercase letters and digits. No default. */
    public Builder account(String account) {
      requireNonNull(account, "account is null");
      if (!ACCOUNT.matcher(account).matches()) {
        throw new IllegalArgumentException(
            "invalid Azure storage account name '"
                + account
                + "': expected 3 to 24 lowercase letters and digits");
      }
      this.account = account;
      return this;
    }

    /**
     * Container name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending
     * with a letter or digit. No default.
     */
    public Builder container(String container) {
      requireNonNull(container, "container is null");
      if (!CONTAINER.matcher(container).matches()) {
        throw new IllegalArgumentException(
            "invalid Azure container name '"
                + container
                + "': expected 3 to 63 lowercase letters, digits and single hyphens,"
                + " starting and ending with a letter or digit");
      }
      this.container = container;
      return this;
    }

    /**
     * Key prefix inside the container, e.g. {@code pg/main}; slashes at either end are dropped
     * ({@link StorageOptions#normalizePrefix}). Default: empty (the whole container).
     */
    public Builder prefix(String prefix) {
      String p = StorageOptions.normalizePrefix(prefix);
      this.prefix = p.isEmpty() ? "" : p + "/";
      return this;
    }

    /**
     * Blob service endpoint, {@code http} or {@code https}, without query; e.g. a private endpoint
     * or {@code http://127.0.0.1:10000/devstoreaccount1} for Azurite. Default: {@code
     * https://<account>.blob.core.windows.net}.
     */
    public Builder endpoint(URI endpoint) {
      requireNonNull(endpoint, "endpoint is null");
      String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme();
      if (!endpoint.isAbsolute()
          || endpoint.isOpaque()
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || endpoint.getHost() == null
          || endpoint.getRawQuery() != null
          || endpoint.getRawFragment() != null
          || endpoint.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "invalid Azure endpoint '"
                + redactUrl(endpoint)
                + "': expected http(s)://host[:port][/path] without query, e.g."
                + " https://myaccount.blob.core.windows.net");
      }
      String s = endpoint.toString();
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      this.endpoint = URI.create(s);
      return this;
    }

    /**
     * Authenticates with a storage connection string (it names the account and endpoint; it cannot
     * be combined with {@link #endpoint(URI)}). Default: none.
     */
    public Builder connectionString(String connectionString) {
      requireNonNull(connectionString, "connectionString is null");
      Map<String, String> parts = connectionStringParts(connectionString);
      if (parts.isEmpty()
          || !(parts.containsKey("accountname")
              || parts.containsKey("blobendpoint")
              || parts.containsKey("usedevelopmentstorage"))) {
        throw new IllegalArgumentException(
            "invalid "
                + CONNECTION_STRING
                + " (value not shown): expected Name=value pairs separated by ';' including"
                + " AccountName or BlobEndpoint");
      }
      this.connectionString = connectionString;
      return this;
    }

    /** Authenticates with the account's shared key (base64). Default: none. */
    public Builder accountKey(String accountKey) {
      requireNonNull(accountKey, "accountKey is null");
      String k = accountKey.strip();
      boolean valid;
      try {
        valid = !k.isEmpty() && Base64.getDecoder().decode(k).length > 0;
      } catch (IllegalArgumentException e) {
        valid = false;
      }
      if (!valid) {
        throw new IllegalArgumentException(
            "invalid " + ACCOUNT_KEY + " (value not shown): expected the base64 account key");
      }
      this.accountKey = k;
      return this;
    }

    /**
     * Authenticates with a shared access signature, with or without a leading {@code ?}. It needs
     * read, create, write, list and delete permissions on the container. Default: none.
     */
    public Builder sasToken(String sasToken) {
      requireNonNull(sasToken, "sasToken is null");
      String t = sasToken.strip();
      if (t.startsWith("?")) {
        t = t.substring(1);
      }
      if (!t.matches("(?:[^&=\\s]+=[^&\\s]*)(?:&[^&=\\s]+=[^&\\s]*)*") || !hasParameter(t, "sig")) {
        throw new IllegalArgumentException(
            "invalid "
                + SAS_TOKEN
                + " (value not shown): expected a query string like sv=...&sig=...");
      }
      this.sasToken = t;
      return this;
    }

    /** Encryption scope for new blobs (1 to 63 letters, digits and hyphens). Default: none. */
    public Builder encryptionScope(String encryptionScope) {
      requireNonNull(encryptionScope, "encryptionScope is null");
      if (!ENCRYPTION_SCOPE_NAME.matcher(encryptionScope).matches()) {
        throw new IllegalArgumentException(
            "invalid Azure encryption scope '"
                + encryptionScope
                + "': expected 1 to 63 letters, digits and hyphens");
      }
      this.encryptionScope = encryptionScope;
      return this;
    }

    /**
     * Access tier for new blobs: {@code Hot}, {@code Cool} or {@code Cold} (any case). {@code
     * Archive} is refused: archived blobs cannot be read without hours of rehydration, so recovery
     * would fail. Default: none (the account's default tier).
     */
    public Builder accessTier(String accessTier) {
      requireNonNull(accessTier, "accessTier is null");
      String tier =
          switch (accessTier.strip().toLowerCase(Locale.ROOT)) {
            case "hot" -> "Hot";
            case "cool" -> "Cool";
            case "cold" -> "Cold";
            case "archive" ->
                throw new IllegalArgumentException(
                    "Azure access tier 'Archive' is not supported: archived blobs cannot be read"
                        + " without rehydration, so restore_command would fail; use Hot, Cool or"
                        + " Cold and a lifecycle rule for older WAL");
            default ->
                throw new IllegalArgumentException(
                    "invalid Azure access tier '" + accessTier + "': expected Hot, Cool or Cold");
          };
      this.accessTier = tier;
      return this;
    }

    /** Timeout of one attempt of one request, 1 second to 1 hour. Default: 60 seconds. */
    public Builder timeout(Duration timeout) {
      requireNonNull(timeout, "timeout is null");
      if (timeout.compareTo(Duration.ofSeconds(1)) < 0
          || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "invalid Azure timeout " + timeout + ": expected 1 second to 1 hour");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Attempts per request including the first, 1 to 20; transient failures (throttling, 5xx,
     * timeouts, connection errors) are retried with exponential backoff. Default: 4.
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > 20) {
        throw new IllegalArgumentException(
            "invalid Azure max attempts " + maxAttempts + ": expected 1 to 20");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Block size of block uploads, 64 KiB to 256 MiB. An upload holds about one block in memory.
     * Default: 8 MiB.
     */
    public Builder blockSize(long blockSize) {
      if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
        throw new IllegalArgumentException(
            "invalid Azure block size "
                + blockSize
                + ": expected "
                + MIN_BLOCK_SIZE
                + " (64 KiB) to "
                + MAX_BLOCK_SIZE
                + " (256 MiB) bytes");
      }
      this.blockSize = blockSize;
      return this;
    }

    /**
     * Objects up to this many bytes (0 to 256 MiB) are uploaded with one request, holding them in
     * memory; larger ones are uploaded in blocks of {@link #blockSize(long)}. Default: 32 MiB, so
     * that a 16 MiB WAL segment takes one request.
     */
    public Builder singleUploadThreshold(long singleUploadThreshold) {
      if (singleUploadThreshold < 0 || singleUploadThreshold > MAX_SINGLE_UPLOAD_THRESHOLD) {
        throw new IllegalArgumentException(
            "invalid Azure single upload threshold "
                + singleUploadThreshold
                + ": expected 0 to "
                + MAX_SINGLE_UPLOAD_THRESHOLD
                + " (256 MiB) bytes");
      }
      this.singleUploadThreshold = singleUploadThreshold;
      return this;
    }

    /**
     * Sets one option by its name ({@code azure.account-key}, ...; see {@link AzureStorageConfig}),
     * parsing the text value.
     */
    Builder option(String name, String value) {
      requireNonNull(value, name + " is null");
      switch (name) {
        case CONNECTION_STRING -> connectionString(value);
        case ACCOUNT_KEY -> accountKey(value);
        case SAS_TOKEN -> sasToken(value);
        case ENDPOINT -> {
          try {
            endpoint(new URI(value.strip()));
          } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                "invalid " + ENDPOINT + " '" + withoutQuery(value) + "': " + e.getReason());
          }
        }
        case ENCRYPTION_SCOPE -> encryptionScope(value.strip());
        case ACCESS_TIER -> accessTier(value);
        case TIMEOUT -> timeout(OptionValues.parseDuration(TIMEOUT, value));
        case MAX_ATTEMPTS -> maxAttempts(parseInt(MAX_ATTEMPTS, value));
        case BLOCK_SIZE -> blockSize(OptionValues.parseSize(BLOCK_SIZE, value));
        case SINGLE_UPLOAD_THRESHOLD ->
            singleUploadThreshold(OptionValues.parseSize(SINGLE_UPLOAD_THRESHOLD, value));
        default ->
            throw new IllegalArgumentException(
                "unknown Azure option '" + name + "'; known: " + String.join(", ", sorted()));
      }
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException if more than one credential is set, or a connection string
     *     is combined with an endpoint or names another account
     */
    public AzureStorageConfig build() {
      int credentials =
          (connectionString != null ? 1 : 0)
              + (accountKey != null ? 1 : 0)
              + (sasToken != null ? 1 : 0);
      if (credentials > 1) {
        throw new IllegalArgumentException(
            "more than one Azure credential is set; set only one of "
                + CONNECTION_STRING
                + ", "
                + ACCOUNT_KEY
                + " and "
                + SAS_TOKEN);
      }
      if (connectionString != null) {
        if (endpoint != null) {
          throw new IllegalArgumentException(
              ENDPOINT
                  + " cannot be combined with "
                  + CONNECTION_STRING
                  + ", which names the endpoint (BlobEndpoint=...)");
        }
        String named = connectionStringParts(connectionString).get("accountname");
        if (named != null && account != null && !named.equals(account)) {
          throw new IllegalArgumentException(
              "the "
                  + CONNECTION_STRING
                  + " is for account '"
                  + named
                  + "', but the archive URL names account '"
                  + account
                  + "'");
        }
      }
      return new AzureStorageConfig(this);
    }
  }

  private static String withoutQuery(String s) {
    int q = s.indexOf('?');
    return q < 0 ? s : s.substring(0, q) + "?...";
  }

  private static boolean hasParameter(String query, String name) {
    for (String pair : query.split("&")) {
      if (pair.startsWith(name + "=") && pair.length() > name.length() + 1) {
        return true;
      }
    }
    return false;
  }

  /** Lowercased names to values; values may hold secrets. */
  static Map<String, String> connectionStringParts(String connectionString) {
    Map<String, String> parts = new TreeMap<>();
    for (String part : connectionString.split(";")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        return Map.of();
      }
      parts.put(p.substring(0, eq).strip().toLowerCase(Locale.ROOT), p.substring(eq + 1).strip());
    }
    return parts;
  }

  static int parseInt(String option, String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "invalid " + option + " '" + value + "': expected a whole number");
    }
  }
}
