package dev.walarchive.gcs;

import static java.util.Objects.requireNonNull;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobField;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.Storage.BlobWriteOption;
import com.google.cloud.storage.StorageBatch;
import com.google.cloud.storage.StorageBatchResult;
import com.google.cloud.storage.StorageClass;
import com.google.cloud.storage.StorageException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.spi.DeleteBatches;
import dev.walarchive.core.storage.spi.ExactLength;
import dev.walarchive.core.storage.spi.LazyClient;
import dev.walarchive.core.storage.spi.LookaheadIterator;
import dev.walarchive.core.storage.spi.StorageErrors;
import dev.walarchive.core.storage.spi.StorageKeys;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ArchiveStorage} on a Cloud Storage bucket through the JSON API client. Objects are named
 * {@code prefix/key}; user metadata is the object's custom metadata.
 */
final class GcsArchiveStorage implements ArchiveStorage {
  /** Objects per batch request; the JSON API allows 100. */
  static final int DELETE_BATCH_SIZE = 100;

  static final int LIST_PAGE_SIZE = 1000;
  static final String CONTENT_TYPE = "application/octet-stream";

  private static final int COPY_BUFFER_SIZE = 64 * 1024;

  /** Builds the client on first use; may throw if credentials cannot be loaded. */
  interface ClientFactory {
    Storage create() throws IOException;
  }

  private final String bucket;
  private final String namePrefix;
  private final GcsStorageConfig config;
  private final LazyClient<Storage> client;

  GcsArchiveStorage(
      String bucket,
      String prefix,
      GcsStorageConfig config,
      ClientFactory factory,
      boolean ownsClient) {
    this.bucket = requireNonNull(bucket, "bucket is null");
    this.namePrefix = requireNonNull(prefix, "prefix is null").isEmpty() ? "" : prefix + "/";
    this.config = requireNonNull(config, "config is null");
    requireNonNull(factory, "factory is null");
    this.client =
        LazyClient.building(
            "gs://" + bucket + "/" + namePrefix,
            factory::create,
            ownsClient ? GcsArchiveStorage::closeClient : c -> {});
  }

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    StorageKeys.checkKey(key);
    requireNonNull(content, "content is null");
    Map<String, String> checked = StorageKeys.checkMetadata(metadata);
    long length = content.length();
    if (length < 0) {
      throw new IllegalArgumentException("content of " + key + " has negative length " + length);
    }
    BlobInfo.Builder info =
        BlobInfo.newBuilder(BlobId.of(bucket, name(key)))
            .setContentType(CONTENT_TYPE)
            .setMetadata(checked.isEmpty() ? null : new LinkedHashMap<>(checked));
    config.storageClass().ifPresent(c -> info.setStorageClass(StorageClass.valueOf(c)));
    Storage storage = client();
    if (length <= config.uploadChunkSize()) {
      byte[] bytes = ExactLength.readAll(key, content);
      List<BlobTargetOption> options = new ArrayList<>();
      options.add(BlobTargetOption.doesNotExist());
      options.add(BlobTargetOption.disableGzipContent());
      config.kmsKeyName().ifPresent(k -> options.add(BlobTargetOption.kmsKeyName(k)));
      try {
        storage.create(info.build(), bytes, options.toArray(BlobTargetOption[]::new));
      } catch (StorageException e) {
        throw GcsExceptions.translate("create", key, location(key), e);
      }
    } else {
      createResumable(storage, key, info.build(), content, length);
    }
  }

  private void createResumable(
      Storage storage, String key, BlobInfo info, ObjectSource content, long length)
      throws IOException {
    List<BlobWriteOption> options = new ArrayList<>();
    options.add(BlobWriteOption.doesNotExist());
    options.add(BlobWriteOption.disableGzipContent());
    config.kmsKeyName().ifPresent(k -> options.add(BlobWriteOption.kmsKeyName(k)));
    WriteChannel writer;
    try {
      writer = storage.writer(info, options.toArray(BlobWriteOption[]::new));
    } catch (StorageException e) {
      throw GcsExceptions.translate("create", key, location(key), e);
    }
    writer.setChunkSize(config.uploadChunkSize());
    // The upload is committed by close(); on any failure before that the writer is dropped
    // unclosed, so no object appears (the service discards the unfinished session).
    try (InputStream in = ExactLength.open(key, content)) {
      byte[] buffer = new byte[COPY_BUFFER_SIZE];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        write(writer, ByteBuffer.wrap(buffer, 0, n), key);
      }
    }
    try {
      writer.close();
    } catch (IOException | StorageException e) {
      throw GcsExceptions.translate("create", key, location(key), e);
    }
  }

  private void write(WriteChannel writer, ByteBuffer chunk, String key) throws IOException {
    try {
      while (chunk.hasRemaining()) {
        writer.write(chunk);
      }
    } catch (IOException | StorageException e) {
      throw GcsExceptions.translate("create", key, location(key), e);
    }
  }

  @Override
  public InputStream open(String key) throws IOException {
    StorageKeys.checkKey(key);
    Storage storage = client();
    String location = location(key);
    ReadChannel channel;
    try {
      channel = storage.reader(BlobId.of(bucket, name(key)));
    } catch (StorageException e) {
      throw GcsExceptions.translate("open", key, location, e);
    }
    InputStream in = new TranslatingInputStream(Channels.newInputStream(channel), key, location);
    // The first read sends the request; do it now so that a missing object fails here.
    PushbackInputStream pushback = new PushbackInputStream(in, 1);
    boolean ok = false;
    try {
      int first = pushback.read();
      if (first >= 0) {
        pushback.unread(first);
      }
      ok = true;
      return pushback;
    } finally {
      if (!ok) {
        closeQuietly(pushback);
      }
    }
  }

  @Override
  public ObjectStat stat(String key) throws IOException {
    StorageKeys.checkKey(key);
    Storage storage = client();
    Blob blob;
    try {
      blob = storage.get(BlobId.of(bucket, name(key)));
    } catch (StorageException e) {
      throw GcsExceptions.translate("stat", key, location(key), e);
    }
    if (blob == null) {
      throw StorageErrors.notFound(key, location(key), null);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    if (blob.getMetadata() != null) {
      blob.getMetadata()
          .forEach(
              (k, v) -> {
                if (k != null && v != null) {
                  metadata.put(k, v);
                }
              });
    }
    return new ObjectStat(key, size(blob), created(blob), metadata);
  }

  @Override
  public ObjectIterator list(String prefix) throws IOException {
    StorageKeys.checkPrefix(prefix);
    return new GcsObjectIterator(client(), namePrefix + prefix, prefix);
  }

  @Override
  public void delete(Collection<String> keys) throws IOException {
    client.checkOpen();
    DeleteBatches.delete(keys, DELETE_BATCH_SIZE, this::deleteBatch);
  }

  /**
   * One batch request. Keys whose delete failed transiently, and all keys if the batch request
   * failed transiently (or the transport has no batches, like gRPC), are deleted again one by one,
   * which the client retries; a batch request refused for good fails all its keys.
   */
  private Map<String, String> deleteBatch(List<String> keys) throws IOException {
    Storage storage = client.get();
    Map<String, String> failures = new LinkedHashMap<>();
    Map<String, StorageBatchResult<Boolean>> results = new LinkedHashMap<>();
    List<String> retry = new ArrayList<>();
    try {
      StorageBatch batch = storage.batch();
      for (String key : keys) {
        results.put(key, batch.delete(BlobId.of(bucket, name(key))));
      }
      batch.submit();
    } catch (UnsupportedOperationException e) {
      retry.addAll(keys);
      results.clear();
    } catch (StorageException e) {
      if (!GcsExceptions.isTransient(e)) {
        throw GcsExceptions.translate(
            "delete of " + keys.size() + " objects", keys.get(0), location(keys.get(0)), e);
      }
      retry.addAll(keys);
      results.clear();
    }
    for (Map.Entry<String, StorageBatchResult<Boolean>> e : results.entrySet()) {
      try {
        e.getValue().get(); // false: the object was already gone
      } catch (StorageException failure) {
        if (GcsExceptions.isTransient(failure)) {
          retry.add(e.getKey());
        } else {
          failures.put(e.getKey(), GcsExceptions.describe(failure));
        }
      } catch (IllegalStateException notCompleted) {
        retry.add(e.getKey());
      }
    }
    for (String key : retry) {
      try {
        storage.delete(BlobId.of(bucket, name(key)));
      } catch (StorageException failure) {
        if (failure.getCode() != GcsExceptions.NOT_FOUND) {
          failures.put(key, GcsExceptions.describe(failure));
        }
      }
    }
    return failures;
  }

  @Override
  public void close() throws IOException {
    client.close();
  }

  private static void closeClient(Storage storage) throws IOException {
    try {
      storage.close();
    } catch (Exception e) {
      throw new IOException("cannot close the GCS client: " + GcsExceptions.describe(e), e);
    }
  }

  @Override
  public String toString() {
    return "GcsArchiveStorage[gs://" + bucket + "/" + namePrefix + "]";
  }

  Storage client() throws IOException {
    return client.get();
  }

  private String name(String key) {
    return namePrefix + key;
  }

  private String location(String key) {
    return "gs://" + bucket + "/" + namePrefix + key;
  }

  private static long size(Blob blob) {
    Long size = blob.getSize();
    return size == null ? 0 : size;
  }

  private static Instant created(Blob blob) {
    OffsetDateTime created = blob.getCreateTimeOffsetDateTime();
    if (created == null) {
      created = blob.getUpdateTimeOffsetDateTime();
    }
    return created == null ? Instant.EPOCH : created.toInstant();
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // already failing
    }
  }

  /** Translates client failures while reading. */
  private static final class TranslatingInputStream extends FilterInputStream {
    private final String key;
    private final String location;

    TranslatingInputStream(InputStream in, String key, String location) {
      super(in);
      this.key = key;
      this.location = location;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException | StorageException e) {
        throw GcsExceptions.translate("open", key, location, e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException | StorageException e) {
        throw GcsExceptions.translate("open", key, location, e);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return super.skip(n);
      } catch (IOException | StorageException e) {
        throw GcsExceptions.translate("open", key, location, e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } catch (IOException | StorageException e) {
        throw GcsExceptions.translate("open", key, location, e);
      }
    }
  }

  /** Streams a listing page by page; each page is one request. */
  private final class GcsObjectIterator extends LookaheadIterator {
    private final Storage storage;
    private final String listPrefix;
    private final String keyPrefix;
    private Page<Blob> page;
    private Iterator<Blob> current;
    private boolean started;

    GcsObjectIterator(Storage storage, String listPrefix, String keyPrefix) {
      this.storage = storage;
      this.listPrefix = listPrefix;
      this.keyPrefix = keyPrefix;
    }

    @Override
    protected ObjectEntry advance() throws IOException {
      while (true) {
        if (current != null && current.hasNext()) {
          Blob blob = current.next();
          String name = blob.getName();
          if (name.startsWith(namePrefix)) {
            return new ObjectEntry(name.substring(namePrefix.length()), size(blob), created(blob));
          }
          continue;
        }
        if (!fetchPage()) {
          return null;
        }
      }
    }

    private boolean fetchPage() throws IOException {
      try {
        if (!started) {
          started = true;
          page =
              storage.list(
                  bucket,
                  BlobListOption.prefix(listPrefix),
                  BlobListOption.pageSize(LIST_PAGE_SIZE),
                  BlobListOption.fields(BlobField.NAME, BlobField.SIZE, BlobField.TIME_CREATED));
        } else if (page != null && page.hasNextPage()) {
          page = page.getNextPage();
        } else {
          page = null;
        }
      } catch (StorageException e) {
        throw GcsExceptions.translate("list", keyPrefix, "gs://" + bucket + "/" + listPrefix, e);
      }
      if (page == null) {
        current = null;
        return false;
      }
      current = page.getValues().iterator();
      return true;
    }
  }
}
