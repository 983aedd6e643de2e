package dev.walarchive.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.wal.Lsn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PgControl}: the fields backup-push compares, and the CRC that guards them. */
class PgControlTest {
  /** A PostgreSQL 13 to 16 pg_control (version 1300, CRC at 288), 8 KiB as PostgreSQL writes. */
  private static byte[] control(int version, int timelineOffset, int crcOffset) {
    ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.nativeOrder());
    b.putLong(0, 7715086623110555545L);
    b.putInt(8, version);
    b.putInt(12, 202209061);
    b.putLong(32, 0x1100028L);
    b.putLong(40, 0x1100028L);
    b.putInt(timelineOffset, 3);
    b.putInt(200, 0x12345678); // any other field
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, crcOffset);
    b.putInt(crcOffset, (int) crc.getValue());
    return b.array();
  }

  @Test
  void readsTheSystemIdentifierTheCheckpointAndItsTimeline() {
    PgControl c = PgControl.parse(control(1300, 48, 288));
    assertThat(c).isNotNull();
    assertThat(c.systemIdentifier()).isEqualTo(7715086623110555545L);
    assertThat(c.version()).isEqualTo(1300);
    assertThat(c.checkpoint()).isEqualTo(Lsn.of(0x1100028L));
    assertThat(c.checkpointTimeline()).isEqualTo(3);
    // PostgreSQL 10: prevCheckPoint before checkPointCopy, and another CRC offset
    assertThat(PgControl.parse(control(1002, 56, 240)).checkpointTimeline()).isEqualTo(3);
  }

  @Test
  void aTornOrDamagedFileDoesNotParse() {
    byte[] b = control(1300, 48, 288);
    b[33] ^= 1;
    assertThat(PgControl.parse(b)).isNull();
    assertThat(PgControl.parse(new byte[40])).isNull();
  }

  @Test
  void aDamagedFileIsRefusedNamingIt(@TempDir Path dir) throws Exception {
    byte[] b = control(1300, 48, 288);
    b[200] ^= 1;
    Files.createDirectories(dir.resolve("global"));
    Files.write(dir.resolve("global/pg_control"), b);
    assertThatThrownBy(() -> PgControl.read(dir))
        .isInstanceOf(ArchiveConfigurationException.class)
        .hasMessageContaining(dir.resolve("global/pg_control") + " is not a valid pg_control");
    Files.write(dir.resolve("global/pg_control"), control(1300, 48, 288));
    assertThat(PgControl.read(dir).checkpoint()).isEqualTo(Lsn.of(0x1100028L));
  }
}
