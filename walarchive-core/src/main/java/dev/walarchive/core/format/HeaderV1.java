package dev.walarchive.core.format;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32C;

/**
 * The header of a format v1 object, and the envelope every format version keeps.
 *
 * <pre>
 * envelope (all versions):
 *   magic            8 bytes  0x89 'W' 'A' 'L' 'A' 'R' 'C' '\n'
 *   format version   u16
 *   body length      u32      at most 65536
 *   body             (body length bytes, layout given by the version)
 *   crc32c           u32      over magic .. body
 * body of version 1:
 *   compression      u8       0 none, 1 zstd
 *   encryption       u8       0 none, 1 aes-256-gcm-chunked
 *   chunk size       u32
 *   file name        u16 length + ASCII
 *   if encrypted:
 *     key id         u8 length + ASCII
 *     key kind       u8       0 raw, 1 argon2id passphrase
 *     if argon2id:   salt (16 bytes), memory KiB u32, iterations u32, parallelism u8
 *     object salt    32 bytes (HKDF salt of this object's data key)
 *     key check      16 bytes
 * </pre>
 *
 * All integers are big-endian. The header hash (SHA-256 of magic .. body) is the associated data of
 * every chunk, so that the header is authenticated with the body.
 */
final class HeaderV1 {
  static final byte[] MAGIC = {(byte) 0x89, 'W', 'A', 'L', 'A', 'R', 'C', '\n'};
  static final int PREFIX_LENGTH = MAGIC.length + 2 + 4;
  static final int MAX_BODY_LENGTH = 65536;
  static final int OBJECT_SALT_LENGTH = 32;

  static final int COMPRESSION_NONE = 0;
  static final int COMPRESSION_ZSTD = 1;
  static final int ENCRYPTION_NONE = 0;
  static final int ENCRYPTION_AES_GCM = 1;

  static final int MIN_CHUNK_SIZE = 64;
  static final int MAX_CHUNK_SIZE = 1024 * 1024;

  final Compression.Algorithm compression;
  final boolean encrypted;
  final int chunkSize;
  final String fileName;
  final String keyId;
  final KdfSpec kdf;
  final byte[] objectSalt;
  final byte[] keyCheck;

  /** magic .. body, as written or read. */
  private byte[] bytes;

  HeaderV1(
      Compression.Algorithm compression,
      int chunkSize,
      String fileName,
      String keyId,
      KdfSpec kdf,
      byte[] objectSalt,
      byte[] keyCheck) {
    this.compression = compression;
    this.encrypted = keyId != null;
    this.chunkSize = chunkSize;
    this.fileName = fileName;
    this.keyId = keyId;
    this.kdf = kdf;
    this.objectSalt = objectSalt;
    this.keyCheck = keyCheck;
  }

  /** The envelope including the trailing CRC, ready to be written. */
  byte[] encode() {
    ByteArrayOutputStream body = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(body)) {
      out.writeByte(
          compression == Compression.Algorithm.ZSTD ? COMPRESSION_ZSTD : COMPRESSION_NONE);
      out.writeByte(encrypted ? ENCRYPTION_AES_GCM : ENCRYPTION_NONE);
      out.writeInt(chunkSize);
      byte[] name = fileName.getBytes(US_ASCII);
      out.writeShort(name.length);
      out.write(name);
      if (encrypted) {
        byte[] id = keyId.getBytes(US_ASCII);
        out.writeByte(id.length);
        out.write(id);
        out.writeByte(kdf.kind());
        if (kdf.kind() == KdfSpec.KIND_ARGON2ID) {
          out.write(kdf.salt());
          out.writeInt(kdf.memoryKiB());
          out.writeInt(kdf.iterations());
          out.writeByte(kdf.parallelism());
        }
        out.write(objectSalt);
        out.write(keyCheck);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bodyBytes = body.toByteArray();
    ByteBuffer envelope = ByteBuffer.allocate(PREFIX_LENGTH + bodyBytes.length + 4);
    envelope.put(MAGIC).putShort((short) ObjectCodec.FORMAT_VERSION).putInt(bodyBytes.length);
    envelope.put(bodyBytes);
    CRC32C crc = new CRC32C();
    crc.update(envelope.array(), 0, envelope.position());
    bytes = java.util.Arrays.copyOf(envelope.array(), envelope.position());
    envelope.putInt((int) crc.getValue());
    return envelope.array();
  }

  /** SHA-256 of magic .. body: the associated data of every chunk. */
  byte[] hash() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  ObjectHeader toObjectHeader(long plaintextLength, Digest digest) {
    return new ObjectHeader(
        ObjectCodec.FORMAT_VERSION,
        compression,
        encrypted ? ObjectHeader.ENCRYPTION_AES_256_GCM_CHUNKED : ObjectHeader.ENCRYPTION_NONE,
        keyId,
        plaintextLength,
        digest,
        fileName,
        chunkSize,
        encrypted ? kdf.describe() : null);
  }

  /**
   * Reads and checks the envelope, then parses a version 1 body.
   *
   * @param objectName how to name the object in messages
   */
  static HeaderV1 read(InputStream in, String objectName) throws IOException {
    byte[] prefix = new byte[PREFIX_LENGTH];
    int got = Streams.readFully(in, prefix, 0, prefix.length);
    if (got == 0) {
      throw new ObjectIntegrityException("object " + objectName + " is empty");
    }
    if (got < MAGIC.length
        || !MessageDigest.isEqual(java.util.Arrays.copyOf(prefix, MAGIC.length), MAGIC)) {
      throw new ObjectIntegrityException(
          "object " + objectName + " is not a walarchive object (no walarchive magic number)");
    }
    if (got < prefix.length) {
      throw truncatedHeader(objectName);
    }
    ByteBuffer prefixBuffer = ByteBuffer.wrap(prefix, MAGIC.length, 6);
    int version = Short.toUnsignedInt(prefixBuffer.getShort());
    long bodyLength = Integer.toUnsignedLong(prefixBuffer.getInt());
    if (bodyLength > MAX_BODY_LENGTH) {
      throw new ObjectIntegrityException(
          "object " + objectName + " is corrupt: header length " + bodyLength + " out of range");
    }
    byte[] bytes = java.util.Arrays.copyOf(prefix, PREFIX_LENGTH + (int) bodyLength);
    byte[] crcBytes = new byte[4];
    if (Streams.readFully(in, bytes, PREFIX_LENGTH, (int) bodyLength) < bodyLength
        || Streams.readFully(in, crcBytes, 0, 4) < 4) {
      throw truncatedHeader(objectName);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    if ((int) crc.getValue() != ByteBuffer.wrap(crcBytes).getInt()) {
      throw new ObjectIntegrityException(
          "object " + objectName + " is corrupt: header checksum mismatch");
    }
    if (version != ObjectCodec.FORMAT_VERSION) {
      if (version > ObjectCodec.FORMAT_VERSION) {
        throw new UnsupportedFormatVersionException(objectName, version);
      }
      throw new ObjectIntegrityException(
          "object " + objectName + " has invalid format version " + version);
    }
    HeaderV1 header =
        parseBody(ByteBuffer.wrap(bytes, PREFIX_LENGTH, (int) bodyLength), objectName);
    header.bytes = bytes;
    return header;
  }

  private static HeaderV1 parseBody(ByteBuffer body, String objectName)
      throws ObjectIntegrityException {
    try {
      int compressionCode = Byte.toUnsignedInt(body.get());
      int encryptionCode = Byte.toUnsignedInt(body.get());
      int chunkSize = body.getInt();
      String fileName = ascii(body, Short.toUnsignedInt(body.getShort()));
      Compression.Algorithm compression;
      if (compressionCode == COMPRESSION_NONE) {
        compression = Compression.Algorithm.NONE;
      } else if (compressionCode == COMPRESSION_ZSTD) {
        compression = Compression.Algorithm.ZSTD;
      } else {
        throw malformed(objectName, "unknown compression " + compressionCode);
      }
      if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
        throw malformed(objectName, "chunk size " + chunkSize + " out of range");
      }
      if (!ObjectCodec.isValidFileName(fileName)) {
        throw malformed(objectName, "invalid file name");
      }
      String keyId = null;
      KdfSpec kdf = null;
      byte[] objectSalt = null;
      byte[] keyCheck = null;
      if (encryptionCode == ENCRYPTION_AES_GCM) {
        keyId = ascii(body, Byte.toUnsignedInt(body.get()));
        try {
          Keyring.checkKeyId(keyId);
        } catch (IllegalArgumentException e) {
          throw malformed(objectName, "invalid key id");
        }
        int kind = Byte.toUnsignedInt(body.get());
        if (kind == KdfSpec.KIND_RAW) {
          kdf = KdfSpec.raw();
        } else if (kind == KdfSpec.KIND_ARGON2ID) {
          byte[] salt = new byte[KdfSpec.SALT_LENGTH];
          body.get(salt);
          int memory = body.getInt();
          int iterations = body.getInt();
          int parallelism = Byte.toUnsignedInt(body.get());
          kdf = KdfSpec.argon2id(salt, memory, iterations, parallelism);
          if (kdf == null) {
            throw malformed(objectName, "Argon2id parameters out of range");
          }
        } else {
          throw malformed(objectName, "unknown key derivation " + kind);
        }
        objectSalt = new byte[OBJECT_SALT_LENGTH];
        body.get(objectSalt);
        keyCheck = new byte[Kdf.KEY_CHECK_LENGTH];
        body.get(keyCheck);
      } else if (encryptionCode != ENCRYPTION_NONE) {
        throw malformed(objectName, "unknown encryption " + encryptionCode);
      }
      if (body.hasRemaining()) {
        throw malformed(objectName, body.remaining() + " unexpected bytes at the end");
      }
      return new HeaderV1(compression, chunkSize, fileName, keyId, kdf, objectSalt, keyCheck);
    } catch (java.nio.BufferUnderflowException e) {
      throw malformed(objectName, "fields run past its end");
    }
  }

  private static String ascii(ByteBuffer body, int length) {
    byte[] bytes = new byte[length];
    body.get(bytes);
    for (byte b : bytes) {
      if (b < 0x20 || b > 0x7e) {
        return "";
      }
    }
    return new String(bytes, US_ASCII);
  }

  private static ObjectIntegrityException malformed(String objectName, String what) {
    return new ObjectIntegrityException(
        "object " + objectName + " has a malformed format 1 header: " + what);
  }

  private static ObjectIntegrityException truncatedHeader(String objectName) {
    return new ObjectIntegrityException(
        "object " + objectName + " is truncated: it ends inside its header");
  }
}
