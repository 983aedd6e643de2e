package dev.walarchive.core.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * The keys an {@link ObjectCodec} encrypts and decrypts with. A keyring holds any number of keys by
 * key id; one of them, the active key, encrypts new objects, and all of them decrypt, so that keys
 * can rotate without rewriting the archive: add the new key, make it active, keep the old one for
 * as long as objects written with it are kept.
 *
 * <p>A key is either a raw 256-bit key ({@link Builder#addKey}, for example from {@link
 * #decodeBase64Key} or {@link #readKeyFile}) or a passphrase ({@link Builder#addPassphrase}),
 * stretched with Argon2id; the Argon2id salt and cost are recorded in each object so that the
 * archive stays readable if the defaults change. A passphrase costs one Argon2id derivation (a
 * fraction of a second and 64 MiB of memory) per keyring and parameter set: derived keys are cached
 * inside the keyring. Raw keys cost nothing and are recommended.
 *
 * <p>Key ids match {@code [A-Za-z0-9._-]{1,64}}. They are stored in the clear in every object and
 * in digests; choose ids that say which key, not anything about it ({@code prod-2026}).
 *
 * <p>A keyring with keys decodes only encrypted objects unless {@link
 * Builder#allowUnencryptedObjects} is set: otherwise whoever can write to the storage could
 * substitute an unencrypted object of their choosing.
 *
 * <p>Keyrings are immutable and thread-safe. {@link #toString()} shows key ids only.
 */
public final class Keyring {
  /** Argon2id memory cost of new passphrase keys, in KiB. */
  static final int PASSPHRASE_MEMORY_KIB = 64 * 1024;

  /** Argon2id passes over memory of new passphrase keys. */
  static final int PASSPHRASE_ITERATIONS = 3;

  /** Argon2id lanes of new passphrase keys. */
  static final int PASSPHRASE_PARALLELISM = 1;

  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int MAX_KEY_FILE_SIZE = 4096;
  private static final Keyring NONE = new Keyring(new TreeMap<>(), null, true);

  private final Map<String, Entry> entries;
  private final String activeKeyId;
  private final boolean allowUnencrypted;
  private final ConcurrentMap<String, byte[]> masters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, byte[]> digestKeys = new ConcurrentHashMap<>();

  private Keyring(TreeMap<String, Entry> entries, String activeKeyId, boolean allowUnencrypted) {
    this.entries = Collections.unmodifiableMap(entries);
    this.activeKeyId = activeKeyId;
    this.allowUnencrypted = allowUnencrypted;
  }

  /**
   * A keyring without keys: objects are written unencrypted with a plain SHA-256 digest, and only
   * unencrypted objects can be read.
   */
  public static Keyring none() {
    return NONE;
  }

  /** Starts a keyring with at least one key. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether objects written with this keyring are encrypted (it holds at least one key). */
  public boolean encrypts() {
    return !entries.isEmpty();
  }

  /**
   * The key id that encrypts new objects: the one set with {@link Builder#activeKeyId}, or the only
   * key. Empty without keys, and when several keys are held and none was made active (such a
   * keyring can decode but not encode).
   */
  public Optional<String> activeKeyId() {
    return Optional.ofNullable(activeKeyId);
  }

  /** The ids of all keys held, sorted. */
  public Set<String> keyIds() {
    return entries.keySet();
  }

  /**
   * Decodes a base64 (standard or URL-safe alphabet, padding optional, whitespace ignored) 256-bit
   * key, such as the output of {@code head -c 32 /dev/urandom | base64}.
   *
   * @throws IllegalArgumentException if the text is not base64 of exactly 32 bytes; the message
   *     never contains any of the text
   */
  public static byte[] decodeBase64Key(String base64) {
    requireNonNull(base64, "base64 is null");
    String compact = base64.replaceAll("\\s+", "");
    if (compact.isEmpty()) {
      throw new IllegalArgumentException(
          "the key is empty: expected a base64 256-bit key (generate one with"
              + " 'head -c 32 /dev/urandom | base64')");
    }
    byte[] key;
    try {
      key =
          compact.indexOf('-') >= 0 || compact.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(compact)
              : Base64.getDecoder().decode(compact);
    } catch (IllegalArgumentException e) {
      // the decoder's message quotes the offending character: do not pass it on
      throw new IllegalArgumentException(
          "the key is not valid base64: expected a base64 256-bit key (44 characters; generate one"
              + " with 'head -c 32 /dev/urandom | base64')");
    }
    if (key.length != Kdf.KEY_LENGTH) {
      int decoded = key.length;
      Arrays.fill(key, (byte) 0);
      throw new IllegalArgumentException(
          "the key decodes to "
              + decoded
              + " bytes, a 256-bit key has 32 (44 base64 characters; generate one with"
              + " 'head -c 32 /dev/urandom | base64')");
    }
    return key;
  }

  /**
   * Reads a 256-bit key from a file that holds either exactly 32 raw bytes or the key in base64 (as
   * {@link #decodeBase64Key} accepts it, a trailing newline is fine).
   *
   * @throws IOException if the file cannot be read (the message names the file)
   * @throws IllegalArgumentException if it holds no valid key; the message names the file, never
   *     its content
   */
  public static byte[] readKeyFile(Path file) throws IOException {
    requireNonNull(file, "file is null");
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new IOException("cannot read key file " + file + ": " + e, e);
    }
    if (size > MAX_KEY_FILE_SIZE) {
      throw new IllegalArgumentException(
          "key file " + file + " has " + size + " bytes: too large to hold a 256-bit key");
    }
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IOException("cannot read key file " + file + ": " + e, e);
    }
    if (content.length == Kdf.KEY_LENGTH) {
      return content;
    }
    try {
      return decodeBase64Key(new String(content, UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "key file "
              + file
              + " does not hold a 256-bit key: expected 32 raw bytes or base64 text; "
              + e.getMessage());
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /**
   * The key check value of key {@code keyId} for an archive whose manifest holds {@code
   * archiveSalt}, as lowercase hex: a keyed value (HMAC-SHA256 of a fixed label under a key derived
   * with HKDF from the master key and the salt) that is equal for the same key and salt, differs
   * for any other key, and reveals nothing about the key. Archive manifests record it per key id so
   * that a key generated anew under an old id is refused instead of splitting the archive. A
   * passphrase key costs its Argon2id derivation (cached).
   *
   * @throws UnknownKeyException if the key id is not held
   * @throws IllegalArgumentException if the salt is shorter than 16 bytes
   */
  public String archiveKeyCheck(String keyId, byte[] archiveSalt) throws UnknownKeyException {
    requireNonNull(archiveSalt, "archiveSalt is null");
    if (archiveSalt.length < 16) {
      throw new IllegalArgumentException(
          "archive key check salt has " + archiveSalt.length + " bytes, at least 16 expected");
    }
    Entry entry = entries.get(checkKeyId(keyId));
    if (entry == null) {
      throw new UnknownKeyException(
          keyId, "key id '" + keyId + "' is not in the keyring " + entries.keySet());
    }
    return Hex.encode(Kdf.archiveKeyCheck(master(keyId, entry.writeSpec(keyId)), archiveSalt));
  }

  static String checkKeyId(String keyId) {
    requireNonNull(keyId, "keyId is null");
    if (!KEY_ID.matcher(keyId).matches()) {
      throw new IllegalArgumentException(
          "invalid key id '" + keyId + "': expected 1 to 64 characters of [A-Za-z0-9._-]");
    }
    return keyId;
  }

  /** Whether decoding accepts objects that are not encrypted. */
  boolean allowsUnencrypted() {
    return allowUnencrypted;
  }

  /**
   * The key that encrypts new objects.
   *
   * @throws IllegalStateException if there is no key, or several and none is active
   */
  WriteKey writeKey() {
    if (activeKeyId == null) {
      throw new IllegalStateException(
          entries.isEmpty()
              ? "the keyring holds no keys: nothing to encrypt with"
              : "the keyring holds several keys "
                  + entries.keySet()
                  + " and none is active: set the key id to encrypt with");
    }
    KdfSpec spec = entries.get(activeKeyId).writeSpec(activeKeyId);
    return new WriteKey(activeKeyId, spec, master(activeKeyId, spec));
  }

  /**
   * The master key for {@code keyId} derived as {@code spec} says.
   *
   * @throws UnknownKeyException if the key id is not held
   * @throws WrongKeyException if the key id is held as the other kind of key
   */
  byte[] master(String keyId, KdfSpec spec, String objectName) throws ObjectFormatException {
    Entry entry = entries.get(keyId);
    if (entry == null) {
      throw new UnknownKeyException(
          keyId,
          "object "
              + objectName
              + " is encrypted with key id '"
              + keyId
              + "', which is not in the keyring "
              + (entries.isEmpty() ? "(no keys configured)" : entries.keySet())
              + ": add that key to read it");
    }
    if (entry.passphrase == null && spec.kind() != KdfSpec.KIND_RAW) {
      throw new WrongKeyException(
          keyId,
          "object "
              + objectName
              + " is encrypted with a passphrase under key id '"
              + keyId
              + "', but the keyring holds a raw key for that id: configure the passphrase");
    }
    if (entry.passphrase != null && spec.kind() != KdfSpec.KIND_ARGON2ID) {
      throw new WrongKeyException(
          keyId,
          "object "
              + objectName
              + " is encrypted with a raw key under key id '"
              + keyId
              + "', but the keyring holds a passphrase for that id: configure the raw key");
    }
    return master(keyId, spec);
  }

  /**
   * The HMAC key of digests under {@code keyId}, as this keyring writes them.
   *
   * @throws UnknownKeyException if the key id is not held
   */
  byte[] digestKey(String keyId, String purpose) throws UnknownKeyException {
    Entry entry = entries.get(keyId);
    if (entry == null) {
      throw new UnknownKeyException(
          keyId,
          purpose
              + " needs key id '"
              + keyId
              + "', which is not in the keyring "
              + (entries.isEmpty() ? "(no keys configured)" : entries.keySet())
              + ": add that key");
    }
    return digestKeyOf(keyId, entry.writeSpec(keyId));
  }

  byte[] digestKeyOf(String keyId, KdfSpec spec) {
    return digestKeys.computeIfAbsent(
        keyId + "|" + spec.cacheKey(), k -> Kdf.digestKey(master(keyId, spec)));
  }

  private byte[] master(String keyId, KdfSpec spec) {
    Entry entry = entries.get(keyId);
    if (entry.passphrase == null) {
      return entry.key;
    }
    return masters.computeIfAbsent(
        keyId + "|" + spec.cacheKey(), k -> Kdf.argon2id(entry.passphrase, spec));
  }

  /** Key ids only. */
  @Override
  public String toString() {
    if (entries.isEmpty()) {
      return "Keyring[none]";
    }
    return "Keyring[active=" + activeKeyId + ", keys=" + entries.keySet() + "]";
  }

  /** The active key: its id, how it is derived, and the master key. */
  record WriteKey(String keyId, KdfSpec spec, byte[] master) {
    @Override
    public String toString() {
      return "WriteKey[" + keyId + ", " + spec + "]";
    }
  }

  private static final class Entry {
    private final byte[] key;
    private final byte[] passphrase;
    private final int memoryKiB;
    private final int iterations;
    private final int parallelism;

    private Entry(byte[] key, byte[] passphrase, int memoryKiB, int iterations, int parallelism) {
      this.key = key;
      this.passphrase = passphrase;
      this.memoryKiB = memoryKiB;
      this.iterations = iterations;
      this.parallelism = parallelism;
    }

    KdfSpec writeSpec(String keyId) {
      return passphrase == null
          ? KdfSpec.raw()
          : KdfSpec.argon2id(Kdf.passphraseSalt(keyId), memoryKiB, iterations, parallelism);
    }

    boolean sameAs(Entry other) {
      return MessageDigest.isEqual(key, other.key)
          && MessageDigest.isEqual(passphrase, other.passphrase);
    }
  }

  /** Collects keys; {@link #build()} checks that the configuration can be used. */
  public static final class Builder {
    private final TreeMap<String, Entry> entries = new TreeMap<>();
    private String activeKeyId;
    private boolean allowUnencrypted;

    private Builder() {}

    /**
     * Adds a raw 256-bit key (copied).
     *
     * @throws IllegalArgumentException if the key id is invalid or already added, or the key is not
     *     32 bytes
     */
    public Builder addKey(String keyId, byte[] key256) {
      checkKeyId(keyId);
      requireNonNull(key256, "key256 is null");
      if (key256.length != Kdf.KEY_LENGTH) {
        throw new IllegalArgumentException(
            "key '" + keyId + "' has " + key256.length + " bytes, a 256-bit key has 32");
      }
      return add(keyId, new Entry(key256.clone(), null, 0, 0, 0));
    }

    /**
     * Adds a passphrase (copied; the caller may wipe its array afterwards), stretched with Argon2id
     * (64 MiB, 3 passes, 1 lane) when first used. The passphrase is Unicode NFC-normalized and
     * encoded as UTF-8.
     *
     * @throws IllegalArgumentException if the key id is invalid or already added, or the passphrase
     *     is empty
     */
    public Builder addPassphrase(String keyId, char[] passphrase) {
      return addPassphrase(
          keyId, passphrase, PASSPHRASE_MEMORY_KIB, PASSPHRASE_ITERATIONS, PASSPHRASE_PARALLELISM);
    }

    /** As {@link #addPassphrase(String, char[])} with other Argon2id costs (tests use small). */
    Builder addPassphrase(
        String keyId, char[] passphrase, int memoryKiB, int iterations, int parallelism) {
      checkKeyId(keyId);
      requireNonNull(passphrase, "passphrase is null");
      if (passphrase.length == 0) {
        throw new IllegalArgumentException("passphrase for key '" + keyId + "' is empty");
      }
      if (KdfSpec.argon2id(new byte[KdfSpec.SALT_LENGTH], memoryKiB, iterations, parallelism)
          == null) {
        throw new IllegalArgumentException(
            "Argon2id cost out of range: m="
                + memoryKiB
                + ", t="
                + iterations
                + ", p="
                + parallelism);
      }
      String normalized = Normalizer.normalize(CharBuffer.wrap(passphrase), Normalizer.Form.NFC);
      byte[] bytes = normalized.getBytes(UTF_8);
      return add(keyId, new Entry(null, bytes, memoryKiB, iterations, parallelism));
    }

    /** The key id that encrypts new objects; needed when more than one key is added. */
    public Builder activeKeyId(String keyId) {
      this.activeKeyId = checkKeyId(keyId);
      return this;
    }

    /**
     * Whether decoding also accepts unencrypted objects, for archives that were written before
     * encryption was turned on. Default false: an encrypting keyring refuses unencrypted objects,
     * whose content nobody vouches for.
     */
    public Builder allowUnencryptedObjects(boolean allow) {
      this.allowUnencrypted = allow;
      return this;
    }

    /**
     * Builds the keyring.
     *
     * @throws IllegalStateException if no key was added (use {@link Keyring#none()} to write
     *     unencrypted objects) or the active key id is not one of the keys
     */
    public Keyring build() {
      if (entries.isEmpty()) {
        throw new IllegalStateException(
            "no keys added to the keyring; use Keyring.none() for an unencrypted archive");
      }
      String active = activeKeyId;
      if (active != null && !entries.containsKey(active)) {
        throw new IllegalStateException(
            "active key id '" + active + "' is not in the keyring " + entries.keySet());
      }
      if (active == null && entries.size() == 1) {
        active = entries.firstKey();
      }
      return new Keyring(new TreeMap<>(entries), active, allowUnencrypted);
    }

    private Builder add(String keyId, Entry entry) {
      Entry existing = entries.putIfAbsent(keyId, entry);
      if (existing != null) {
        throw new IllegalArgumentException(
            "key id '"
                + keyId
                + "' added twice"
                + (existing.sameAs(entry) ? "" : " with different keys"));
      }
      return this;
    }
  }
}
