package dev.walarchive.core;

import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.backup.BaseBackupInfo;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The completion marker of a base backup ({@code basebackups/<name>/complete}): written last, it
 * makes the backup complete, binds the manifest by its SHA-256 and length, and carries the summary
 * that {@code list()} shows without reading the manifest.
 */
record BackupMarker(
    BackupName name,
    String manifestSha256,
    long manifestLength,
    WalSegmentSize segmentSize,
    BaseBackupInfo.Completed completed) {

  static final String MAGIC = "walarchive-backup-complete";
  private static final List<String> KEYS =
      List.of(
          "name",
          "manifest-sha256",
          "manifest-length",
          "system-identifier",
          "segment-size",
          "label",
          "start-lsn",
          "checkpoint-lsn",
          "start-timeline",
          "start-time",
          "stop-lsn",
          "stop-timeline",
          "stop-time",
          "original-size",
          "files");

  static BackupMarker of(BackupManifest m, String manifestSha256, long manifestLength) {
    return new BackupMarker(
        m.name(), manifestSha256, manifestLength, m.segmentSize(), BaseBackupInfo.Completed.of(m));
  }

  String toText() {
    BaseBackupInfo.Completed c = completed;
    Map<String, String> v = new LinkedHashMap<>();
    v.put("name", name.toString());
    v.put("manifest-sha256", manifestSha256);
    v.put("manifest-length", Long.toString(manifestLength));
    v.put("system-identifier", Long.toUnsignedString(c.systemIdentifier()));
    v.put("segment-size", Long.toString(segmentSize.bytes()));
    v.put("label", URLEncoder.encode(c.label(), StandardCharsets.UTF_8));
    v.put("start-lsn", c.startLsn().toString());
    v.put("checkpoint-lsn", c.checkpointLsn().toString());
    v.put("start-timeline", Long.toString(c.startTimeline()));
    v.put("start-time", c.startTime().toString());
    v.put("stop-lsn", c.stopLsn().toString());
    v.put("stop-timeline", Long.toString(c.stopTimeline()));
    v.put("stop-time", c.stopTime().toString());
    v.put("original-size", Long.toString(c.originalSize()));
    v.put("files", Long.toString(c.files()));
    StringBuilder b = new StringBuilder(MAGIC).append("\t1\n");
    v.forEach((k, x) -> b.append(k).append('\t').append(x).append('\n'));
    return b.toString();
  }

  /** Parses a marker strictly; {@code expected} is the backup the marker's key names. */
  static BackupMarker parse(BackupName expected, String text) {
    String[] lines = text.split("\n", -1);
    if (lines.length != KEYS.size() + 2
        || !lines[lines.length - 1].isEmpty()
        || !lines[0].equals(MAGIC + "\t1")) {
      throw new IllegalArgumentException("not a version 1 completion marker");
    }
    Map<String, String> v = new LinkedHashMap<>();
    for (int i = 0; i < KEYS.size(); i++) {
      String[] f = lines[i + 1].split("\t", -1);
      if (f.length != 2 || !f[0].equals(KEYS.get(i))) {
        throw new IllegalArgumentException("line " + (i + 2) + " is not '" + KEYS.get(i) + "'");
      }
      v.put(f[0], f[1]);
    }
    BackupName name = BackupName.parse(v.get("name"));
    if (!name.equals(expected)) {
      throw new IllegalArgumentException("it names backup " + name);
    }
    String sha = v.get("manifest-sha256");
    if (!sha.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("invalid manifest-sha256");
    }
    WalSegmentSize size = WalSegmentSize.of(Long.parseLong(v.get("segment-size")));
    long startTimeline = Long.parseLong(v.get("start-timeline"));
    long stopTimeline = Long.parseLong(v.get("stop-timeline"));
    Lsn start = Lsn.parse(v.get("start-lsn"));
    Lsn stop = Lsn.parse(v.get("stop-lsn"));
    WalFileName startSegment = WalFileName.ofLsn(startTimeline, start, size);
    WalFileName stopSegment =
        stop.equals(start) ? startSegment : WalFileName.ofEndLsn(stopTimeline, stop, size);
    BaseBackupInfo.Completed c =
        new BaseBackupInfo.Completed(
            Long.parseUnsignedLong(v.get("system-identifier")),
            URLDecoder.decode(v.get("label"), StandardCharsets.UTF_8),
            start,
            Lsn.parse(v.get("checkpoint-lsn")),
            startTimeline,
            Instant.parse(v.get("start-time")),
            stop,
            stopTimeline,
            Instant.parse(v.get("stop-time")),
            startSegment,
            stopSegment,
            WalFileName.backupHistory(startTimeline, start, size),
            Long.parseLong(v.get("original-size")),
            Long.parseLong(v.get("files")));
    return new BackupMarker(name, sha, Long.parseLong(v.get("manifest-length")), size, c);
  }
}
