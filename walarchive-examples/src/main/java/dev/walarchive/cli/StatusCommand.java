package dev.walarchive.cli;

import dev.walarchive.core.ArchiveCopy;
import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.storage.OptionValues;
import dev.walarchive.postgres.ArchivingCheck;
import dev.walarchive.postgres.PgConnectionSettings;
import dev.walarchive.postgres.ServerFigures;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
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
    exitCodeList = {
      "0:printed",
      "1:a copy holds objects that differ from the archive's (damaged there); its lines name"
          + " them",
      "2:usage or configuration error (also: a configured copy is not a copy of this archive:"
          + " another cluster, segment size or encryption)",
      "3:storage or I/O error, or (with --pg) cannot connect to PostgreSQL, or a copy cannot be"
          + " read (its line says why)"
    })
final class StatusCommand implements Callable<Integer>, ExitCodes.Admin {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @ArgGroup(exclusive = true)
  Format format = new Format();

  @Option(
      names = "--pg",
      arity = "0..1",
      fallbackValue = "",
      paramLabel = "URL",
      description =
          "Also show the server-side figures (pg_stat_archiver, .ready files, archive lag) of the"
              + " PostgreSQL server at URL, or, with no URL, the one the libpq environment names"
              + " (PGHOST, PGPORT, ...). Nothing is changed on the server.")
  String pg;

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
    List<CopyLag> lags = new ArrayList<>();
    try (WalArchive archive = config.openArchive()) {
      ArchiveInventory inventory = archive.inventory();
      ServerFigures server = pg == null ? null : serverFigures(archive);
      Instant now = Instant.now();
      for (WalArchive copy : archive.copies()) {
        lags.add(CopyLag.of(archive, copy, now));
      }
      if (format.json) {
        String json = json(inventory, now);
        if (!lags.isEmpty()) {
          json =
              json.substring(0, json.length() - 1)
                  + ",\"copies\":"
                  + Json.value(lags.stream().map(CopyLag::json).toList())
                  + "}";
        }
        if (server != null) {
          json = json.substring(0, json.length() - 1) + ",\"server\":" + serverJson(server) + "}";
        }
        out.println(json);
      } else if (format.prometheus) {
        String redacted = dev.walarchive.core.storage.ArchiveStorages.redact(url);
        if (lags.isEmpty()) {
          out.print(prometheus(inventory, now, redacted));
        } else {
          // the same metrics for each copy that can be read, labelled with its archive
          List<String> texts = new ArrayList<>(List.of(prometheus(inventory, now, redacted)));
          for (int i = 0; i < lags.size(); i++) {
            if (lags.get(i).error() == null) {
              WalArchive copy = archive.copies().get(i);
              texts.add(prometheus(copy.inventory(), now, lags.get(i).copy()));
            }
          }
          out.print(mergeFamilies(texts));
          out.print(CopyLag.prometheus(lags, redacted));
        }
        if (server != null) {
          StringBuilder sb = new StringBuilder();
          CheckCommand.serverMetrics(
              sb, server, "archive=\"" + CheckCommand.escape(redacted) + "\"", now);
          out.print(sb);
        }
      } else {
        human(out, inventory, now);
        for (CopyLag lag : lags) {
          lag.human().forEach(out::println);
        }
        if (server != null) {
          human(out, server, now);
        }
      }
    }
    out.flush();
    return lags.stream().mapToInt(CopyLag::exitCode).max().orElse(0);
  }

  /**
   * How far a copy lags behind the archive: the WAL files the archive holds that the copy lacks,
   * and how long ago the oldest of them was archived, and the objects both hold that the copy holds
   * damaged (or with other content); or why the copy could not be listed, or is not a copy of this
   * archive ({@code foreign}).
   */
  record CopyLag(
      String copy,
      long missing,
      long lagSeconds,
      List<ArchiveCopy.Refusal> differing,
      String error,
      boolean foreign) {
    static CopyLag of(WalArchive archive, WalArchive copy, Instant now) {
      String name = dev.walarchive.core.storage.ArchiveStorages.redact(copy.location());
      try {
        copy.requireManifest();
        try {
          ArchiveCopy.check(archive, copy);
        } catch (ArchiveMismatchException | ArchiveConfigurationException e) {
          return new CopyLag(name, -1, -1, List.of(), Errors.oneLine(e), true);
        }
        ArchiveCopy.Plan plan = ArchiveCopy.plan(archive, copy);
        long lag =
            plan.oldestMissingWal().map(t -> Duration.between(t, now).getSeconds()).orElse(0L);
        List<ArchiveCopy.Refusal> differing = ArchiveCopy.differing(archive, copy, plan);
        return new CopyLag(
            name, plan.missingWal().size(), Math.max(0, lag), differing, null, false);
      } catch (java.io.IOException e) {
        return new CopyLag(name, -1, -1, List.of(), Errors.oneLine(e), false);
      }
    }

    /** 3 cannot be read, 2 not a copy of the archive, 1 damaged objects, else 0. */
    int exitCode() {
      return error != null ? (foreign ? 2 : 3) : differing.isEmpty() ? 0 : 1;
    }

    List<String> human() {
      if (error != null) {
        return List.of(
            "copy "
                + copy
                + (foreign ? ": not a copy of this archive: " : ": cannot be read: ")
                + error);
      }
      List<String> lines = new ArrayList<>();
      if (missing > 0) {
        lines.add(
            "copy "
                + copy
                + ": lags "
                + missing
                + " WAL file(s) behind the archive, the oldest archived "
                + OptionValues.formatRounded(Duration.ofSeconds(lagSeconds))
                + " ago; run 'walarchive sync'");
      } else if (differing.isEmpty()) {
        lines.add("copy " + copy + ": level with the archive");
      }
      for (ArchiveCopy.Refusal r : differing) {
        lines.add("copy " + copy + ": " + r.key() + " is not the archive's: " + r.reason());
      }
      return lines;
    }

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("archive", copy);
      m.put("missingWalFiles", error == null ? missing : null);
      m.put("lagSeconds", error == null ? lagSeconds : null);
      m.put(
          "differingObjects",
          error == null
              ? differing.stream()
                  .map(
                      r -> {
                        Map<String, Object> o = new LinkedHashMap<>();
                        o.put("key", r.key());
                        o.put("reason", r.reason());
                        return (Object) o;
                      })
                  .toList()
              : null);
      m.put("error", error);
      m.put("foreign", foreign);
      return m;
    }

    static String prometheus(List<CopyLag> lags, String archive) {
      StringBuilder sb = new StringBuilder();
      metric(sb, "walarchive_copy_up", "gauge", "Whether the copy could be listed (1) or not (0).");
      for (CopyLag l : lags) {
        sb.append("walarchive_copy_up{").append(labels(archive, l)).append("} ");
        sb.append(l.error == null ? 1 : 0).append('\n');
      }
      metric(
          sb,
          "walarchive_copy_missing_files",
          "gauge",
          "WAL files the archive holds that the copy lacks (-1: unknown).");
      for (CopyLag l : lags) {
        sb.append("walarchive_copy_missing_files{").append(labels(archive, l)).append("} ");
        sb.append(l.missing).append('\n');
      }
      metric(
          sb,
          "walarchive_copy_lag_seconds",
          "gauge",
          "Age of the oldest WAL file the copy lacks; 0 when level (-1: unknown).");
      for (CopyLag l : lags) {
        sb.append("walarchive_copy_lag_seconds{").append(labels(archive, l)).append("} ");
        sb.append(l.lagSeconds).append('\n');
      }
      metric(
          sb,
          "walarchive_copy_differing_objects",
          "gauge",
          "Objects both hold that the copy holds damaged or with other content (-1: unknown).");
      for (CopyLag l : lags) {
        sb.append("walarchive_copy_differing_objects{").append(labels(archive, l)).append("} ");
        sb.append(l.error == null ? l.differing.size() : -1).append('\n');
      }
      return sb.toString();
    }

    private static String labels(String archive, CopyLag l) {
      return "archive=\""
          + CheckCommand.escape(archive)
          + "\",copy=\""
          + CheckCommand.escape(l.copy)
          + "\"";
    }
  }

  private ServerFigures serverFigures(WalArchive archive) throws Exception {
    PgConnectionSettings settings = CheckCommand.connectionSettings(pg.isEmpty() ? null : pg);
    try (Connection connection = CheckCommand.connect(settings)) {
      return ArchivingCheck.builder().build().figures(connection, archive);
    } catch (SQLException e) {
      throw new CheckCommand.ConnectionFailure(
          "PostgreSQL at " + settings + " failed: " + Errors.oneLine(e));
    }
  }

  private static void human(PrintWriter out, ServerFigures f, Instant now) {
    out.printf(
        "server: %s on timeline %d at %s%n",
        f.standby() ? "standby" : "primary", f.timeline(), f.currentLsn().orElse("unknown"));
    if (f.archivedCount().isPresent()) {
      out.printf(
          "archiver: %d archived, %d failed; last archived %s%s%n",
          f.archivedCount().getAsLong(),
          f.failedCount().orElse(0),
          f.lastArchivedWal().orElse("none"),
          f.lastArchivedTime()
              .map(
                  t ->
                      " at "
                          + t
                          + " ("
                          + OptionValues.formatRounded(Duration.between(t, now))
                          + " ago)")
              .orElse(""));
    }
    if (f.lastFailedWal().isPresent()) {
      out.printf(
          "archiver: last failed %s at %s%n",
          f.lastFailedWal().get(), f.lastFailedTime().map(Instant::toString).orElse("?"));
    }
    out.println(
        "ready: "
            + (f.readyCount().isPresent()
                ? f.readyCount().getAsLong() + " WAL file(s) wait to be archived"
                : "unknown (needs superuser or pg_monitor)"));
    out.println(
        "lag: "
            + (f.lagSegments().isPresent()
                ? f.lagSegments().getAsLong()
                    + " complete segment(s), "
                    + f.lagBytes().getAsLong()
                    + " bytes not yet archived"
                : "unknown (no segment of this timeline archived)"));
  }

  private static String serverJson(ServerFigures f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("standby", f.standby());
    m.put("timeline", f.timeline());
    m.put("currentLsn", f.currentLsn().orElse(null));
    m.put("archivedCount", f.archivedCount().isPresent() ? f.archivedCount().getAsLong() : null);
    m.put("failedCount", f.failedCount().isPresent() ? f.failedCount().getAsLong() : null);
    m.put("lastArchivedWal", f.lastArchivedWal().orElse(null));
    m.put("lastArchivedTime", f.lastArchivedTime().map(Instant::toString).orElse(null));
    m.put("lastFailedWal", f.lastFailedWal().orElse(null));
    m.put("lastFailedTime", f.lastFailedTime().map(Instant::toString).orElse(null));
    m.put("statsReset", f.statsReset().map(Instant::toString).orElse(null));
    m.put("readyCount", f.readyCount().isPresent() ? f.readyCount().getAsLong() : null);
    m.put("lagSegments", f.lagSegments().isPresent() ? f.lagSegments().getAsLong() : null);
    m.put("lagBytes", f.lagBytes().isPresent() ? f.lagBytes().getAsLong() : null);
    return Json.value(m);
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
          OptionValues.formatRounded(Duration.between(newest.get().lastModified(), now)));
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
      m.put("gaps", ShowCommand.gapsJson(t));
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

  /**
   * Several expositions of the same metric families as one: each family's HELP and TYPE once, then
   * the samples of every text, in order (a family may appear only once in the text format).
   */
  static String mergeFamilies(List<String> texts) {
    Map<String, StringBuilder> families = new LinkedHashMap<>();
    for (String text : texts) {
      StringBuilder current = null;
      String name = null;
      for (String line : text.split("\n")) {
        if (line.startsWith("# HELP ")) {
          name = line.substring(7, line.indexOf(' ', 7));
          current = families.get(name);
          if (current == null) {
            current = new StringBuilder(line).append('\n');
            families.put(name, current);
          } else {
            current = families.get(name);
            name = null; // skip this text's TYPE line
          }
        } else if (line.startsWith("# TYPE ")) {
          if (name != null && current != null) {
            current.append(line).append('\n');
          }
        } else if (!line.isEmpty() && current != null) {
          current.append(line).append('\n');
        }
      }
    }
    StringBuilder sb = new StringBuilder();
    families.values().forEach(sb::append);
    return sb.toString();
  }

  private static void metric(StringBuilder sb, String name, String type, String help) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }
}
