package dev.walarchive.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.spi.TemporaryFiles;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
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
  void temporaryFilesLiveInADirectoryListingsSkipAndStaleOnesAreRemovedByLaterCreates()
      throws Exception {
    storage.create("wal/a", bytes("a"), Map.of());
    Path temps = dir.resolve("archive/wal").resolve(FileArchiveStorage.TEMP_DIRECTORY);
    assertThat(temps).isEmptyDirectory();
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    Path stale =
        Files.writeString(temps.resolve("b" + TemporaryFiles.MARKER + ended.pid() + "-1"), "half");
    Files.setLastModifiedTime(
        stale, FileTime.from(Instant.now().minus(TemporaryFiles.STALE_AFTER.multipliedBy(2))));
    Path young =
        Files.writeString(temps.resolve("c" + TemporaryFiles.MARKER + ended.pid() + "-2"), "half");
    assertThat(listKeys("")).containsExactly("wal/a");
    assertThat(listKeys("wal/")).containsExactly("wal/a");

    storage.create("wal/b", bytes("b"), Map.of());
    assertThat(stale).doesNotExist();
    assertThat(young).exists();
    assertThat(listKeys("")).containsExactly("wal/a", "wal/b");
  }

  @Test
  void creatingAnExistingObjectWritesNoTemporaryFile() throws Exception {
    storage.create("wal/a", bytes("a"), Map.of());
    Path temps = dir.resolve("archive/wal").resolve(FileArchiveStorage.TEMP_DIRECTORY);
    Files.delete(temps);
    ObjectSource exploding =
        new ObjectSource() {
          @Override
          public long length() {
            return 1;
          }

          @Override
          public java.io.InputStream openStream() {
            throw new AssertionError("read the content of an object that exists");
          }
        };
    assertThatThrownBy(() -> storage.create("wal/a", exploding, Map.of()))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(temps).doesNotExist();
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
