package dev.walarchive.core.restore;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.walarchive.core.backup.BackupDirectory;
import dev.walarchive.core.backup.BackupFile;
import dev.walarchive.core.backup.BackupManifest;
import dev.walarchive.core.backup.BackupName;
import dev.walarchive.core.format.EncodeResult;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes base backups into an archive's storage in the documented format (docs/backup-format.md),
 * as backup-push would, so that restores can be tested without a server. Files are packed into data
 * objects of at most {@code objectLimit} bytes.
 */
final class TestBackups {
  static final long SYSTEM_ID = 7714373470879505852L;
  static final Instant START = Instant.parse("2026-12-01T18:30:12Z");

  record Spec(
      BackupName name,
      SortedMap<String, Integer> directories,
      SortedMap<String, byte[]> files,
      SortedMap<String, Integer> modes,
      SortedMap<Long, String> tablespaces,
      String tablespaceMap) {}

  private final ArchiveStorage storage;
  private final ObjectCodec codec;

  private String lieAbout;

  /** The manifest will record a wrong SHA-256 for {@code path} (same length). */
  void lieAbout(String path) {
    this.lieAbout = path;
  }

  TestBackups(ArchiveStorage storage, ObjectCodec codec) {
    this.storage = storage;
    this.codec = codec;
  }

  static Spec spec(Lsn start) {
    return new Spec(
        BackupName.of(START, start),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        "");
  }

  /** Stores the backup; {@code tamper} may change an encoded data object's bytes before upload. */
  BackupManifest write(Spec spec, boolean complete, int objectLimit, Tamper tamper)
      throws Exception {
    String prefix = "basebackups/" + spec.name() + "/";
    List<BackupFile> files = new ArrayList<>();
    List<Map.Entry<String, byte[]>> pending = new ArrayList<>();
    int objects = 0;
    long packed = 0;
    List<Map.Entry<String, byte[]>> all = new ArrayList<>(spec.files().entrySet());
    for (int i = 0; i <= all.size(); i++) {
      boolean flush =
          i == all.size()
              || (!pending.isEmpty() && packed + all.get(i).getValue().length > objectLimit);
      if (flush && !pending.isEmpty()) {
        String key = prefix + "data/" + String.format("%06d", ++objects);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> f : pending) {
          files.add(
              new BackupFile(
                  f.getKey(),
                  spec.modes().getOrDefault(f.getKey(), 0600),
                  START.minusSeconds(60),
                  f.getValue().length,
                  sha256(f.getKey().equals(lieAbout) ? flipped(f.getValue()) : f.getValue()),
                  key,
                  plain.size()));
          plain.write(f.getValue());
        }
        store(key, plain.toByteArray(), tamper);
        pending.clear();
        packed = 0;
      }
      if (i < all.size()) {
        pending.add(all.get(i));
        packed += all.get(i).getValue().length;
      }
    }
    files.sort(java.util.Comparator.comparing(BackupFile::path));
    List<BackupDirectory> dirs = new ArrayList<>();
    spec.directories().forEach((p, m) -> dirs.add(new BackupDirectory(p, m, START)));
    Lsn start = spec.name().startLsn();
    BackupManifest m =
        new BackupManifest(
            spec.name(),
            SYSTEM_ID,
            WalSegmentSize.DEFAULT,
            150018,
            "test backup",
            start,
            start.plus(0x38),
            1,
            START,
            start.plus(0x110),
            1,
            START.plusSeconds(3),
            "START WAL LOCATION: " + start + " (file 000000010000000000000002)\n",
            spec.tablespaceMap(),
            spec.tablespaces(),
            dirs,
            files);
    byte[] manifest = m.toBytes();
    store(prefix + "manifest", manifest, null);
    if (complete) {
      Map<String, String> v = new LinkedHashMap<>();
      v.put("name", spec.name().toString());
      v.put("manifest-sha256", sha256(manifest));
      v.put("manifest-length", Long.toString(manifest.length));
      v.put("system-identifier", Long.toUnsignedString(SYSTEM_ID));
      v.put("segment-size", Long.toString(WalSegmentSize.DEFAULT.bytes()));
      v.put("label", URLEncoder.encode(m.label(), UTF_8));
      v.put("start-lsn", m.startLsn().toString());
      v.put("checkpoint-lsn", m.checkpointLsn().toString());
      v.put("start-timeline", "1");
      v.put("start-time", m.startTime().toString());
      v.put("stop-lsn", m.stopLsn().toString());
      v.put("stop-timeline", "1");
      v.put("stop-time", m.stopTime().toString());
      v.put("original-size", Long.toString(m.originalSize()));
      v.put("files", Long.toString(m.files().size()));
      StringBuilder b = new StringBuilder("walarchive-backup-complete\t1\n");
      v.forEach((k, x) -> b.append(k).append('\t').append(x).append('\n'));
      store(prefix + "complete", b.toString().getBytes(UTF_8), null);
    }
    return m;
  }

  /** Changes an encoded object before it is stored. */
  interface Tamper {
    byte[] apply(String key, byte[] encoded);
  }

  private void store(String key, byte[] plaintext, Tamper tamper) throws IOException {
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    EncodeResult r = codec.encode(key, new ByteArrayInputStream(plaintext), encoded);
    byte[] bytes = encoded.toByteArray();
    if (tamper != null) {
      bytes = tamper.apply(key, bytes);
    }
    storage.create(
        key,
        ObjectSource.ofBytes(bytes),
        Map.of(
            "digest",
            r.digest().toString(),
            "plainsize",
            Long.toString(r.plaintextLength()),
            "format",
            "1"));
  }

  private static byte[] flipped(byte[] b) {
    byte[] c = b.clone();
    c[0] ^= 1;
    return c;
  }

  static String sha256(byte[] bytes) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
  }
}
