package dev.walarchive.s3;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.StorageOptions;
import dev.walarchive.s3.S3StorageConfig.Checksum;
import dev.walarchive.s3.S3StorageConfig.ConditionalWrites;
import dev.walarchive.s3.S3StorageConfig.ServerSideEncryption;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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

  /** Every option, in documentation order. */
  static final List<String> ALL =
      List.of(
          REGION,
          ENDPOINT,
          PATH_STYLE,
          PROFILE,
          ACCESS_KEY_ID,
          SECRET_ACCESS_KEY,
          SESSION_TOKEN,
          SSE,
          SSE_KMS_KEY_ID,
          STORAGE_CLASS,
          API_TIMEOUT,
          ATTEMPT_TIMEOUT,
          MAX_ATTEMPTS,
          MULTIPART_THRESHOLD,
          PART_SIZE,
          CONDITIONAL_WRITES,
          CHECKSUM);

  /** Options that are never accepted in a URL and whose values never appear in a message. */
  static final Set<String> CREDENTIALS = Set.of(ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN);

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
              + "' must not contain credentials; set WALARCHIVE_S3_ACCESS_KEY_ID and"
              + " WALARCHIVE_S3_SECRET_ACCESS_KEY (or s3.access-key-id and s3.secret-access-key"
              + " in the properties file)");
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

    StorageOptions.collect(url, options, PREFIX, ALL, CREDENTIALS)
        .forEach((option, value) -> apply(builder, option, value));
    return builder.build();
  }

  private static void apply(S3StorageConfig.Builder b, String option, String value) {
    switch (option) {
      case REGION -> b.region(value);
      case ENDPOINT -> b.endpoint(uri(value));
      case PATH_STYLE -> b.pathStyle(StorageOptions.parseBoolean(option, value));
      case PROFILE -> b.profile(value);
      case ACCESS_KEY_ID -> b.accessKeyId(value);
      case SECRET_ACCESS_KEY -> b.secretAccessKey(value);
      case SESSION_TOKEN -> b.sessionToken(value);
      case SSE -> b.sse(sse(value));
      case SSE_KMS_KEY_ID -> b.sseKmsKeyId(value);
      case STORAGE_CLASS -> b.storageClass(value);
      case API_TIMEOUT -> b.apiTimeout(StorageOptions.parseDuration(option, value));
      case ATTEMPT_TIMEOUT -> b.attemptTimeout(StorageOptions.parseDuration(option, value));
      case MAX_ATTEMPTS -> b.maxAttempts(integer(option, value));
      case MULTIPART_THRESHOLD -> b.multipartThreshold(StorageOptions.parseSize(option, value));
      case PART_SIZE -> b.partSize(StorageOptions.parseSize(option, value));
      case CONDITIONAL_WRITES -> b.conditionalWrites(conditionalWrites(value));
      case CHECKSUM -> b.checksum(checksum(value));
      default -> throw new AssertionError(option);
    }
  }

  /** {@code s3.path-style} as the CLI reads it from the environment: WALARCHIVE_S3_PATH_STYLE. */
  static String envName(String option) {
    return "WALARCHIVE_" + option.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
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
