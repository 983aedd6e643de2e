package dev.walarchive.core.storage.spi;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.storage.ClosedStorageException;
import dev.walarchive.core.storage.StorageConfigurationException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link dev.walarchive.core.storage.ArchiveStorage#delete} does in every backend: checks
 * every key before anything is deleted, drops duplicates, sends nothing for an empty collection,
 * and hands the keys to the store in batches of at most its request limit. Every batch is
 * attempted: the keys a batch reports as failed, and every key of a batch whose whole request
 * failed, are collected and thrown at the end as one {@link BatchDeleteException} (missing keys are
 * not failures). Only an interruption, a closed storage or a configuration error stops at once,
 * since every later batch would fail alike. For backend authors.
 */
public final class DeleteBatches {
  /** Deletes one batch in one request of the store. */
  @FunctionalInterface
  public interface Batch {
    /**
     * Deletes {@code keys} (checked, distinct, at most the batch size).
     *
     * @return each key the store could not delete, with its reason (a missing key is not one)
     * @throws IOException if the whole request failed; every key of the batch is then failed with
     *     this exception's message
     */
    Map<String, String> delete(List<String> keys) throws IOException;
  }

  private DeleteBatches() {}

  /**
   * Deletes {@code keys} in batches of at most {@code batchSize} with {@code batch}.
   *
   * @throws IllegalArgumentException if a key is invalid; nothing was deleted
   * @throws BatchDeleteException if some keys could not be deleted; all others were
   */
  public static void delete(Collection<String> keys, int batchSize, Batch batch)
      throws IOException {
    requireNonNull(keys, "keys is null");
    requireNonNull(batch, "batch is null");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
    }
    List<String> unique = checkedUnique(keys);
    Map<String, String> failures = new TreeMap<>();
    IOException firstCause = null;
    for (int from = 0; from < unique.size(); from += batchSize) {
      List<String> chunk = unique.subList(from, Math.min(unique.size(), from + batchSize));
      try {
        Map<String, String> failed = batch.delete(List.copyOf(chunk));
        if (failed != null) {
          failures.putAll(failed);
        }
      } catch (InterruptedIOException | ClosedStorageException | StorageConfigurationException e) {
        throw e;
      } catch (IOException e) {
        if (firstCause == null) {
          firstCause = e;
        }
        String reason = oneLine(e);
        for (String key : chunk) {
          failures.put(key, reason);
        }
      }
    }
    if (!failures.isEmpty()) {
      throw new BatchDeleteException(failures, firstCause);
    }
  }

  /**
   * {@code keys} checked with {@link StorageKeys#checkKey}, in their order without duplicates.
   *
   * @throws IllegalArgumentException naming the first invalid key
   */
  public static List<String> checkedUnique(Collection<String> keys) {
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String key : keys) {
      unique.add(StorageKeys.checkKey(key));
    }
    return new ArrayList<>(unique);
  }

  private static String oneLine(IOException e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    return m.replace('\n', ' ').replace('\r', ' ');
  }
}
