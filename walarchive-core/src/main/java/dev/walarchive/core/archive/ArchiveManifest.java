package dev.walarchive.core.archive;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The manifest at the root of an archive, its identity: which cluster and segment size it holds,
 * whether it is encrypted and which keys belong to it. It is written with the first segment pushed
 * into an empty location, and every other operation requires it: a location without a valid
 * manifest is not an archive.
 *
 * <p>This is what {@link dev.walarchive.core.WalArchive#manifest()} and the facade's manifest
 * operations ({@code createArchive}, {@code addKey}, {@code retireKey}, ...) return: a value to
 * read. How it is stored is internal to the facade: storage only creates objects (never replaces
 * them), so a manifest is changed by writing a new revision under a key of its own ({@code
 * walarchive.manifest}, then {@code walarchive.manifest.r00000002}, ...), created with
 * create-if-absent; the highest revision present is the manifest, and of two concurrent updates
 * exactly one wins. Every revision repeats the whole manifest. The README ("The archive manifest")
 * describes the stored form.
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
}
