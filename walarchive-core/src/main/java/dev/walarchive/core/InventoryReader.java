package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.format.WrongKeyException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the archive holds, as the facade reads it: the listing of archived files and the backup and
 * timeline history files, strictly or tolerantly.
 */
final class InventoryReader {
  private final ArchiveStorage storage;
  private final ManifestAdmin admin;
  private final WalFetch fetch;

  InventoryReader(ArchiveStorage storage, ManifestAdmin admin, WalFetch fetch) {
    this.storage = storage;
    this.admin = admin;
    this.fetch = fetch;
  }

  /** The archive's segment size from its manifest, if known; lists nothing. */
  WalSegmentSize segmentSize() throws IOException {
    return admin.checked(false).segmentSize();
  }

  /** {@link WalArchive#inventory()}. */
  ArchiveInventory inventory() throws IOException {
    WalSegmentSize size = admin.checked(false).segmentSize();
    ArchiveInventory.Builder inventory = ArchiveInventory.builder(size);
    ObjectIterator it = storage.list(WalArchive.WAL_PREFIX);
    while (it.hasNext()) {
      ObjectEntry e = it.next();
      String n = e.key().substring(WalArchive.WAL_PREFIX.length());
      try {
        WalFileName name = WalFileName.parse(n);
        if (size != null && name.kind() != WalFileName.Kind.TIMELINE_HISTORY) {
          name.segmentNumber(size); // a name no segment of this size can have is not ours
        }
        inventory.add(name, e.size(), e.lastModified());
      } catch (IllegalArgumentException ex) {
        inventory.addUnrecognized(e.key());
      }
    }
    return inventory.build();
  }

  /** {@link WalArchive#backups(ArchiveInventory)}. */
  List<BackupHistory> backups(ArchiveInventory inventory) throws IOException {
    List<BackupHistory> result = new ArrayList<>();
    for (WalFileName name : inventory.backupHistoryFiles()) {
      result.add(BackupHistory.parse(name, new String(fetch.read(name), StandardCharsets.UTF_8)));
    }
    return result;
  }

  /** {@link WalArchive#timelineHistories(ArchiveInventory)}. */
  Map<Long, TimelineHistory> timelineHistories(ArchiveInventory inventory) throws IOException {
    Map<Long, TimelineHistory> result = new java.util.TreeMap<>();
    for (WalFileName name : inventory.timelineHistoryFiles()) {
      result.put(
          name.timeline(),
          TimelineHistory.parse(
              name.timeline(), new String(fetch.read(name), StandardCharsets.UTF_8)));
    }
    return result;
  }

  /** {@link WalArchive#histories(ArchiveInventory)}. */
  ArchiveHistories histories(ArchiveInventory inventory) throws IOException {
    requireNonNull(inventory, "inventory is null");
    List<ArchiveHistories.Skipped> skipped = new ArrayList<>();
    List<BackupHistory> backups = new ArrayList<>();
    for (WalFileName name : inventory.backupHistoryFiles()) {
      String text = readTolerantly(name, skipped);
      if (text != null) {
        try {
          backups.add(BackupHistory.parse(name, text));
        } catch (IllegalArgumentException e) {
          skipped.add(new ArchiveHistories.Skipped(name, Messages.oneLine(e)));
        }
      }
    }
    Map<Long, TimelineHistory> timelines = new java.util.TreeMap<>();
    for (WalFileName name : inventory.timelineHistoryFiles()) {
      String text = readTolerantly(name, skipped);
      if (text != null) {
        try {
          timelines.put(name.timeline(), TimelineHistory.parse(name.timeline(), text));
        } catch (IllegalArgumentException e) {
          skipped.add(new ArchiveHistories.Skipped(name, Messages.oneLine(e)));
        }
      }
    }
    return new ArchiveHistories(backups, timelines, skipped);
  }

  private String readTolerantly(WalFileName name, List<ArchiveHistories.Skipped> skipped)
      throws IOException {
    try {
      return new String(fetch.read(name), StandardCharsets.UTF_8);
    } catch (WalFileNotFoundException e) {
      skipped.add(new ArchiveHistories.Skipped(name, "vanished after the listing"));
    } catch (UnknownKeyException | WrongKeyException e) {
      throw e;
    } catch (ObjectFormatException e) {
      skipped.add(new ArchiveHistories.Skipped(name, Messages.oneLine(e)));
    }
    return null;
  }
}
