package dev.walarchive.azure;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.batch.BlobBatch;
import com.azure.storage.blob.batch.BlobBatchClient;
import com.azure.storage.blob.batch.BlobBatchClientBuilder;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.spi.ContentLengthException;
import dev.walarchive.core.storage.spi.DeleteBatches;
import dev.walarchive.core.storage.spi.ExactLength;
import dev.walarchive.core.storage.spi.LazyClient;
import dev.walarchive.core.storage.spi.LookaheadIterator;
import dev.walarchive.core.storage.spi.StorageKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@link ArchiveStorage} on one container of Azure Blob Storage, below a key prefix; each object is
 * a block blob named {@code prefix + key}, its metadata the blob's metadata.
 *
 * <p>create is {@code Put Blob} (objects up to the single upload threshold) or {@code Put Block}s
 * and one {@code Put Block List}, always with {@code If-None-Match: *}, so the service refuses to
 * replace an existing blob and a blob appears whole or not at all. Requests are retried inside the
 * SDK pipeline: a create whose response was lost may therefore report {@link
 * FileAlreadyExistsException} for the blob it wrote itself, which the caller recognises by the
 * digest in the metadata.
 */
final class AzureArchiveStorage implements ArchiveStorage {
  /** Sub-requests per batch request: the service's limit. */
  static final int BATCH_SIZE = 256;

  /** Blocks per blob: the service's limit. */
  static final int MAX_BLOCKS = 50_000;

  private final LazyClient<BlobContainerClient> client;
  private final String prefix;
  private final AccessTier accessTier;
  private final String encryptionScope;
  private final int blockSize;
  private final long singleUploadThreshold;
  private final int listPageSize;
  private final AzureExceptions errors;

  private final Object lock = new Object();
  private volatile BlobBatchClient batch;

  /**
   * @param clientFactory builds the container client on first use
   * @param prefix key prefix inside the container, empty or ending with {@code /}
   * @param config transfer settings (access tier, encryption scope, block size, threshold)
   * @param listPageSize blobs per listing page, at most 5000
   * @param errors the error translator for this storage
   */
  AzureArchiveStorage(
      Supplier<BlobContainerClient> clientFactory,
      String prefix,
      AzureStorageConfig config,
      int listPageSize,
      AzureExceptions errors) {
    requireNonNull(clientFactory, "clientFactory is null");
    this.prefix = requireNonNull(prefix, "prefix is null");
    this.accessTier = config.accessTier().map(AccessTier::fromString).orElse(null);
    this.encryptionScope = config.encryptionScope().orElse(null);
    this.blockSize = Math.toIntExact(config.blockSize());
    this.singleUploadThreshold = config.singleUploadThreshold();
    this.listPageSize = listPageSize;
    this.errors = requireNonNull(errors, "errors is null");
    this.client =
        LazyClient.building(
            errors.location(),
            clientFactory::get,
            c -> {},
            e -> errors.translate("client setup", null, e));
  }

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    requireNonNull(content, "content is null");
    StorageKeys.checkKey(key);
    Map<String, String> meta = StorageKeys.checkMetadata(metadata);
    BlockBlobClient blob = blob(key);
    long length = content.length();
    if (length < 0) {
      throw new IllegalArgumentException("content of " + key + " has negative length " + length);
    }
    if (length <= singleUploadThreshold) {
      putBlob(key, blob, content, length, meta);
    } else {
      putBlocks(key, blob, content, length, meta);
    }
  }

  private void putBlob(
      String key, BlockBlobClient blob, ObjectSource content, long length, Map<String, String> meta)
      throws IOException {
    byte[] data = ExactLength.readAll(key, content);
    BlockBlobSimpleUploadOptions options =
        new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(data))
            .setHeaders(headers())
            .setMetadata(meta)
            .setTier(accessTier)
            .setRequestConditions(ifNoneExists());
    try {
      blob.uploadWithResponse(options, null, Context.NONE);
    } catch (RuntimeException e) {
      throw errors.translate("create", key, e);
    }
  }

  /**
   * Stages the content block by block, then commits the list. Memory stays at about one block: each
   * block gets a fresh array, which the next block does not touch, so a timed-out attempt that the
   * HTTP client is still sending can never carry another block's bytes; the array is garbage once
   * its request is done. Block ids are unique per upload, so concurrent creators of one key never
   * commit each other's blocks.
   *
   * <p>Blocks go to the SDK as byte arrays, which its JDK HTTP client sends in 8 KiB slices. (As
   * one large {@code ByteBuffer}, each JDK socket write would take and cache a direct buffer of
   * block size per HTTP client thread, exhausting direct memory.)
   */
  private void putBlocks(
      String key, BlockBlobClient blob, ObjectSource content, long length, Map<String, String> meta)
      throws IOException {
    long blocks = (length + blockSize - 1) / blockSize;
    if (blocks > MAX_BLOCKS) {
      throw new IOException(
          "object "
              + key
              + " of "
              + length
              + " bytes needs "
              + blocks
              + " blocks of "
              + blockSize
              + " bytes; Azure allows "
              + MAX_BLOCKS
              + ": raise azure.block-size");
    }
    String upload = UUID.randomUUID().toString().replace("-", "");
    List<String> ids = new ArrayList<>((int) blocks);
    try (InputStream in = ExactLength.open(key, content)) {
      long done = 0;
      while (done < length) {
        int size = (int) Math.min(blockSize, length - done);
        byte[] block = new byte[size];
        int read = in.readNBytes(block, 0, size);
        if (read < size) {
          throw new ContentLengthException(key, length, false, done + read);
        }
        String id = blockId(upload, ids.size());
        try {
          blob.stageBlockWithResponse(
              new BlockBlobStageBlockOptions(id, BinaryData.fromBytes(block)), null, Context.NONE);
        } catch (RuntimeException e) {
          throw errors.translate("create (block " + ids.size() + ")", key, e);
        }
        ids.add(id);
        done += size;
      }
    }
    try {
      blob.commitBlockListWithResponse(
          new BlockBlobCommitBlockListOptions(ids)
              .setHeaders(headers())
              .setMetadata(meta)
              .setTier(accessTier)
              .setRequestConditions(ifNoneExists()),
          null,
          Context.NONE);
    } catch (RuntimeException e) {
      throw errors.translate("create", key, e);
    }
  }

  static String blockId(String upload, int index) {
    String id = upload + String.format("%06d", index);
    return Base64.getEncoder().encodeToString(id.getBytes(US_ASCII));
  }

  private static BlobHttpHeaders headers() {
    return new BlobHttpHeaders().setContentType("application/octet-stream");
  }

  private static BlobRequestConditions ifNoneExists() {
    return new BlobRequestConditions().setIfNoneMatch("*");
  }

  /** One streaming GET; see {@link AzureDownloadStream}. */
  @Override
  public InputStream open(String key) throws IOException {
    return AzureDownloadStream.open(blob(key), key, errors);
  }

  @Override
  public ObjectStat stat(String key) throws IOException {
    BlockBlobClient blob = blob(key);
    BlobProperties properties;
    try {
      properties = blob.getPropertiesWithResponse(null, null, Context.NONE).getValue();
    } catch (RuntimeException e) {
      throw errors.translate("stat", key, e);
    }
    Map<String, String> metadata =
        properties.getMetadata() == null ? Map.of() : properties.getMetadata();
    return new ObjectStat(
        key,
        properties.getBlobSize(),
        properties.getLastModified().toInstant(),
        new TreeMap<>(metadata));
  }

  @Override
  public ObjectIterator list(String listPrefix) throws IOException {
    StorageKeys.checkPrefix(listPrefix);
    BlobContainerClient container = client.get();
    Iterator<BlobItem> items;
    try {
      items =
          container
              .listBlobs(
                  new ListBlobsOptions()
                      .setPrefix(prefix + listPrefix)
                      .setMaxResultsPerPage(listPageSize),
                  null)
              .iterator();
    } catch (RuntimeException e) {
      throw errors.translate("list", listPrefix.isEmpty() ? null : listPrefix + "*", e);
    }
    return new LookaheadIterator() {
      @Override
      protected ObjectEntry advance() throws IOException {
        try {
          while (items.hasNext()) {
            BlobItem item = items.next();
            if (Boolean.TRUE.equals(item.isPrefix()) || !item.getName().startsWith(prefix)) {
              continue;
            }
            return new ObjectEntry(
                item.getName().substring(prefix.length()),
                item.getProperties().getContentLength(),
                item.getProperties().getLastModified().toInstant());
          }
          return null;
        } catch (RuntimeException e) {
          throw errors.translate("list", listPrefix.isEmpty() ? null : listPrefix + "*", e);
        }
      }
    };
  }

  /**
   * Deletes with Blob Batch requests of up to {@value #BATCH_SIZE} keys each ({@link
   * DeleteBatches}). A key that is missing (404) counts as deleted; any other per-key failure, and
   * every key of a batch request that failed as a whole, is collected into a {@link
   * dev.walarchive.core.storage.BatchDeleteException} after all batches ran.
   */
  @Override
  public void delete(Collection<String> keys) throws IOException {
    client.checkOpen();
    DeleteBatches.delete(keys, BATCH_SIZE, this::deleteBatch);
  }

  private Map<String, String> deleteBatch(List<String> chunk) throws IOException {
    BlobContainerClient container = client.get();
    BlobBatchClient batchClient = batchClient(container);
    BlobBatch batch = batchClient.getBlobBatch();
    Map<String, Response<Void>> responses = new LinkedHashMap<>();
    for (String key : chunk) {
      // by URL: the (container, name) form yields a relative path that Azurite rejects
      String url = container.getBlobClient(prefix + key).getBlobUrl();
      responses.put(key, batch.deleteBlob(url, DeleteSnapshotsOptionType.INCLUDE, null));
    }
    try {
      batchClient.submitBatchWithResponse(batch, false, null, Context.NONE);
    } catch (RuntimeException e) {
      throw errors.translate(
          "delete of " + chunk.size() + " objects (from '" + chunk.get(0) + "')", null, e);
    }
    Map<String, String> failures = new TreeMap<>();
    for (Map.Entry<String, Response<Void>> r : responses.entrySet()) {
      try {
        r.getValue().getStatusCode();
      } catch (BlobStorageException e) {
        if (e.getStatusCode() != 404) {
          failures.put(r.getKey(), errors.reason(e));
        }
      } catch (RuntimeException e) {
        failures.put(r.getKey(), errors.reason(e));
      }
    }
    return failures;
  }

  /**
   * Probes that the endpoint honours {@code If-None-Match: *}: creates a probe object, tries to
   * create it again, expects {@link FileAlreadyExistsException}, and removes the probe. An endpoint
   * that overwrites (a proxy or emulator that drops conditions) cannot hold an archive safely.
   */
  @Override
  public Map<String, String> initializeArchive() throws IOException {
    String key = ".walarchive-probe/" + UUID.randomUUID();
    create(key, ObjectSource.ofBytes(new byte[] {1}), Map.of());
    try {
      create(key, ObjectSource.ofBytes(new byte[] {2}), Map.of());
      throw new IOException(
          "the endpoint of "
              + errors.location()
              + " replaced an existing blob although the request said If-None-Match: *;"
              + " an archive there could be overwritten. Use Azure Blob Storage or an emulator"
              + " that honours conditional requests");
    } catch (FileAlreadyExistsException expected) {
      return Map.of();
    } finally {
      try {
        delete(List.of(key));
      } catch (IOException e) {
        // a leftover probe object is harmless
      }
    }
  }

  @Override
  public void close() throws IOException {
    client.close();
  }

  @Override
  public String toString() {
    return errors.location();
  }

  /** The blob name of {@code key}. */
  String blobName(String key) {
    return prefix + StorageKeys.checkKey(key);
  }

  private BlockBlobClient blob(String key) throws IOException {
    String name = blobName(key);
    BlobClient blob = client.get().getBlobClient(name);
    if (encryptionScope != null) {
      blob = blob.getEncryptionScopeClient(encryptionScope);
    }
    return blob.getBlockBlobClient();
  }

  private BlobBatchClient batchClient(BlobContainerClient container) {
    BlobBatchClient b = batch;
    if (b == null) {
      synchronized (lock) {
        b = batch;
        if (b == null) {
          b = new BlobBatchClientBuilder(container).buildClient();
          batch = b;
        }
      }
    }
    return b;
  }
}
