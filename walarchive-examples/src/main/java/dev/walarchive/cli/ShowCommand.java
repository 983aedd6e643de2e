package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.TimelineHistory;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Summarizes the archive: cluster, timelines, ranges, gaps, history and backups. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description =
        "Shows what the archive holds: cluster, timelines with their segment ranges and gaps,"
            + " timeline history, and the base backups found (.backup files).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:shown", "2:usage or configuration error", "3:storage or I/O error"})
final class ShowCommand implements Callable<Integer>, ExitCodes.Admin {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print one JSON document.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (WalArchive archive = config.openArchive()) {
      Optional<ArchiveManifest> manifest = Optional.of(archive.requireManifest());
      ArchiveInventory inventory = archive.inventory();
      Map<Long, TimelineHistory> histories = archive.timelineHistories(inventory);
      List<BackupHistory> backups = archive.backups(inventory);
      if (json) {
        out.println(toJson(manifest, inventory, histories, backups));
      } else {
        print(out, manifest, inventory, histories, backups);
      }
    }
    return 0;
  }

  private static void print(
      PrintWriter out,
      Optional<ArchiveManifest> manifest,
      ArchiveInventory inventory,
      Map<Long, TimelineHistory> histories,
      List<BackupHistory> backups) {
    if (manifest.isEmpty()) {
      out.println("archive: empty (no segment archived yet)");
    } else {
      ArchiveManifest m = manifest.get();
      out.printf(
          "archive: system identifier %s, %d MiB segments, created %s%n",
          Long.toUnsignedString(m.systemIdentifier()),
          m.segmentSize().bytes() / (1024 * 1024),
          m.created());
      out.println("encryption: " + KeysCommand.describe(m));
    }
    for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
      out.printf(
          "timeline %d: %d segments, %d bytes stored%n",
          t.timeline(), t.segments(), t.storedBytes());
      for (ArchiveInventory.SegmentRange r : t.ranges()) {
        out.printf("  range %s .. %s (%d)%n", r.first(), r.last(), r.count());
      }
      for (ArchiveInventory.Gap g : t.gaps()) {
        out.printf("  GAP   %s .. %s (%d missing)%n", g.firstMissing(), g.lastMissing(), g.count());
      }
    }
    for (TimelineHistory h : histories.values()) {
      out.printf("history of timeline %d:%n", h.timeline());
      for (TimelineHistory.Entry e : h.entries()) {
        out.printf(
            "  timeline %d ended at %s%s%n",
            e.timeline(), e.switchPoint(), e.reason().isEmpty() ? "" : " (" + e.reason() + ")");
      }
    }
    if (backups.isEmpty()) {
      out.println("backups: none found");
    }
    for (BackupHistory b : backups) {
      out.printf(
          "backup %s (label %s): start %s on timeline %d, stop %s, started %s%n",
          b.fileName(), b.label(), b.startLsn(), b.startTimeline(), b.stopLsn(), b.startTimeText());
    }
    inventory
        .newestSegment()
        .ifPresent(e -> out.printf("newest segment: %s archived %s%n", e.name(), e.lastModified()));
  }

  /** The gaps of timeline {@code t} as 'show --json' and 'status --json' print them. */
  static List<Object> gapsJson(ArchiveInventory.TimelineSummary t) {
    return t.gaps().stream()
        .<Object>map(
            g ->
                Map.of(
                    "firstMissing", g.firstMissing().name(),
                    "lastMissing", g.lastMissing().name(),
                    "count", g.count()))
        .toList();
  }

  private static String toJson(
      Optional<ArchiveManifest> manifest,
      ArchiveInventory inventory,
      Map<Long, TimelineHistory> histories,
      List<BackupHistory> backups) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put(
        "systemIdentifier",
        manifest.map(m -> Long.toUnsignedString(m.systemIdentifier())).orElse(null));
    root.put("segmentSize", manifest.map(m -> m.segmentSize().bytes()).orElse(null));
    root.put(
        "encryption",
        manifest.map(m -> m.encryption().name().toLowerCase(java.util.Locale.ROOT)).orElse(null));
    List<Object> timelines = new ArrayList<>();
    for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
      Map<String, Object> tl = new LinkedHashMap<>();
      tl.put("timeline", t.timeline());
      tl.put("segments", t.segments());
      tl.put("storedBytes", t.storedBytes());
      tl.put(
          "ranges",
          t.ranges().stream()
              .map(
                  r ->
                      Map.of(
                          "first", r.first().name(), "last", r.last().name(), "count", r.count()))
              .toList());
      tl.put("gaps", gapsJson(t));
      timelines.add(tl);
    }
    root.put("timelines", timelines);
    List<Object> hs = new ArrayList<>();
    for (TimelineHistory h : histories.values()) {
      hs.add(
          Map.of(
              "timeline",
              h.timeline(),
              "ancestry",
              h.ancestry(),
              "switches",
              h.entries().stream()
                  .map(
                      e ->
                          Map.of(
                              "timeline", e.timeline(), "switchPoint", e.switchPoint().toString()))
                  .toList()));
    }
    root.put("histories", hs);
    root.put(
        "backups",
        backups.stream()
            .map(
                b -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("name", b.fileName().name());
                  m.put("label", b.label());
                  m.put("startLsn", b.startLsn().toString());
                  m.put("stopLsn", b.stopLsn().toString());
                  m.put("startTimeline", b.startTimeline());
                  m.put("startTime", b.startTimeText());
                  m.put("stopTime", b.stopTimeText());
                  return m;
                })
            .toList());
    root.put("newestSegment", inventory.newestSegment().map(e -> e.name().name()).orElse(null));
    return Json.value(root);
  }
}
