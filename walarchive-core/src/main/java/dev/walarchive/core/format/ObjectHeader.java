package dev.walarchive.core.format;

import static java.util.Objects.requireNonNull;

/**
 * What an object says about itself, as returned by {@link ObjectCodec#readHeader}: the fields of
 * its header and of its trailer (plaintext length and digest, which the single-pass encoder can
 * only write at the end), all verified. Public API because {@link ObjectCodec#readHeader} and
 * {@link ObjectCodec#verifiedHeader} return it: a tool that inspects an archived object (whether it
 * is encrypted and with which key id, which file it holds) reads it, as the archiving check of
 * walarchive-postgres does.
 *
 * @param formatVersion the object format version ({@value ObjectCodec#FORMAT_VERSION})
 * @param compression the body's compression algorithm (the level is not recorded)
 * @param encryption {@value #ENCRYPTION_NONE} or {@value #ENCRYPTION_AES_256_GCM_CHUNKED}
 * @param keyId the id of the key the object is encrypted with, null if it is not encrypted
 * @param plaintextLength the length of the archived file
 * @param digest the archived file's digest
 * @param fileName the name of the archived file the object was written for
 * @param chunkSize the size of the body's chunks before encryption
 * @param keyDerivation how the master key was obtained: null if not encrypted, {@code raw} for a
 *     256-bit key, or {@code argon2id(m=<KiB>,t=<iterations>,p=<lanes>)} for a passphrase
 */
public record ObjectHeader(
    int formatVersion,
    Compression.Algorithm compression,
    String encryption,
    String keyId,
    long plaintextLength,
    Digest digest,
    String fileName,
    int chunkSize,
    String keyDerivation) {
  /** {@link #encryption()} of an object that is not encrypted. */
  public static final String ENCRYPTION_NONE = "none";

  /** {@link #encryption()} of an object encrypted with chunked AES-256-GCM. */
  public static final String ENCRYPTION_AES_256_GCM_CHUNKED = "aes-256-gcm-chunked";

  public ObjectHeader {
    requireNonNull(compression, "compression is null");
    requireNonNull(encryption, "encryption is null");
    requireNonNull(digest, "digest is null");
    requireNonNull(fileName, "fileName is null");
  }

  /** Whether the object is encrypted. */
  public boolean encrypted() {
    return !encryption.equals(ENCRYPTION_NONE);
  }
}
