package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Monitoring status from one listing: freshness, counts and bytes per timeline, gaps. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Prints the archive's status from one listing: newest archived segment and its age, segments and bytes per timeline, gaps. --prometheus writes the text exposition format for a node-exporter textfile collector (write to a temporary file, then rename).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed", "2:usage or configuration error", "3:storage or I/O error"})
final class StatusCommand implements Callable<Integer>, ExitCodes {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @ArgGroup(exclusive = true)
  Format format = new Format();

  static final class Format {
    @Option(names = "--json", description = "One JSON document.")
    boolean json;

    @Option(names = "--prometheus", description = "Prometheus text exposition format.")
    boolean prometheus;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String url = config.url();
    try (WalArchive archive = config.openArchive()) {
      ArchiveInventory inventory = archive.inventory();
      Instant now = Instant.now();
      if (format.json) {
        out.println(json(inventory, now));
      } else if (format.prometheus) {
        out.print(
            prometheus(inventory, now, dev.walarchive.core.storage.ArchiveStorages.redact(url)));
      } else {
        human(out, inventory, now);
      }
    }
    out.flush();
    return 0;
  }

  private static void human(PrintWriter out, ArchiveInventory inventory, Instant now) {
    Optional<ArchiveInventory.Entry> newest = inventory.newestSegment();
    if (newest.isEmpty()) {
      out.println("newest segment: none archived");
    } else {
      out.printf(
          "newest segment: %s, archived %s (%s ago)%n",
          newest.get().name(),
          newest.get().lastModified(),
          Durations.format(Duration.between(newest.get().lastModified(), now)));
    }
    long gaps = 0;
    for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
      out.printf(
          "timeline %d: %d segments, %d bytes stored, %d gap(s)%n",
          t.timeline(), t.segments(), t.storedBytes(), t.gaps().size());
      for (ArchiveInventory.Gap g : t.gaps()) {
        out.printf("  gap %s .. %s (%d missing)%n", g.firstMissing(), g.lastMissing(), g.count());
      }
      gaps += t.gaps().size();
    }
    out.printf(
        "backups: %d, history files: %d, gaps: %d%n",
        inventory.backupHistoryFiles().size(), inventory.timelineHistoryFiles().size(), gaps);
  }

  private static String json(ArchiveInventory inventory, Instant now) {
    Map<String, Object> root = new LinkedHashMap<>();
    Optional<ArchiveInventory.Entry> newest = inventory.newestSegment();
    root.put("newestSegment", newest.map(e -> e.name().name()).orElse(null));
    root.put("newestSegmentArchived", newest.map(e -> e.lastModified().toString()).orElse(null));
    root.put(
        "newestSegmentAgeSeconds",
        newest.map(e -> Duration.between(e.lastModified(), now).getSeconds()).orElse(null));
    List<Object> timelines = new ArrayList<>();
    for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("timeline", t.timeline());
      m.put("segments", t.segments());
      m.put("storedBytes", t.storedBytes());
      m.put(
          "gaps",
          t.gaps().stream()
              .map(
                  g ->
                      Map.of(
                          "firstMissing", g.firstMissing().name(),
                          "lastMissing", g.lastMissing().name(),
                          "count", g.count()))
              .toList());
      timelines.add(m);
    }
    root.put("timelines", timelines);
    root.put("backups", inventory.backupHistoryFiles().size());
    root.put("historyFiles", inventory.timelineHistoryFiles().size());
    return Json.value(root);
  }

  static String prometheus(ArchiveInventory inventory, Instant now, String archive) {
    StringBuilder sb = new StringBuilder();
    String label = "archive=\"" + archive.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    Optional<ArchiveInventory.Entry> newest = inventory.newestSegment();
    metric(
        sb,
        "walarchive_newest_segment_timestamp_seconds",
        "gauge",
        "When the newest WAL segment was archived (Unix time).");
    sb.append("walarchive_newest_segment_timestamp_seconds{")
        .append(label)
        .append("} ")
        .append(newest.map(e -> e.lastModified().getEpochSecond()).orElse(0L))
        .append('\n');
    metric(
        sb,
        "walarchive_newest_segment_age_seconds",
        "gauge",
        "Age of the newest archived WAL segment.");
    sb.append("walarchive_newest_segment_age_seconds{")
        .append(label)
        .append("} ")
        .append(newest.map(e -> Duration.between(e.lastModified(), now).getSeconds()).orElse(-1L))
        .append('\n');
    metric(sb, "walarchive_segments", "gauge", "Archived WAL segments per timeline.");
    for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
      sb.append("walarchive_segments{")
          .append(label)
          .append(",timeline=\"")
          .append(t.timeline())
          .append("\"} ")
          .append(t.segments())
          .append('\n');
    }
    metric(sb, "walarchive_stored_bytes", "gauge", "Bytes stored for WAL segments per timeline.");
    for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
      sb.append("walarchive_stored_bytes{")
          .append(label)
          .append(",timeline=\"")
          .append(t.timeline())
          .append("\"} ")
          .append(t.storedBytes())
          .append('\n');
    }
    metric(
        sb,
        "walarchive_missing_segments",
        "gauge",
        "Segments missing between archived ranges per timeline (gaps).");
    for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
      long missing = t.gaps().stream().mapToLong(ArchiveInventory.Gap::count).sum();
      sb.append("walarchive_missing_segments{")
          .append(label)
          .append(",timeline=\"")
          .append(t.timeline())
          .append("\"} ")
          .append(missing)
          .append('\n');
    }
    metric(sb, "walarchive_backups", "gauge", "Base backups (.backup files) in the archive.");
    sb.append("walarchive_backups{")
        .append(label)
        .append("} ")
        .append(inventory.backupHistoryFiles().size())
        .append('\n');
    return sb.toString();
  }

  private static void metric(StringBuilder sb, String name, String type, String help) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    return e instanceof CliException
            || e instanceof IllegalArgumentException
            || e instanceof dev.walarchive.core.archive.ArchiveConfigurationException
        ? 2
        : 3;
  }
}
