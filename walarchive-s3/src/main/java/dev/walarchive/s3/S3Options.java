package dev.walarchive.s3;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.OptionSpec;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.core.storage.spi.StorageOptions;
import dev.walarchive.s3.S3StorageConfig.Checksum;
import dev.walarchive.s3.S3StorageConfig.ConditionalWrites;
import dev.walarchive.s3.S3StorageConfig.ServerSideEncryption;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Parses {@code s3://bucket/prefix?query} and {@code s3.*} options into an S3StorageConfig. */
final class S3Options {
  static final String PREFIX = "s3.";

  static final String REGION = "s3.region";
  static final String ENDPOINT = "s3.endpoint";
  static final String PATH_STYLE = "s3.path-style";
  static final String PROFILE = "s3.profile";
  static final String ACCESS_KEY_ID = "s3.access-key-id";
  static final String SECRET_ACCESS_KEY = "s3.secret-access-key";
  static final String SESSION_TOKEN = "s3.session-token";
  static final String SSE = "s3.sse";
  static final String SSE_KMS_KEY_ID = "s3.sse-kms-key-id";
  static final String STORAGE_CLASS = "s3.storage-class";
  static final String API_TIMEOUT = "s3.api-timeout";
  static final String ATTEMPT_TIMEOUT = "s3.attempt-timeout";
  static final String MAX_ATTEMPTS = "s3.max-attempts";
  static final String MULTIPART_THRESHOLD = "s3.multipart-threshold";
  static final String PART_SIZE = "s3.part-size";
  static final String CONDITIONAL_WRITES = "s3.conditional-writes";
  static final String CHECKSUM = "s3.checksum";

  /** Every option, described once, in documentation order (the README's table is made from it). */
  static final List<OptionSpec> SPECS =
      List.of(
          OptionSpec.of(
              REGION,
              OptionSpec.Type.STRING,
              "`aws.region`, `AWS_REGION`, the profile's region; `us-east-1` with a custom endpoint",
              "the bucket's region"),
          OptionSpec.of(
              ENDPOINT,
              OptionSpec.Type.URL,
              "AWS",
              "`http(s)://host[:port]` of an S3-compatible store or a VPC endpoint"),
          OptionSpec.of(
              PATH_STYLE,
              OptionSpec.Type.BOOLEAN,
              "`false`",
              "`https://host/bucket/key` instead of `https://bucket.host/key` (MinIO, Ceph and most self-hosted stores need `true`)"),
          OptionSpec.of(
              PROFILE,
              OptionSpec.Type.STRING,
              "none",
              "named profile of `~/.aws/config` / `~/.aws/credentials`"),
          OptionSpec.secret(
              ACCESS_KEY_ID,
              OptionSpec.Type.STRING,
              "none",
              "static credentials (with the next one)"),
          OptionSpec.secret(SECRET_ACCESS_KEY, OptionSpec.Type.STRING, "none", "secret"),
          OptionSpec.secret(
              SESSION_TOKEN,
              OptionSpec.Type.STRING,
              "none",
              "secret; for temporary static credentials"),
          OptionSpec.of(
              SSE,
              OptionSpec.Type.CHOICE,
              "none (bucket default)",
              "server-side encryption: `AES256` (SSE-S3) or `aws:kms` (SSE-KMS)"),
          OptionSpec.of(
              SSE_KMS_KEY_ID,
              OptionSpec.Type.STRING,
              "bucket/account default key",
              "KMS key id, alias or ARN for `aws:kms`"),
          OptionSpec.of(
              STORAGE_CLASS,
              OptionSpec.Type.STRING,
              "bucket default",
              "e.g. `STANDARD_IA`, `INTELLIGENT_TIERING`, `GLACIER_IR`; `GLACIER` and `DEEP_ARCHIVE` are refused (objects must be restored before `restore_command` could read them)"),
          OptionSpec.of(
              API_TIMEOUT,
              OptionSpec.Type.DURATION,
              "`20m`",
              "limit of one call, retries included (`500ms`, `30s`, `5m`, `1h`, `1d`, `PT2M30S`)"),
          OptionSpec.of(
              ATTEMPT_TIMEOUT,
              OptionSpec.Type.DURATION,
              "`5m`",
              "limit of one HTTP attempt (one part or one small object)"),
          OptionSpec.of(
              MAX_ATTEMPTS,
              OptionSpec.Type.INTEGER,
              "`5`",
              "attempts per call (1-20), SDK standard retry mode: backoff with jitter on throttling, 5xx, timeouts, resets; also how often a broken download is resumed"),
          OptionSpec.of(
              MULTIPART_THRESHOLD,
              OptionSpec.Type.SIZE,
              "`32MiB`",
              "larger objects are uploaded in parts (`1MiB`-`5GiB`)"),
          OptionSpec.of(
              PART_SIZE,
              OptionSpec.Type.SIZE,
              "`16MiB`",
              "part size (`5MiB`-`512MiB`); one buffer of this size per upload in progress"),
          OptionSpec.of(
              CONDITIONAL_WRITES,
              OptionSpec.Type.CHOICE,
              "`required`",
              "`required` or `unsafe-allow-overwrite`, see below"),
          OptionSpec.of(
              CHECKSUM,
              OptionSpec.Type.CHOICE,
              "`crc32`",
              "upload integrity: `crc32`, `crc32c`, `sha256` (an `x-amz-checksum-*` header the store verifies) or `md5` (`Content-MD5`, for stores that predate the checksum headers)"));

  /** Every option's name, in documentation order. */
  static final List<String> ALL = SPECS.stream().map(OptionSpec::name).toList();

  /** Options that are never accepted in a URL and whose values never appear in a message. */
  static final Set<String> CREDENTIALS =
      SPECS.stream()
          .filter(OptionSpec::secret)
          .map(OptionSpec::name)
          .collect(Collectors.toUnmodifiableSet());

  private S3Options() {}

  static S3StorageConfig parse(URI url, Map<String, String> options) {
    requireNonNull(url, "url is null");
    requireNonNull(options, "options is null");
    String shown = S3StorageConfig.redactedUri(url);
    if (url.getScheme() == null || !url.getScheme().equalsIgnoreCase("s3") || url.isOpaque()) {
      throw new IllegalArgumentException(
          "invalid S3 archive URL '" + shown + "': expected s3://bucket/prefix");
    }
    String authority = url.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      throw new IllegalArgumentException(
          "S3 archive URL '" + shown + "' names no bucket: expected s3://bucket/prefix");
    }
    if (authority.contains("@")) {
      throw new IllegalArgumentException(
          "S3 archive URL '"
              + shown
              + "' must not contain credentials; set the options s3.access-key-id and"
              + " s3.secret-access-key");
    }
    if (url.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "S3 archive URL '" + shown + "' must not have a fragment (#...)");
    }
    S3StorageConfig.Builder builder = S3StorageConfig.builder();
    if (authority.contains(":")) {
      throw new IllegalArgumentException(
          "S3 archive URL '"
              + shown
              + "' has a port: the URL names the bucket; set the server with s3.endpoint");
    }
    builder.bucket(authority);
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    if (path.contains("%")) {
      throw new IllegalArgumentException(
          "S3 archive URL '"
              + shown
              + "' has an escaped character in its prefix; a prefix is made of [A-Za-z0-9._/-]");
    }
    builder.prefix(path);

    StorageOptions.collect(url, options, SPECS)
        .forEach((option, value) -> apply(builder, option, value));
    return builder.build();
  }

  private static void apply(S3StorageConfig.Builder b, String option, String value) {
    switch (option) {
      case REGION -> b.region(value);
      case ENDPOINT -> b.endpoint(uri(value));
      case PATH_STYLE -> b.pathStyle(OptionValues.parseBoolean(option, value));
      case PROFILE -> b.profile(value);
      case ACCESS_KEY_ID -> b.accessKeyId(value);
      case SECRET_ACCESS_KEY -> b.secretAccessKey(value);
      case SESSION_TOKEN -> b.sessionToken(value);
      case SSE -> b.sse(sse(value));
      case SSE_KMS_KEY_ID -> b.sseKmsKeyId(value);
      case STORAGE_CLASS -> b.storageClass(value);
      case API_TIMEOUT -> b.apiTimeout(OptionValues.parseDuration(option, value));
      case ATTEMPT_TIMEOUT -> b.attemptTimeout(OptionValues.parseDuration(option, value));
      case MAX_ATTEMPTS -> b.maxAttempts(integer(option, value));
      case MULTIPART_THRESHOLD -> b.multipartThreshold(OptionValues.parseSize(option, value));
      case PART_SIZE -> b.partSize(OptionValues.parseSize(option, value));
      case CONDITIONAL_WRITES -> b.conditionalWrites(conditionalWrites(value));
      case CHECKSUM -> b.checksum(checksum(value));
      default -> throw new AssertionError(option);
    }
  }

  private static URI uri(String value) {
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "invalid s3.endpoint: " + e.getReason() + "; expected e.g. https://minio.example:9000",
          e);
    }
  }

  static int integer(String option, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "invalid " + option + " '" + value + "': expected a whole number", e);
    }
  }

  private static ServerSideEncryption sse(String value) {
    for (ServerSideEncryption sse : ServerSideEncryption.values()) {
      if (sse != ServerSideEncryption.NONE && sse.value().equalsIgnoreCase(value)) {
        return sse;
      }
    }
    if (value.equalsIgnoreCase("none")) {
      return ServerSideEncryption.NONE;
    }
    throw new IllegalArgumentException(
        "invalid s3.sse '" + value + "': expected AES256, aws:kms or none");
  }

  private static ConditionalWrites conditionalWrites(String value) {
    for (ConditionalWrites mode : ConditionalWrites.values()) {
      if (mode.value().equals(value)) {
        return mode;
      }
    }
    throw new IllegalArgumentException(
        "invalid s3.conditional-writes '"
            + value
            + "': expected required (the default) or unsafe-allow-overwrite");
  }

  private static Checksum checksum(String value) {
    for (Checksum checksum : Checksum.values()) {
      if (checksum.value().equalsIgnoreCase(value)) {
        return checksum;
      }
    }
    throw new IllegalArgumentException(
        "invalid s3.checksum '" + value + "': expected crc32 (the default), crc32c, sha256 or md5");
  }
}
