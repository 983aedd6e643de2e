package dev.walarchive.core.archive;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The manifest at the root of an archive: written once, with the first segment pushed, and checked
 * by every later push so that one archive never mixes clusters or segment sizes.
 *
 * @param formatVersion archive layout version (1)
 * @param systemIdentifier the cluster's system identifier ({@code pg_control_system()})
 * @param segmentSize the cluster's WAL segment size
 * @param created when the archive was created
 * @param storageFacts what the storage backend recorded when the archive was created
 */
public record ArchiveManifest(
    int formatVersion,
    long systemIdentifier,
    WalSegmentSize segmentSize,
    Instant created,
    Map<String, String> storageFacts) {
  /** The storage key of the manifest, relative to the archive root. */
  public static final String KEY = "walarchive.manifest";

  /** The archive layout this version writes and reads. */
  public static final int CURRENT_FORMAT = 1;

  public ArchiveManifest {
    requireNonNull(segmentSize, "segmentSize is null");
    requireNonNull(created, "created is null");
    storageFacts = Map.copyOf(requireNonNull(storageFacts, "storageFacts is null"));
  }

  /** The manifest as stored: a properties text. */
  public byte[] toBytes() {
    StringBuilder sb = new StringBuilder();
    sb.append("# walarchive archive manifest: do not edit\n");
    sb.append("format=").append(formatVersion).append('\n');
    sb.append("system-identifier=").append(Long.toUnsignedString(systemIdentifier)).append('\n');
    sb.append("wal-segment-size=").append(segmentSize.bytes()).append('\n');
    sb.append("created=").append(created).append('\n');
    new TreeMap<>(storageFacts)
        .forEach((k, v) -> sb.append("storage.").append(k).append('=').append(v).append('\n'));
    return sb.toString().getBytes(UTF_8);
  }

  /**
   * Parses a stored manifest.
   *
   * @throws IOException if it is malformed or of a newer format
   */
  public static ArchiveManifest parse(byte[] bytes) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(new String(bytes, UTF_8)));
    try {
      int format = Integer.parseInt(required(p, "format"));
      if (format > CURRENT_FORMAT) {
        throw new IOException(
            "archive manifest has format "
                + format
                + ", newer than this walarchive understands ("
                + CURRENT_FORMAT
                + "); upgrade walarchive");
      }
      Map<String, String> facts = new TreeMap<>();
      for (String name : p.stringPropertyNames()) {
        if (name.startsWith("storage.")) {
          facts.put(name.substring("storage.".length()), p.getProperty(name));
        }
      }
      return new ArchiveManifest(
          format,
          Long.parseUnsignedLong(required(p, "system-identifier")),
          WalSegmentSize.of(Long.parseLong(required(p, "wal-segment-size"))),
          Instant.parse(required(p, "created")),
          facts);
    } catch (RuntimeException e) {
      throw new IOException("archive manifest " + KEY + " is malformed: " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String name) {
    String value = p.getProperty(name);
    if (value == null) {
      throw new IllegalArgumentException("missing '" + name + "'");
    }
    return value.trim();
  }
}
