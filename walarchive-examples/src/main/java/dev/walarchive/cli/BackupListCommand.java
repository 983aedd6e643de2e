package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveHistories;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.WalFileName;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists the base backups. */
@Command(
    name = "backup-list",
    mixinStandardHelpOptions = true,
    description =
        "Lists the base backups: those pushed by 'walarchive backup-push' (complete; running: a push holds its lease, shown with holder and expiry; or incomplete: interrupted, no lease holds, retention removes it; only complete ones are restored), and those known only from the .backup history files PostgreSQL archived (taken with pg_basebackup elsewhere; status 'history-only'). Shows name, status, start and stop time and LSN, timeline, original and stored size, the WAL range it needs, and whether it is pinned. Oldest first.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed", "2:usage or configuration error", "3:storage or I/O error"})
final class BackupListCommand implements Callable<Integer>, ExitCodes.Admin {
  @Mixin CliConfig config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "One JSON object per line.")
  boolean json;

  /** One row of the listing. */
  private record Row(
      String name,
      String status,
      Instant startTime,
      Instant stopTime,
      String startLsn,
      String stopLsn,
      Long timeline,
      Long originalBytes,
      Long storedBytes,
      String walStart,
      String walStop,
      String backupHistoryFile,
      Boolean pinned,
      String state,
      BaseBackupInfo.Lease lease) {
    Row(
        String name,
        String status,
        Instant startTime,
        Instant stopTime,
        String startLsn,
        String stopLsn,
        Long timeline,
        Long originalBytes,
        Long storedBytes,
        String walStart,
        String walStop,
        String backupHistoryFile,
        Boolean pinned) {
      this(
          name,
          status,
          startTime,
          stopTime,
          startLsn,
          stopLsn,
          timeline,
          originalBytes,
          storedBytes,
          walStart,
          walStop,
          backupHistoryFile,
          pinned,
          status,
          null);
    }

    /** What the text listing says after the columns: the lease, for an incomplete backup. */
    String note() {
      if (state.equals("running")) {
        return lease == null
            ? "(its lease cannot be read: retention keeps it as if running)"
            : "(lease of " + lease.holder() + " until " + text(lease.expires()) + ")";
      }
      if (state.equals("incomplete")) {
        return lease == null
            ? "(interrupted: no lease)"
            : "(interrupted: lease of "
                + lease.holder()
                + " expired "
                + text(lease.expires())
                + ")";
      }
      return "";
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<Row> rows = new ArrayList<>();
    try (WalArchive archive = config.openArchive()) {
      SortedSet<WalFileName> pins = archive.pinnedBackups();
      Set<WalFileName> covered = new HashSet<>();
      for (BaseBackupInfo b : archive.baseBackups().list()) {
        if (b.completed().isPresent()) {
          BaseBackupInfo.Completed c = b.completed().get();
          covered.add(c.backupHistoryFile());
          rows.add(
              new Row(
                  b.name().toString(),
                  "complete",
                  c.startTime(),
                  c.stopTime(),
                  c.startLsn().toString(),
                  c.stopLsn().toString(),
                  c.startTimeline(),
                  c.originalSize(),
                  b.storedSize(),
                  c.startSegment().name(),
                  c.stopSegment().name(),
                  c.backupHistoryFile().name(),
                  pins.contains(c.backupHistoryFile())));
        } else {
          rows.add(
              new Row(
                  b.name().toString(),
                  "incomplete",
                  b.name().startTime(),
                  null,
                  b.name().startLsn().toString(),
                  null,
                  null,
                  null,
                  b.storedSize(),
                  null,
                  null,
                  null,
                  null,
                  b.state() == BaseBackupInfo.State.RUNNING ? "running" : "incomplete",
                  b.lease().orElse(null)));
        }
      }
      ArchiveHistories histories = archive.histories(archive.inventory());
      Set<String> incompleteStarts = new HashSet<>();
      for (Row r : rows) {
        if (r.status().equals("incomplete")) {
          incompleteStarts.add(r.startLsn());
        }
      }
      for (BackupHistory h : histories.backups()) {
        if (covered.contains(h.fileName())) {
          continue;
        }
        if (incompleteStarts.contains(h.startLsn().toString())) {
          continue; // the .backup file of a push that did not complete: listed as incomplete
        }
        rows.add(
            new Row(
                h.fileName().name(),
                "history-only",
                h.startTime().orElse(null),
                h.stopTime().orElse(null),
                h.startLsn().toString(),
                h.stopLsn().toString(),
                h.startTimeline(),
                null,
                null,
                h.startSegment().name(),
                h.stopSegment().name(),
                h.fileName().name(),
                pins.contains(h.fileName())));
      }
      for (ArchiveHistories.Skipped s : histories.skipped()) {
        if (s.name().kind() == WalFileName.Kind.BACKUP_HISTORY) {
          spec.commandLine()
              .getErr()
              .println("backup-list: cannot read " + s.name() + ": " + s.problem());
        }
      }
    }
    rows.sort(
        Comparator.comparing((Row r) -> r.startTime() == null ? Instant.MIN : r.startTime())
            .thenComparing(Row::name));
    if (!json) {
      out.printf(
          "%-40s %-12s %-20s %-20s %-19s %-19s %3s %12s %12s %-49s %s%n",
          "NAME",
          "STATUS",
          "START",
          "STOP",
          "START LSN",
          "STOP LSN",
          "TL",
          "ORIGINAL",
          "STORED",
          "WAL",
          "PINNED");
    }
    for (Row r : rows) {
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("status", r.status());
        m.put("complete", r.status().equals("complete"));
        m.put("source", r.status().equals("history-only") ? "backup-history" : "walarchive");
        m.put("startTime", text(r.startTime()));
        m.put("stopTime", text(r.stopTime()));
        m.put("startLsn", r.startLsn());
        m.put("stopLsn", r.stopLsn());
        m.put("timeline", r.timeline());
        m.put("originalBytes", r.originalBytes());
        m.put("storedBytes", r.storedBytes());
        m.put("walStart", r.walStart());
        m.put("walStop", r.walStop());
        m.put("backupHistoryFile", r.backupHistoryFile());
        m.put("pinned", r.pinned());
        m.put("state", r.state());
        m.put("leaseHolder", r.lease() == null ? null : r.lease().holder());
        m.put("leaseUntil", r.lease() == null ? null : text(r.lease().expires()));
        out.println(Json.value(m));
      } else {
        String note = r.note();
        out.printf(
            "%-40s %-12s %-20s %-20s %-19s %-19s %3s %12s %12s %-49s %s%s%n",
            r.name(),
            r.state(),
            dash(text(r.startTime())),
            dash(text(r.stopTime())),
            dash(r.startLsn()),
            dash(r.stopLsn()),
            dash(r.timeline()),
            dash(r.originalBytes()),
            dash(r.storedBytes()),
            r.walStart() == null ? "-" : r.walStart() + ".." + r.walStop(),
            r.pinned() == null ? "-" : r.pinned() ? "pinned" : "no",
            note.isEmpty() ? "" : " " + note);
      }
    }
    return 0;
  }

  private static String text(Instant i) {
    return i == null ? null : i.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  private static String dash(Object o) {
    return o == null ? "-" : o.toString();
  }

  @Override
  public int forFailure(Exception e) {
    return e instanceof dev.walarchive.core.format.UnknownKeyException
            || e instanceof dev.walarchive.core.format.WrongKeyException
        ? 2
        : ExitCodes.adminFailure(e);
  }
}
