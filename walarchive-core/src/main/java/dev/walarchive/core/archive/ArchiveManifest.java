package dev.walarchive.core.archive;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The manifest at the root of an archive, its identity: which cluster and segment size it holds,
 * whether it is encrypted and which keys belong to it. It is written with the first segment pushed
 * into an empty location, and every other operation requires it: a location without a valid
 * manifest is not an archive.
 *
 * <p>Storage only creates objects (never replaces them), so a manifest is changed by writing a new
 * revision under a key of its own: revision 1 is {@value #KEY}, revision {@code n > 1} is {@code
 * walarchive.manifest.r<n as 8 digits>} (see {@link #keyOf(long)}), created with create-if-absent.
 * The highest revision present is the manifest; of two concurrent updates exactly one wins. Every
 * revision repeats the whole manifest.
 *
 * @param formatVersion archive layout version (1)
 * @param systemIdentifier the cluster's system identifier ({@code pg_control_system()})
 * @param segmentSize the cluster's WAL segment size
 * @param created when the archive was created
 * @param storageFacts what the storage backend recorded when the archive was created
 * @param revision this manifest's revision, 1 for the first
 * @param encryption whether new objects are encrypted; {@link Encryption#UNRECORDED} in manifests
 *     written before walarchive recorded it
 * @param keyCheckSalt the per-archive salt of the key check values (lowercase hex), null if no key
 *     is recorded
 * @param keys the key check value and state of each key id that belongs to the archive, sorted by
 *     id
 */
public record ArchiveManifest(
    int formatVersion,
    long systemIdentifier,
    WalSegmentSize segmentSize,
    Instant created,
    Map<String, String> storageFacts,
    long revision,
    Encryption encryption,
    String keyCheckSalt,
    Map<String, ArchiveKey> keys) {
  /** The storage key of the manifest's first revision, relative to the archive root. */
  public static final String KEY = "walarchive.manifest";

  /** The archive layout this version writes and reads. */
  public static final int CURRENT_FORMAT = 1;

  private static final Pattern REVISION_KEY =
      Pattern.compile(Pattern.quote(KEY) + "\\.r([0-9]{8})");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{32,128}");
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Whether an archive encrypts what is pushed into it. */
  public enum Encryption {
    /** The manifest predates encryption records; pushes refuse until it is upgraded. */
    UNRECORDED,
    /** Objects are stored unencrypted; pushing with a key is refused. */
    NONE,
    /** Objects are encrypted with AES-256-GCM; pushing without a registered key is refused. */
    AES_256_GCM
  }

  /**
   * A key id recorded in the manifest.
   *
   * @param checkValue the key's check value ({@code Keyring.archiveKeyCheck}), lowercase hex
   * @param retired whether the key may only read (retired keys are never used for new objects)
   */
  public record ArchiveKey(String checkValue, boolean retired) {
    public ArchiveKey {
      requireNonNull(checkValue, "checkValue is null");
      if (!HEX.matcher(checkValue).matches()) {
        throw new IllegalArgumentException("key check value is not lowercase hex");
      }
    }
  }

  public ArchiveManifest {
    requireNonNull(segmentSize, "segmentSize is null");
    requireNonNull(created, "created is null");
    storageFacts = Map.copyOf(requireNonNull(storageFacts, "storageFacts is null"));
    requireNonNull(encryption, "encryption is null");
    keys =
        java.util.Collections.unmodifiableSortedMap(
            new TreeMap<>(requireNonNull(keys, "keys is null")));
    if (revision < 1 || revision > 99_999_999) {
      throw new IllegalArgumentException("manifest revision " + revision + " out of range");
    }
    if (keyCheckSalt != null && !HEX.matcher(keyCheckSalt).matches()) {
      throw new IllegalArgumentException("key check salt is not lowercase hex");
    }
    for (String id : keys.keySet()) {
      if (!KEY_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("invalid key id '" + id + "'");
      }
    }
    if (!keys.isEmpty() && keyCheckSalt == null) {
      throw new IllegalArgumentException("key check values recorded without a salt");
    }
    if (encryption == Encryption.AES_256_GCM
        && keys.values().stream().allMatch(ArchiveKey::retired)) {
      throw new IllegalArgumentException("an encrypted archive needs at least one current key");
    }
  }

  /** A first-revision manifest that records no encryption (as walarchive wrote before it did). */
  public ArchiveManifest(
      int formatVersion,
      long systemIdentifier,
      WalSegmentSize segmentSize,
      Instant created,
      Map<String, String> storageFacts) {
    this(
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

  /** The storage key of revision {@code revision}. */
  public static String keyOf(long revision) {
    if (revision == 1) {
      return KEY;
    }
    if (revision < 1 || revision > 99_999_999) {
      throw new IllegalArgumentException("manifest revision " + revision + " out of range");
    }
    return String.format("%s.r%08d", KEY, revision);
  }

  /** The revision stored under {@code key}, or empty if {@code key} is no manifest key. */
  public static Optional<Long> revisionOf(String key) {
    if (key.equals(KEY)) {
      return Optional.of(1L);
    }
    Matcher m = REVISION_KEY.matcher(key);
    if (!m.matches() || Long.parseLong(m.group(1)) < 2) {
      return Optional.empty();
    }
    return Optional.of(Long.parseLong(m.group(1)));
  }

  /** The storage key of this revision. */
  public String key() {
    return keyOf(revision);
  }

  /** The next revision with other encryption settings; identity and creation are kept. */
  public ArchiveManifest next(
      Encryption encryption, String keyCheckSalt, Map<String, ArchiveKey> keys) {
    return new ArchiveManifest(
        formatVersion,
        systemIdentifier,
        segmentSize,
        created,
        storageFacts,
        revision + 1,
        encryption,
        keyCheckSalt,
        keys);
  }

  /** The manifest as stored: {@code name=value} lines. */
  public byte[] toBytes() {
    StringBuilder sb = new StringBuilder();
    sb.append("# walarchive archive manifest: do not edit\n");
    sb.append("format=").append(formatVersion).append('\n');
    if (revision > 1) {
      sb.append("revision=").append(revision).append('\n');
    }
    sb.append("system-identifier=").append(Long.toUnsignedString(systemIdentifier)).append('\n');
    sb.append("wal-segment-size=").append(segmentSize.bytes()).append('\n');
    sb.append("created=").append(created).append('\n');
    if (encryption != Encryption.UNRECORDED) {
      sb.append("encryption=")
          .append(encryption == Encryption.NONE ? "none" : "aes-256-gcm")
          .append('\n');
    }
    if (keyCheckSalt != null) {
      sb.append("key-check-salt=").append(keyCheckSalt).append('\n');
    }
    new TreeMap<>(keys)
        .forEach(
            (id, k) ->
                sb.append(k.retired() ? "retired-key." : "key.")
                    .append(id)
                    .append('=')
                    .append(k.checkValue())
                    .append('\n'));
    new TreeMap<>(storageFacts)
        .forEach((k, v) -> sb.append("storage.").append(k).append('=').append(v).append('\n'));
    return sb.toString().getBytes(UTF_8);
  }

  /**
   * Parses a stored first-revision manifest.
   *
   * @throws IOException if it is malformed or of a newer format
   */
  public static ArchiveManifest parse(byte[] bytes) throws IOException {
    return parse(KEY, bytes);
  }

  /**
   * Parses the manifest stored under {@code key}: strictly (unknown or repeated names, a missing
   * field, or a revision that contradicts the key are errors).
   *
   * @throws IOException if it is malformed or of a newer format; the message names the key
   */
  public static ArchiveManifest parse(String key, byte[] bytes) throws IOException {
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
        } else if (!Names.NAMES.contains(name)) {
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

  private static final class Names {
    static final java.util.Set<String> NAMES =
        java.util.Set.of(
            "format",
            "revision",
            "system-identifier",
            "wal-segment-size",
            "created",
            "encryption",
            "key-check-salt");
  }
}
