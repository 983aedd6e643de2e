package dev.walarchive.core;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveManifest.ArchiveKey;
import dev.walarchive.core.archive.ArchiveManifest.Encryption;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an {@link ArchiveManifest} is stored: its keys (revision 1 is {@value #KEY}, revision {@code
 * n > 1} is {@code walarchive.manifest.r<n as 8 digits>}) and its {@code name=value} text.
 */
final class ManifestFormat {
  /** The storage key of the manifest's first revision, relative to the archive root. */
  static final String KEY = "walarchive.manifest";

  /** The archive layout this version writes and reads. */
  static final int CURRENT_FORMAT = 1;

  private static final Pattern REVISION_KEY =
      Pattern.compile(Pattern.quote(KEY) + "\\.r([0-9]{8})");

  private static final Set<String> NAMES =
      Set.of(
          "format",
          "revision",
          "system-identifier",
          "wal-segment-size",
          "created",
          "encryption",
          "key-check-salt");

  private ManifestFormat() {}

  /** The storage key of revision {@code revision}. */
  static String keyOf(long revision) {
    if (revision == 1) {
      return KEY;
    }
    if (revision < 1 || revision > 99_999_999) {
      throw new IllegalArgumentException("manifest revision " + revision + " out of range");
    }
    return String.format("%s.r%08d", KEY, revision);
  }

  /** The storage key of {@code manifest}'s revision. */
  static String keyOf(ArchiveManifest manifest) {
    return keyOf(manifest.revision());
  }

  /** The revision stored under {@code key}, or empty if {@code key} is no manifest key. */
  static Optional<Long> revisionOf(String key) {
    if (key.equals(KEY)) {
      return Optional.of(1L);
    }
    Matcher m = REVISION_KEY.matcher(key);
    if (!m.matches() || Long.parseLong(m.group(1)) < 2) {
      return Optional.empty();
    }
    return Optional.of(Long.parseLong(m.group(1)));
  }

  /** A first-revision manifest that records no encryption (as walarchive wrote before it did). */
  static ArchiveManifest unrecorded(
      int formatVersion,
      long systemIdentifier,
      WalSegmentSize segmentSize,
      Instant created,
      Map<String, String> storageFacts) {
    return new ArchiveManifest(
        formatVersion,
        systemIdentifier,
        segmentSize,
        created,
        storageFacts,
        1,
        Encryption.UNRECORDED,
        null,
        Map.of());
  }

  /** The next revision of {@code m} with other encryption settings; identity and creation kept. */
  static ArchiveManifest next(
      ArchiveManifest m, Encryption encryption, String keyCheckSalt, Map<String, ArchiveKey> keys) {
    return new ArchiveManifest(
        m.formatVersion(),
        m.systemIdentifier(),
        m.segmentSize(),
        m.created(),
        m.storageFacts(),
        m.revision() + 1,
        encryption,
        keyCheckSalt,
        keys);
  }

  /** The manifest as stored: {@code name=value} lines. */
  static byte[] toBytes(ArchiveManifest m) {
    StringBuilder sb = new StringBuilder();
    sb.append("# walarchive archive manifest: do not edit\n");
    sb.append("format=").append(m.formatVersion()).append('\n');
    if (m.revision() > 1) {
      sb.append("revision=").append(m.revision()).append('\n');
    }
    sb.append("system-identifier=")
        .append(Long.toUnsignedString(m.systemIdentifier()))
        .append('\n');
    sb.append("wal-segment-size=").append(m.segmentSize().bytes()).append('\n');
    sb.append("created=").append(m.created()).append('\n');
    if (m.encryption() != Encryption.UNRECORDED) {
      sb.append("encryption=")
          .append(m.encryption() == Encryption.NONE ? "none" : "aes-256-gcm")
          .append('\n');
    }
    if (m.keyCheckSalt() != null) {
      sb.append("key-check-salt=").append(m.keyCheckSalt()).append('\n');
    }
    new TreeMap<>(m.keys())
        .forEach(
            (id, k) ->
                sb.append(k.retired() ? "retired-key." : "key.")
                    .append(id)
                    .append('=')
                    .append(k.checkValue())
                    .append('\n'));
    new TreeMap<>(m.storageFacts())
        .forEach((k, v) -> sb.append("storage.").append(k).append('=').append(v).append('\n'));
    return sb.toString().getBytes(UTF_8);
  }

  /**
   * Parses a stored first-revision manifest.
   *
   * @throws IOException if it is malformed or of a newer format
   */
  static ArchiveManifest parse(byte[] bytes) throws IOException {
    return parse(KEY, bytes);
  }

  /**
   * Parses the manifest stored under {@code key}: strictly (unknown or repeated names, a missing
   * field, or a revision that contradicts the key are errors).
   *
   * @throws IOException if it is malformed or of a newer format; the message names the key
   */
  static ArchiveManifest parse(String key, byte[] bytes) throws IOException {
    long expectedRevision =
        revisionOf(key)
            .orElseThrow(() -> new IllegalArgumentException("'" + key + "' is no manifest key"));
    Map<String, String> p = new TreeMap<>();
    try {
      String text = UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      for (String line : text.split("\n", -1)) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        int eq = l.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("line '" + abbreviate(l) + "' is not name=value");
        }
        String name = l.substring(0, eq).strip();
        if (p.put(name, l.substring(eq + 1).strip()) != null) {
          throw new IllegalArgumentException("'" + name + "' appears twice");
        }
      }
      int format = Integer.parseInt(required(p, "format"));
      if (format > CURRENT_FORMAT) {
        throw new IOException(
            "archive manifest "
                + key
                + " has format "
                + format
                + ", newer than this walarchive understands ("
                + CURRENT_FORMAT
                + "); upgrade walarchive");
      }
      if (format < 1) {
        throw new IllegalArgumentException("format " + format + " is not a valid format");
      }
      Map<String, String> facts = new TreeMap<>();
      Map<String, ArchiveKey> keys = new TreeMap<>();
      for (Map.Entry<String, String> e : p.entrySet()) {
        String name = e.getKey();
        if (name.startsWith("storage.")) {
          facts.put(name.substring("storage.".length()), e.getValue());
        } else if (name.startsWith("key.")) {
          putKey(keys, name.substring("key.".length()), new ArchiveKey(e.getValue(), false));
        } else if (name.startsWith("retired-key.")) {
          putKey(keys, name.substring("retired-key.".length()), new ArchiveKey(e.getValue(), true));
        } else if (!NAMES.contains(name)) {
          throw new IllegalArgumentException("unknown entry '" + abbreviate(name) + "'");
        }
      }
      long revision = p.containsKey("revision") ? Long.parseLong(p.get("revision")) : 1;
      if (revision != expectedRevision) {
        throw new IllegalArgumentException(
            "it says revision " + revision + " but is stored as revision " + expectedRevision);
      }
      String enc = p.get("encryption");
      Encryption encryption;
      if (enc == null) {
        encryption = Encryption.UNRECORDED;
      } else if (enc.equals("none")) {
        encryption = Encryption.NONE;
      } else if (enc.equals("aes-256-gcm")) {
        encryption = Encryption.AES_256_GCM;
      } else {
        throw new IllegalArgumentException("unknown encryption '" + abbreviate(enc) + "'");
      }
      if (encryption == Encryption.NONE && !keys.isEmpty()) {
        throw new IllegalArgumentException("keys recorded for an unencrypted archive");
      }
      return new ArchiveManifest(
          format,
          Long.parseUnsignedLong(required(p, "system-identifier")),
          WalSegmentSize.of(Long.parseLong(required(p, "wal-segment-size"))),
          Instant.parse(required(p, "created")),
          facts,
          revision,
          encryption,
          p.get("key-check-salt"),
          keys);
    } catch (RuntimeException | java.nio.charset.CharacterCodingException e) {
      throw new IOException(
          "archive manifest "
              + key
              + " is malformed: "
              + (e.getMessage() == null ? e : e.getMessage()),
          e);
    }
  }

  private static void putKey(Map<String, ArchiveKey> keys, String id, ArchiveKey key) {
    if (keys.put(id, key) != null) {
      throw new IllegalArgumentException("key id '" + id + "' recorded twice");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static String required(Map<String, String> p, String name) {
    String value = p.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing '" + name + "'");
    }
    return value;
  }
}
