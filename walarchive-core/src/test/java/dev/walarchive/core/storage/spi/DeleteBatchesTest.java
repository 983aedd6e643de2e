package dev.walarchive.core.storage.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchiveException.Kind;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.BatchDeleteException;
import dev.walarchive.core.storage.ClosedStorageException;
import dev.walarchive.core.storage.StorageConfigurationException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeleteBatchesTest {
  private final List<List<String>> sent = new ArrayList<>();

  @Test
  void keysAreCheckedFirstDeduplicatedAndBatched() throws IOException {
    DeleteBatches.delete(
        List.of("a", "b", "a", "c", "d", "b", "e"),
        2,
        batch -> {
          sent.add(batch);
          return Map.of();
        });
    assertThat(sent).containsExactly(List.of("a", "b"), List.of("c", "d"), List.of("e"));
  }

  @Test
  void anInvalidKeySendsNothing() {
    assertThatThrownBy(
            () ->
                DeleteBatches.delete(
                    List.of("ok", "bad//key"),
                    10,
                    batch -> {
                      sent.add(batch);
                      return Map.of();
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad//key");
    assertThat(sent).isEmpty();
  }

  @Test
  void anEmptyCollectionSendsNothing() throws IOException {
    DeleteBatches.delete(List.of(), 10, batch -> Map.of("never", "called"));
  }

  @Test
  void aFailedRequestFailsItsKeysAndLaterBatchesAreStillSent() {
    ArchiveStorageException refused =
        new ArchiveStorageException("refused: HTTP 403", Kind.PERMISSION, 403, "req-1", null);
    BatchDeleteException e =
        (BatchDeleteException)
            catchIo(
                () ->
                    DeleteBatches.delete(
                        List.of("a", "b", "c", "d", "e"),
                        2,
                        batch -> {
                          sent.add(batch);
                          if (batch.contains("a")) {
                            throw refused;
                          }
                          return batch.contains("e") ? Map.of("e", "locked") : Map.of();
                        }));
    assertThat(sent).hasSize(3);
    assertThat(e.failures())
        .containsOnlyKeys("a", "b", "e")
        .containsEntry("a", "refused: HTTP 403")
        .containsEntry("e", "locked");
    assertThat(e.getCause()).isSameAs(refused);
    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e.statusCode()).hasValue(403);
    assertThat(e.requestId()).hasValue("req-1");
  }

  @Test
  void onlyKeyFailuresAreOfKindOther() {
    BatchDeleteException e =
        (BatchDeleteException)
            catchIo(() -> DeleteBatches.delete(List.of("a"), 2, batch -> Map.of("a", "locked")));
    assertThat(e.getCause()).isNull();
    assertThat(e.kind()).isEqualTo(Kind.OTHER);
    assertThat(e.isRetryable()).isFalse();
  }

  @Test
  void interruptionClosedStorageAndConfigurationStopAtOnce() {
    List<IOException> stoppers =
        List.of(
            new InterruptedIOException("interrupted"),
            new ClosedStorageException("mem:"),
            new StorageConfigurationException("no region"));
    for (IOException stopper : stoppers) {
      sent.clear();
      IOException e =
          catchIo(
              () ->
                  DeleteBatches.delete(
                      List.of("a", "b", "c"),
                      1,
                      batch -> {
                        sent.add(batch);
                        throw stopper;
                      }));
      assertThat(e).isSameAs(stopper);
      assertThat(sent).hasSize(1);
    }
  }

  private interface Call {
    void run() throws IOException;
  }

  private static IOException catchIo(Call call) {
    try {
      call.run();
    } catch (IOException e) {
      return e;
    }
    throw new AssertionError("nothing was thrown");
  }
}
