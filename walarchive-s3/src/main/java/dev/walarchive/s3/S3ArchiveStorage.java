package dev.walarchive.s3;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.OpenedObject;
import dev.walarchive.core.storage.spi.ContentLengthException;
import dev.walarchive.core.storage.spi.DeleteBatches;
import dev.walarchive.core.storage.spi.ExactLength;
import dev.walarchive.core.storage.spi.LazyClient;
import dev.walarchive.core.storage.spi.SecretScrubber;
import dev.walarchive.core.storage.spi.StorageErrors;
import dev.walarchive.core.storage.spi.StorageKeys;
import dev.walarchive.s3.S3StorageConfig.Checksum;
import dev.walarchive.s3.S3StorageConfig.ConditionalWrites;
import dev.walarchive.s3.S3StorageConfig.ServerSideEncryption;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * An {@link ArchiveStorage} on one bucket and prefix of S3 or an S3-compatible store.
 *
 * <p>create is one PutObject with {@code If-None-Match: *} (or, above the multipart threshold, a
 * multipart upload completed with {@code If-None-Match: *}); 412 means the key exists, 409 {@code
 * ConditionalRequestConflict} (a concurrent write of the key) restarts the write after a short
 * backoff. No call on the push and fetch paths asks for the bucket's existence or location.
 */
final class S3ArchiveStorage implements ArchiveStorage {
  private static final Logger LOG = LoggerFactory.getLogger(S3ArchiveStorage.class);

  /** Fact recorded by {@link #initializeArchive()}. */
  static final String FACT_CONDITIONAL_WRITES = "s3.conditional-writes";

  static final String VERIFIED = "verified";
  static final String UNSAFE_ALLOWED = "unsafe-allowed";
  static final String PROBE_PREFIX = ".walarchive/conditional-write-probe-";

  /**
   * Metadata name of the random id of each write; never a user metadata name (those have no dash)
   * and never returned by {@link #stat(String)}.
   */
  static final String WRITE_ID = "walarchive-write-id";

  private static final SecureRandom RANDOM = new SecureRandom();

  static final int DELETE_BATCH = 1000;
  static final int MAX_PARTS = 10_000;
  static final int CONFLICT_ATTEMPTS = 6;
  private static final long CONFLICT_BACKOFF_MILLIS = 100;
  private static final long CONFLICT_BACKOFF_MAX_MILLIS = 3_000;
  private static final String CONTENT_TYPE = "application/octet-stream";

  /** Creates the client on first use; called at most once. */
  interface ClientFactory {
    S3Clients.Owned create() throws IOException;
  }

  private final String bucket;
  private final String root;
  private final S3StorageConfig config;
  private final LazyClient<S3Clients.Owned> clients;
  private final SecretScrubber scrubber;

  /** A storage that builds its own client from {@code config} on first use. */
  S3ArchiveStorage(S3StorageConfig config) {
    this(
        config.bucket().orElseThrow(() -> new IllegalArgumentException("config has no bucket")),
        config.prefix(),
        config,
        () -> S3Clients.build(config),
        null);
  }

  /** A storage on an injected client, which the caller closes. */
  S3ArchiveStorage(S3Client client, String bucket, String prefix, S3StorageConfig config) {
    this(bucket, prefix, config, null, requireNonNull(client, "client is null"));
  }

  private S3ArchiveStorage(
      String bucket,
      String prefix,
      S3StorageConfig config,
      ClientFactory factory,
      S3Client injected) {
    this.bucket = requireNonNull(bucket, "bucket is null");
    this.root = prefix.isEmpty() ? "" : prefix + "/";
    this.config = requireNonNull(config, "config is null");
    this.scrubber =
        SecretScrubber.of(
            java.util.Arrays.asList(
                config.accessKeyId().orElse(null),
                config.secretAccessKey().orElse(null),
                config.sessionToken().orElse(null)));
    this.clients =
        injected != null
            ? LazyClient.injected(toString(), new S3Clients.Owned(injected, null))
            : LazyClient.building(
                toString(),
                factory::create,
                S3Clients.Owned::close,
                e ->
                    new IOException(
                        "could not set up the S3 client for "
                            + this
                            + ": "
                            + scrubber.oneLine(e.getMessage()),
                        scrubber.scrubbed(e)));
  }

  // ---- create ----

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    String objectKey = objectKey(key);
    Map<String, String> meta = StorageKeys.checkMetadata(metadata);
    requireNonNull(content, "content is null");
    if (config.conditionalWrites() == ConditionalWrites.UNSAFE_ALLOW_OVERWRITE) {
      // the store may ignore If-None-Match: catch at least the sequential re-push
      if (exists(key, objectKey)) {
        throw StorageErrors.alreadyExists(key, location(objectKey), null);
      }
    }
    putIfAbsent(key, objectKey, content, meta);
  }

  /**
   * Writes with If-None-Match: *, restarting on 409 ConditionalRequestConflict. Each write carries
   * a random write id in its metadata: when the store answers 412 (or NoSuchUpload) to a request
   * the SDK retried after an ambiguous failure, the object may be this very write, and the id
   * tells.
   */
  private void putIfAbsent(
      String key, String objectKey, ObjectSource content, Map<String, String> meta)
      throws IOException {
    S3Client s3 = client();
    Map<String, String> withId = new HashMap<>(meta);
    String writeId = HexFormat.of().formatHex(randomBytes(16));
    withId.put(WRITE_ID, writeId);
    for (int attempt = 1; ; attempt++) {
      try {
        if (content.length() > config.multipartThreshold()) {
          multipartUpload(s3, key, objectKey, content, withId);
        } else {
          singlePut(s3, key, objectKey, content, withId);
        }
        return;
      } catch (SdkException e) {
        if (S3Exceptions.isConditionalConflict(e) && attempt < CONFLICT_ATTEMPTS) {
          LOG.debug("concurrent write of {}, attempt {}: retrying", location(objectKey), attempt);
          backoff(attempt);
          continue;
        }
        if ((S3Exceptions.isPreconditionFailed(e) || S3Exceptions.isNoSuchUpload(e))
            && writeId.equals(storedWriteId(objectKey))) {
          LOG.debug("{} was written by an earlier attempt of this create", location(objectKey));
          return;
        }
        throw translate("create", key, location(objectKey), e);
      } catch (S3UploadBody.ContentMismatchException e) {
        throw e.exception();
      }
    }
  }

  private String storedWriteId(String objectKey) {
    try {
      return client()
          .headObject(HeadObjectRequest.builder().bucket(bucket).key(objectKey).build())
          .metadata()
          .get(WRITE_ID);
    } catch (SdkException | IOException e) {
      return null;
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private void singlePut(
      S3Client s3, String key, String objectKey, ObjectSource content, Map<String, String> meta)
      throws IOException {
    long length = content.length();
    if (length == 0) {
      // the SDK reads nothing of an empty body: check here that the content is empty too
      ExactLength.readAll(key, content);
    }
    PutObjectRequest.Builder request =
        PutObjectRequest.builder()
            .bucket(bucket)
            .key(objectKey)
            .ifNoneMatch("*")
            .contentLength(length)
            .contentType(CONTENT_TYPE)
            .metadata(meta);
    if (config.sse() != ServerSideEncryption.NONE) {
      request
          .serverSideEncryption(config.sse().value())
          .ssekmsKeyId(config.sseKmsKeyId().orElse(null));
    }
    config.storageClass().ifPresent(request::storageClass);
    if (config.checksum() == Checksum.MD5) {
      request.contentMD5(md5(key, content));
    } else {
      request.checksumAlgorithm(checksumAlgorithm());
    }
    try (S3UploadBody body = new S3UploadBody(key, content)) {
      s3.putObject(request.build(), RequestBody.fromContentProvider(body, length, CONTENT_TYPE));
    }
  }

  private void multipartUpload(
      S3Client s3, String key, String objectKey, ObjectSource content, Map<String, String> meta)
      throws IOException {
    long length = content.length();
    long partSize = Math.max(config.partSize(), (length + MAX_PARTS - 1) / MAX_PARTS);
    if (partSize > Integer.MAX_VALUE - 64) {
      throw new IOException(
          "create " + key + ": object of " + length + " bytes is too large for S3");
    }
    CreateMultipartUploadRequest.Builder create =
        CreateMultipartUploadRequest.builder()
            .bucket(bucket)
            .key(objectKey)
            .contentType(CONTENT_TYPE)
            .metadata(meta);
    if (config.sse() != ServerSideEncryption.NONE) {
      create
          .serverSideEncryption(config.sse().value())
          .ssekmsKeyId(config.sseKmsKeyId().orElse(null));
    }
    config.storageClass().ifPresent(create::storageClass);
    if (config.checksum() != Checksum.MD5) {
      create.checksumAlgorithm(checksumAlgorithm());
    }
    String uploadId = s3.createMultipartUpload(create.build()).uploadId();
    boolean completed = false;
    try (InputStream in = ExactLength.open(key, content)) {
      byte[] buffer = new byte[(int) Math.min(partSize, length)];
      List<CompletedPart> parts = new ArrayList<>();
      long remaining = length;
      for (int partNumber = 1; remaining > 0; partNumber++) {
        int n = (int) Math.min(buffer.length, remaining);
        int read = in.readNBytes(buffer, 0, n);
        if (read < n) {
          throw new ContentLengthException(key, length, false, length - remaining + read);
        }
        UploadPartRequest.Builder part =
            UploadPartRequest.builder()
                .bucket(bucket)
                .key(objectKey)
                .uploadId(uploadId)
                .partNumber(partNumber)
                .contentLength((long) n);
        if (config.checksum() == Checksum.MD5) {
          part.contentMD5(md5(buffer, n));
        } else {
          part.checksumAlgorithm(checksumAlgorithm());
        }
        UploadPartResponse response =
            s3.uploadPart(
                part.build(),
                RequestBody.fromContentProvider(
                    () -> new ByteArrayInputStream(buffer, 0, n), n, CONTENT_TYPE));
        parts.add(
            CompletedPart.builder()
                .partNumber(partNumber)
                .eTag(response.eTag())
                .checksumCRC32(response.checksumCRC32())
                .checksumCRC32C(response.checksumCRC32C())
                .checksumSHA256(response.checksumSHA256())
                .build());
        remaining -= n;
      }
      s3.completeMultipartUpload(
          CompleteMultipartUploadRequest.builder()
              .bucket(bucket)
              .key(objectKey)
              .uploadId(uploadId)
              .ifNoneMatch("*")
              .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())
              .build());
      completed = true;
    } finally {
      if (!completed) {
        abortQuietly(s3, objectKey, uploadId);
      }
    }
  }

  private void abortQuietly(S3Client s3, String objectKey, String uploadId) {
    try {
      s3.abortMultipartUpload(
          AbortMultipartUploadRequest.builder()
              .bucket(bucket)
              .key(objectKey)
              .uploadId(uploadId)
              .build());
    } catch (SdkException e) {
      LOG.warn(
          "could not abort multipart upload {} of {} (a lifecycle rule for incomplete multipart"
              + " uploads removes its parts): {}",
          uploadId,
          location(objectKey),
          e.getMessage());
    }
  }

  private boolean exists(String key, String objectKey) throws IOException {
    try {
      client().headObject(HeadObjectRequest.builder().bucket(bucket).key(objectKey).build());
      return true;
    } catch (SdkException e) {
      if (S3Exceptions.isNoSuchKey(e)) {
        return false;
      }
      throw translate("create", key, location(objectKey), e);
    }
  }

  // ---- read ----

  @Override
  public InputStream open(String key) throws IOException {
    return openResuming(key);
  }

  @Override
  public OpenedObject openWithStat(String key) throws IOException {
    ResumingInputStream in = openResuming(key);
    GetObjectResponse response = in.current.response();
    Map<String, String> metadata = new HashMap<>(response.metadata());
    metadata.remove(WRITE_ID);
    return new OpenedObject(
        new ObjectStat(key, response.contentLength(), response.lastModified(), metadata), in);
  }

  private ResumingInputStream openResuming(String key) throws IOException {
    String objectKey = objectKey(key);
    GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(objectKey);
    if (config.checksum() != Checksum.MD5) {
      request.checksumMode(ChecksumMode.ENABLED);
    }
    ResponseInputStream<GetObjectResponse> first;
    try {
      first = client().getObject(request.build());
    } catch (SdkException e) {
      throw translate("open", key, location(objectKey), e);
    }
    return new ResumingInputStream(key, objectKey, first);
  }

  @Override
  public ObjectStat stat(String key) throws IOException {
    String objectKey = objectKey(key);
    HeadObjectResponse head;
    try {
      head = client().headObject(HeadObjectRequest.builder().bucket(bucket).key(objectKey).build());
    } catch (SdkException e) {
      throw translate("stat", key, location(objectKey), e);
    }
    Map<String, String> metadata = new HashMap<>(head.metadata());
    metadata.remove(WRITE_ID);
    return new ObjectStat(key, head.contentLength(), head.lastModified(), metadata);
  }

  @Override
  public ObjectIterator list(String prefix) throws IOException {
    StorageKeys.checkPrefix(prefix);
    clients.checkOpen();
    return new Listing(prefix);
  }

  // ---- delete ----

  @Override
  public void delete(Collection<String> keys) throws IOException {
    clients.checkOpen();
    DeleteBatches.delete(keys, DELETE_BATCH, this::deleteBatch);
  }

  private Map<String, String> deleteBatch(List<String> batch) throws IOException {
    List<ObjectIdentifier> ids = new ArrayList<>(batch.size());
    for (String key : batch) {
      ids.add(ObjectIdentifier.builder().key(root + key).build());
    }
    DeleteObjectsResponse response;
    try {
      response =
          client()
              .deleteObjects(
                  DeleteObjectsRequest.builder()
                      .bucket(bucket)
                      .delete(Delete.builder().objects(ids).quiet(true).build())
                      .build());
    } catch (SdkException e) {
      throw translate(
          "delete of " + batch.size() + " objects from", batch.get(0), location(root), e);
    }
    Map<String, String> failures = new TreeMap<>();
    for (S3Error error : response.errors()) {
      if ("NoSuchKey".equals(error.code()) || error.key() == null) {
        continue;
      }
      String key =
          error.key().startsWith(root) ? error.key().substring(root.length()) : error.key();
      failures.put(key, scrubber.oneLine(S3Exceptions.deleteError(error.code(), error.message())));
    }
    return failures;
  }

  // ---- archive hooks ----

  /**
   * Probes whether the store honours {@code If-None-Match: *}: writes a probe object twice. If the
   * second write succeeds, the store would silently overwrite archived files.
   */
  @Override
  public Map<String, String> initializeArchive() throws IOException {
    String probeKey =
        PROBE_PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    String objectKey = objectKey(probeKey);
    Map<String, String> meta = Map.of("probe", "1");
    boolean ignored;
    try {
      putIfAbsent(probeKey, objectKey, probe("first"), meta);
      try {
        putIfAbsent(probeKey, objectKey, probe("second"), meta);
        ignored = true;
      } catch (FileAlreadyExistsException expected) {
        ignored = false;
      }
    } catch (IOException e) {
      throw new IOException(
          "could not probe whether "
              + this
              + " honours conditional writes (If-None-Match: *): "
              + e.getMessage(),
          e);
    } finally {
      deleteProbe(objectKey);
    }
    if (!ignored) {
      return Map.of(FACT_CONDITIONAL_WRITES, VERIFIED);
    }
    if (config.conditionalWrites() == ConditionalWrites.REQUIRED) {
      throw new IOException(
          "the store behind "
              + this
              + " ignores If-None-Match: it silently overwrote an existing object, so a second"
              + " primary or a bad file could replace archived WAL; use a store that supports"
              + " conditional writes (AWS S3, MinIO, Ceph RGW and Cloudflare R2 do), or"
              + " accept the risk with s3.conditional-writes=unsafe-allow-overwrite");
    }
    LOG.warn(
        "the store behind {} ignores If-None-Match; continuing because"
            + " s3.conditional-writes=unsafe-allow-overwrite: concurrent writers of one key can"
            + " overwrite each other",
        this);
    return Map.of(FACT_CONDITIONAL_WRITES, UNSAFE_ALLOWED);
  }

  @Override
  public void checkArchive(Map<String, String> recordedFacts) throws IOException {
    if (UNSAFE_ALLOWED.equals(recordedFacts.get(FACT_CONDITIONAL_WRITES))
        && config.conditionalWrites() == ConditionalWrites.REQUIRED) {
      throw new IOException(
          "the archive at "
              + this
              + " was created on a store that ignores If-None-Match (recorded as "
              + FACT_CONDITIONAL_WRITES
              + "="
              + UNSAFE_ALLOWED
              + "), where archived WAL can be silently overwritten; set"
              + " s3.conditional-writes=unsafe-allow-overwrite to accept that risk, or move the"
              + " archive to a store that supports conditional writes");
    }
  }

  private void deleteProbe(String objectKey) {
    try {
      client().deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(objectKey).build());
    } catch (SdkException | IOException e) {
      LOG.warn(
          "could not delete conditional-write probe {}; delete it by hand: {}",
          location(objectKey),
          e.getMessage());
    }
  }

  private static ObjectSource probe(String text) {
    return ObjectSource.ofBytes(
        ("walarchive conditional-write probe (" + text + " write)\n")
            .getBytes(StandardCharsets.US_ASCII));
  }

  // ---- lifecycle ----

  @Override
  public void close() throws IOException {
    clients.close();
  }

  @Override
  public String toString() {
    return "s3://" + bucket + (root.isEmpty() ? "" : "/" + root.substring(0, root.length() - 1));
  }

  S3Client client() throws IOException {
    return clients.get().client();
  }

  private IOException translate(String operation, String key, String location, SdkException e) {
    return S3Exceptions.translate(operation, key, location, e, scrubber);
  }

  // ---- helpers ----

  private String objectKey(String key) {
    return root + StorageKeys.checkKey(key);
  }

  private String location(String objectKey) {
    return "s3://" + bucket + "/" + objectKey;
  }

  private ChecksumAlgorithm checksumAlgorithm() {
    return switch (config.checksum()) {
      case CRC32C -> ChecksumAlgorithm.CRC32_C;
      case SHA256 -> ChecksumAlgorithm.SHA256;
      default -> ChecksumAlgorithm.CRC32;
    };
  }

  private static void backoff(int attempt) throws InterruptedIOException {
    long cap = Math.min(CONFLICT_BACKOFF_MAX_MILLIS, CONFLICT_BACKOFF_MILLIS << (attempt - 1));
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry a write");
    }
  }

  private static String md5(String key, ObjectSource content) throws IOException {
    MessageDigest md5 = md5();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = ExactLength.open(key, content)) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        md5.update(buffer, 0, n);
      }
    }
    return Base64.getEncoder().encodeToString(md5.digest());
  }

  private static String md5(byte[] buffer, int length) {
    MessageDigest md5 = md5();
    md5.update(buffer, 0, length);
    return Base64.getEncoder().encodeToString(md5.digest());
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is not available", e);
    }
  }

  /**
   * The body of a GetObject that, when the connection breaks or ends early, continues with a ranged
   * GetObject from the current position, pinned to the same ETag, as often as {@code
   * s3.max-attempts} allows.
   */
  private final class ResumingInputStream extends InputStream {
    private final String key;
    private final String objectKey;
    private final long length;
    private final String eTag;
    private ResponseInputStream<GetObjectResponse> current;
    private long position;
    private int resumesLeft;
    private boolean closed;

    ResumingInputStream(
        String key, String objectKey, ResponseInputStream<GetObjectResponse> first) {
      this.key = key;
      this.objectKey = objectKey;
      this.current = first;
      this.length = first.response().contentLength();
      this.eTag = first.response().eTag();
      this.resumesLeft = config.maxAttempts() - 1;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("stream of " + key + " is closed");
      }
      if (len == 0) {
        return 0;
      }
      while (true) {
        IOException failure;
        try {
          int n = current.read(b, off, len);
          if (n >= 0) {
            position += n;
            return n;
          }
          if (position >= length) {
            return -1;
          }
          failure =
              new EOFException("connection ended after " + position + " of " + length + " bytes");
        } catch (IOException e) {
          failure = e;
        } catch (SdkException e) {
          if (position >= length) {
            // all bytes arrived but fail the store's checksum
            throw translate("read", key, location(objectKey), e);
          }
          // a stream cut short fails the checksum at its early end
          failure = new IOException(e.getMessage(), e);
        }
        resume(failure);
      }
    }

    private void resume(IOException failure) throws IOException {
      if (resumesLeft-- <= 0 || eTag == null) {
        throw new IOException(
            "read "
                + key
                + " ("
                + location(objectKey)
                + ") failed at byte "
                + position
                + " of "
                + length
                + ": "
                + failure.getMessage(),
            failure);
      }
      LOG.debug("resuming {} at byte {}: {}", location(objectKey), position, failure.toString());
      current.abort();
      closeQuietly(current);
      try {
        current =
            client()
                .getObject(
                    GetObjectRequest.builder()
                        .bucket(bucket)
                        .key(objectKey)
                        .range("bytes=" + position + "-")
                        .ifMatch(eTag)
                        .build());
      } catch (SdkException e) {
        if (S3Exceptions.isPreconditionFailed(e)) {
          throw new IOException(
              "read " + key + " (" + location(objectKey) + ") failed: the object changed", e);
        }
        throw translate("read", key, location(objectKey), e);
      }
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (position < length) {
        current.abort();
      }
      closeQuietly(current);
    }

    private void closeQuietly(InputStream in) {
      try {
        in.close();
      } catch (IOException | RuntimeException e) {
        // the connection is dropped either way
      }
    }
  }

  /** ListObjectsV2, one page at a time as the iterator advances. */
  private final class Listing implements ObjectIterator {
    private final String prefix;
    private Iterator<S3Object> page = List.<S3Object>of().iterator();
    private String continuationToken;
    private boolean lastPage;

    Listing(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public boolean hasNext() throws IOException {
      while (!page.hasNext() && !lastPage) {
        ListObjectsV2Request.Builder request =
            ListObjectsV2Request.builder().bucket(bucket).prefix(root + prefix);
        if (continuationToken != null) {
          request.continuationToken(continuationToken);
        }
        ListObjectsV2Response response;
        try {
          response = client().listObjectsV2(request.build());
        } catch (SdkException e) {
          throw translate("list", prefix, location(root + prefix), e);
        }
        page = response.contents().iterator();
        continuationToken = response.nextContinuationToken();
        lastPage = !Boolean.TRUE.equals(response.isTruncated()) || continuationToken == null;
      }
      return page.hasNext();
    }

    @Override
    public ObjectEntry next() throws IOException {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      S3Object object = page.next();
      return new ObjectEntry(
          object.key().substring(root.length()), object.size(), object.lastModified());
    }
  }
}
