package dev.walarchive.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The start timeline backup-push reads from pg_backup_stop's label to name the history file. */
class BaseBackupPushLabelTest {
  @Test
  void theStartTimelineLineWins() {
    String label =
        "START WAL LOCATION: 0/2000028 (file 000000030000000000000002)\n"
            + "CHECKPOINT LOCATION: 0/2000060\n"
            + "BACKUP METHOD: streamed\n"
            + "START TIMELINE: 5\n";
    assertThat(BaseBackupPush.startTimeline(label)).isEqualTo(5);
  }

  @Test
  void withoutItTheTimelineOfTheStartFileIsUsed() {
    String label =
        "START WAL LOCATION: 0/2000028 (file 0000001A0000000000000002)\n"
            + "CHECKPOINT LOCATION: 0/2000060\n";
    assertThat(BaseBackupPush.startTimeline(label)).isEqualTo(26);
  }

  @Test
  void aLabelWithNeitherIsRefused() {
    assertThatThrownBy(() -> BaseBackupPush.startTimeline("CHECKPOINT LOCATION: 0/2000060\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no start timeline");
  }
}
