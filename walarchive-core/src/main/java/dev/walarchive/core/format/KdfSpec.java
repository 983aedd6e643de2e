package dev.walarchive.core.format;

import java.util.Arrays;

/**
 * How a master key is obtained from what the keyring holds, as recorded in an encrypted object's
 * header: a raw 256-bit key used as is, or a passphrase stretched with Argon2id under the recorded
 * salt and cost parameters.
 */
final class KdfSpec {
  static final int KIND_RAW = 0;
  static final int KIND_ARGON2ID = 1;

  /** Length of the Argon2id salt. */
  static final int SALT_LENGTH = 16;

  /** Bounds a decoder accepts, so that a damaged header cannot ask for absurd work or memory. */
  static final int MAX_MEMORY_KIB = 1024 * 1024;

  static final int MAX_ITERATIONS = 64;
  static final int MAX_PARALLELISM = 16;

  private static final KdfSpec RAW = new KdfSpec(KIND_RAW, new byte[0], 0, 0, 0);

  private final int kind;
  private final byte[] salt;
  private final int memoryKiB;
  private final int iterations;
  private final int parallelism;

  private KdfSpec(int kind, byte[] salt, int memoryKiB, int iterations, int parallelism) {
    this.kind = kind;
    this.salt = salt;
    this.memoryKiB = memoryKiB;
    this.iterations = iterations;
    this.parallelism = parallelism;
  }

  static KdfSpec raw() {
    return RAW;
  }

  /** Returns null unless the parameters are within the bounds a decoder accepts. */
  static KdfSpec argon2id(byte[] salt, int memoryKiB, int iterations, int parallelism) {
    if (salt.length != SALT_LENGTH
        || parallelism < 1
        || parallelism > MAX_PARALLELISM
        || iterations < 1
        || iterations > MAX_ITERATIONS
        || memoryKiB < 8 * parallelism
        || memoryKiB > MAX_MEMORY_KIB) {
      return null;
    }
    return new KdfSpec(KIND_ARGON2ID, salt.clone(), memoryKiB, iterations, parallelism);
  }

  int kind() {
    return kind;
  }

  byte[] salt() {
    return salt.clone();
  }

  int memoryKiB() {
    return memoryKiB;
  }

  int iterations() {
    return iterations;
  }

  int parallelism() {
    return parallelism;
  }

  /** {@code raw} or {@code argon2id(m=..,t=..,p=..)}, as shown in {@link ObjectHeader}. */
  String describe() {
    return kind == KIND_RAW
        ? "raw"
        : "argon2id(m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism + ")";
  }

  /** Identifies the derivation inside a keyring's cache (the key id is added by the keyring). */
  String cacheKey() {
    return kind == KIND_RAW ? "raw" : describe() + ":" + Hex.encode(salt);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KdfSpec other
        && kind == other.kind
        && Arrays.equals(salt, other.salt)
        && memoryKiB == other.memoryKiB
        && iterations == other.iterations
        && parallelism == other.parallelism;
  }

  @Override
  public int hashCode() {
    return cacheKey().hashCode();
  }

  @Override
  public String toString() {
    return describe();
  }
}
