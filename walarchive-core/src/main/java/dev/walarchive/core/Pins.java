package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.wal.WalFileName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pins of base backups ({@link WalArchive#pin}): one object under {@code pins/} per pinned backup
 * history file, which retention never expires.
 */
final class Pins {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  private final ArchiveStorage storage;
  private final ManifestAdmin admin;
  private final Clock clock;

  Pins(ArchiveStorage storage, ManifestAdmin admin, Clock clock) {
    this.storage = storage;
    this.admin = admin;
    this.clock = clock;
  }

  /** Storage key prefix of backup pins. */
  static final String PIN_PREFIX = "pins/";

  /** {@link WalArchive#pin(WalFileName)}. */
  void pin(WalFileName backup) throws IOException {
    checkBackupName(backup);
    admin.checked(false);
    try {
      storage.stat(WalArchive.keyOf(backup));
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(backup.name());
    }
    try {
      storage.create(
          PIN_PREFIX + backup.name(),
          ObjectSource.ofBytes(clock.instant().toString().getBytes(StandardCharsets.US_ASCII)),
          Map.of());
      log.info("pinned {}", backup);
    } catch (FileAlreadyExistsException e) {
      log.info("{} was already pinned", backup);
    }
  }

  /** {@link WalArchive#unpin(WalFileName)}. */
  void unpin(WalFileName backup) throws IOException {
    checkBackupName(backup);
    admin.checked(false);
    storage.delete(List.of(PIN_PREFIX + backup.name()));
    log.info("unpinned {}", backup);
  }

  /** {@link WalArchive#pinnedBackups()}. */
  java.util.SortedSet<WalFileName> pinnedBackups() throws IOException {
    admin.checked(false);
    java.util.SortedSet<WalFileName> pins = new java.util.TreeSet<>();
    ObjectIterator it = storage.list(PIN_PREFIX);
    while (it.hasNext()) {
      String name = it.next().key().substring(PIN_PREFIX.length());
      try {
        WalFileName parsed = WalFileName.parse(name);
        if (parsed.kind() == WalFileName.Kind.BACKUP_HISTORY) {
          pins.add(parsed);
        }
      } catch (IllegalArgumentException e) {
        log.warn("ignoring unrecognized pin object {}{}", PIN_PREFIX, name);
      }
    }
    return pins;
  }

  private static void checkBackupName(WalFileName backup) {
    requireNonNull(backup, "backup is null");
    if (backup.kind() != WalFileName.Kind.BACKUP_HISTORY) {
      throw new IllegalArgumentException(
          backup
              + " is not a backup history file name (like 000000010000000000000002.00000028.backup)");
    }
  }
}
