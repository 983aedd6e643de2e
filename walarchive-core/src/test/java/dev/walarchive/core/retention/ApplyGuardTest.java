package dev.walarchive.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The guards of {@code WalArchive.applyRetention} against plans the planner never makes. */
class ApplyGuardTest {
  @Test
  void aPlanThatDeletesATimelineHistoryFileIsRefusedBeforeAnythingIsDeleted() throws Exception {
    try (WalArchive archive = WalArchive.inMemory()) {
      WalFileName segment = WalFileName.segment(1, 1, WalSegmentSize.ofMegabytes(1));
      WalFileName history = WalFileName.timelineHistory(2);
      archive.createArchive(42L, WalSegmentSize.ofMegabytes(1));
      for (WalFileName name : List.of(segment, history)) {
        archive
            .storage()
            .create(WalArchive.keyOf(name), ObjectSource.ofBytes(new byte[] {1}), Map.of());
      }
      RetentionPlan bad =
          new RetentionPlan(
              RetentionPolicy.parse("keep=1"),
              Instant.EPOCH,
              List.of(),
              List.of(),
              List.of(),
              List.of(
                  new RetentionPlan.Deletion(segment, 1, "test"),
                  new RetentionPlan.Deletion(history, 1, "test")),
              List.of());
      assertThatThrownBy(() -> archive.applyRetention(bad, RetentionListener.NONE))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("timeline history file 00000002.history");
      assertThat(archive.inventory().entries()).hasSize(2);
      assertThatThrownBy(() -> archive.applyRetention(bad, 0, RetentionListener.NONE))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
