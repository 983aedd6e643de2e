package dev.walarchive.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileArchiveStorageTest extends AbstractArchiveStorageTest {
  @TempDir Path dir;

  @Override
  protected ArchiveStorage createStorage() {
    return ArchiveStorages.filesystem(dir.resolve("archive"));
  }

  @Test
  void aLeftoverTemporaryFileIsNeverVisible() throws Exception {
    storage.create("wal/a", bytes("a"), Map.of());
    Files.writeString(
        dir.resolve("archive/wal/b" + FileArchiveStorage.TEMP_MARKER + "123"), "half");
    assertThat(listKeys("")).containsExactly("wal/a");
    storage.create("wal/b", bytes("whole"), Map.of());
    assertThat(read("wal/b")).isEqualTo("whole");
  }

  @Test
  void openedByUrl() throws Exception {
    try (ArchiveStorage byUrl =
        ArchiveStorages.open(dir.resolve("archive").toUri().toString(), Map.of())) {
      byUrl.create("via-url", bytes("x"), Map.of());
    }
    assertThat(read("via-url")).isEqualTo("x");
  }
}
