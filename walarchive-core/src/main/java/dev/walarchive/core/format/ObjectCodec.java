package dev.walarchive.core.format;

import static java.util.Objects.requireNonNull;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Encodes archived files into objects of the walarchive format and decodes them back, in one
 * streaming pass with bounded memory (a few chunks, whatever the file's size).
 *
 * <p>An object is a small plaintext header (magic, format version, compression, encryption, key id
 * and key derivation, the archived file's name), then the body in chunks, then a final chunk
 * holding the trailer (plaintext length, body length, plaintext digest). The body is the file
 * compressed with zstd (or not), then cut into {@value #DEFAULT_CHUNK_SIZE}-byte chunks. With
 * encryption each chunk is sealed with AES-256-GCM under a key derived for this object alone (HKDF
 * from the master key and a random salt in the header); the nonce is the chunk's index and a final
 * flag, and the header is associated data of every chunk. Without encryption each chunk carries a
 * CRC32C and the trailer the plaintext's SHA-256. Either way a flipped bit, a truncated or extended
 * object, reordered chunks and an object copied to another file's name are detected.
 *
 * <p>The codec is immutable and thread-safe; each call works on its own streams.
 */
public final class ObjectCodec {
  /** The object format version this codec writes and the newest it reads. */
  public static final int FORMAT_VERSION = 1;

  /** Body bytes per chunk in objects this codec writes. */
  public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;

  /** Plaintext length (u64), body length (u64), digest (32 bytes). */
  static final int TRAILER_LENGTH = 48;

  private static final int READ_BUFFER_SIZE = 64 * 1024;
  private static final int MAX_FILE_NAME_LENGTH = 255;

  /** The source of per-object salts; tests inject a deterministic one. */
  interface RandomSource {
    void nextBytes(byte[] bytes);
  }

  private final Compression compression;
  private final Keyring keyring;
  private final RandomSource random;
  private final int chunkSize;

  /**
   * A codec that writes objects with the given compression, encrypted with the keyring's active key
   * if it holds keys, and reads objects with any key it holds.
   */
  public ObjectCodec(Compression compression, Keyring keyring) {
    this(compression, keyring, new SecureRandom()::nextBytes, DEFAULT_CHUNK_SIZE);
  }

  ObjectCodec(Compression compression, Keyring keyring, RandomSource random, int chunkSize) {
    this.compression = requireNonNull(compression, "compression is null");
    this.keyring = requireNonNull(keyring, "keyring is null");
    this.random = requireNonNull(random, "random is null");
    if (chunkSize < HeaderV1.MIN_CHUNK_SIZE || chunkSize > HeaderV1.MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException("chunk size out of range: " + chunkSize);
    }
    this.chunkSize = chunkSize;
  }

  /** The compression of objects this codec writes. */
  public Compression compression() {
    return compression;
  }

  /** The keyring this codec encrypts and decrypts with. */
  public Keyring keyring() {
    return keyring;
  }

  /**
   * Reads {@code plaintext} to its end and writes the object for the archived file {@code fileName}
   * to {@code out}: digest, compression and encryption in one pass. Neither stream is closed.
   *
   * @param fileName the archived file's name (printable ASCII, 1 to 255 characters), recorded in
   *     the object so that it decodes only under that name
   * @return the lengths and the plaintext digest, for the storage object's metadata
   * @throws IllegalArgumentException if the file name is invalid
   * @throws IllegalStateException if the keyring holds several keys and none is active
   * @throws IOException if reading or writing fails
   */
  public EncodeResult encode(String fileName, InputStream plaintext, OutputStream out)
      throws IOException {
    checkFileName(fileName);
    requireNonNull(plaintext, "plaintext is null");
    requireNonNull(out, "out is null");

    HeaderV1 header;
    ChunkCrypto crypto;
    PlaintextDigester digester;
    if (keyring.encrypts()) {
      Keyring.WriteKey key = keyring.writeKey();
      byte[] objectSalt = new byte[HeaderV1.OBJECT_SALT_LENGTH];
      random.nextBytes(objectSalt);
      header =
          new HeaderV1(
              compression.algorithm(),
              chunkSize,
              fileName,
              key.keyId(),
              key.spec(),
              objectSalt,
              Kdf.keyCheck(key.master(), objectSalt));
      byte[] headerBytes = header.encode();
      out.write(headerBytes);
      byte[] dataKey = Kdf.dataKey(key.master(), objectSalt);
      crypto = ChunkCrypto.gcm(dataKey, header.hash());
      java.util.Arrays.fill(dataKey, (byte) 0);
      digester =
          PlaintextDigester.hmacSha256(key.keyId(), keyring.digestKeyOf(key.keyId(), key.spec()));
      return encodeBody(header, headerBytes.length, crypto, digester, plaintext, out);
    }
    header = new HeaderV1(compression.algorithm(), chunkSize, fileName, null, null, null, null);
    byte[] headerBytes = header.encode();
    out.write(headerBytes);
    crypto = ChunkCrypto.crc(header.hash());
    digester = PlaintextDigester.sha256();
    return encodeBody(header, headerBytes.length, crypto, digester, plaintext, out);
  }

  private EncodeResult encodeBody(
      HeaderV1 header,
      int headerLength,
      ChunkCrypto crypto,
      PlaintextDigester digester,
      InputStream plaintext,
      OutputStream out)
      throws IOException {
    ChunkWriter chunks = new ChunkWriter(out, chunkSize, crypto);
    long plaintextLength = 0;
    byte[] buffer = new byte[READ_BUFFER_SIZE];
    if (header.compression == Compression.Algorithm.ZSTD) {
      ZstdOutputStreamNoFinalizer zstd =
          new ZstdOutputStreamNoFinalizer(chunks, compression.level());
      try {
        for (int n; (n = plaintext.read(buffer)) >= 0; ) {
          digester.update(buffer, 0, n);
          zstd.write(buffer, 0, n);
          plaintextLength += n;
        }
      } catch (IOException | RuntimeException e) {
        try {
          zstd.closeWithoutClosingParentStream();
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      zstd.closeWithoutClosingParentStream();
    } else {
      for (int n; (n = plaintext.read(buffer)) >= 0; ) {
        digester.update(buffer, 0, n);
        chunks.write(buffer, 0, n);
        plaintextLength += n;
      }
    }
    Digest digest = digester.finish();
    ByteBuffer trailer = ByteBuffer.allocate(TRAILER_LENGTH);
    trailer.putLong(plaintextLength).putLong(chunks.bodyLength()).put(digest.value());
    chunks.finish(trailer.array());
    return new EncodeResult(plaintextLength, headerLength + chunks.written(), digest);
  }

  /**
   * Opens the object {@code encoded} as the archived file {@code fileName}. Before returning, this
   * reads and checks the header (format version, file name, key) and authenticates the first chunk,
   * so a wrong object, key or format fails here. The returned stream yields the plaintext and
   * checks every chunk before returning its bytes; the end of the object (final chunk, lengths,
   * digest, no trailing bytes) is checked when the stream reaches its end, and any failure is an
   * {@link ObjectFormatException}.
   *
   * <p>Because bytes are returned before the end has been checked, a caller must not use the output
   * until the stream has returned -1: write it to a temporary file, and publish that only after end
   * of stream (then fsync and rename).
   *
   * <p>Closing the returned stream closes {@code encoded}.
   *
   * @throws ObjectIntegrityException if the object is damaged, truncated or tampered with, or not
   *     encrypted while the keyring requires encryption
   * @throws WrongKeyException if the keyring's key for the object's key id is not the right one
   * @throws ObjectNameMismatchException if the object was written for another file name
   * @throws UnknownKeyException if the object's key id is not in the keyring
   * @throws UnsupportedFormatVersionException if the object was written by a newer walarchive
   */
  public InputStream decode(String fileName, InputStream encoded) throws IOException {
    checkFileName(fileName);
    requireNonNull(encoded, "encoded is null");
    return open(fileName, encoded, true);
  }

  /**
   * Opens the object as {@link #decode} does, for a caller that checks every byte it uses against
   * digests of its own (a base backup's files against the SHA-256 its manifest lists): the
   * plaintext is not digested a second time. Everything else is verified as by {@link #decode}: the
   * header, every chunk's authentication tag (or CRC32C), the final chunk, the plaintext and body
   * lengths; {@link #verifiedHeader} then reports the digest the authenticated trailer carries, for
   * comparison with the storage metadata. Bytes the caller does not check itself are authenticated
   * only chunk by chunk.
   *
   * @throws ObjectFormatException as {@link #decode} does
   */
  public InputStream decodeCheckedByCaller(String fileName, InputStream encoded)
      throws IOException {
    checkFileName(fileName);
    requireNonNull(encoded, "encoded is null");
    return open(fileName, encoded, false);
  }

  /**
   * What a stream returned by {@link #decode} has verified about its object (header and trailer:
   * plaintext length and digest), once it has returned -1. Use it to check the object against what
   * is recorded about it elsewhere, such as the storage object's metadata.
   *
   * @throws IllegalArgumentException if {@code decoded} was not returned by {@link #decode}
   * @throws IllegalStateException if {@code decoded} has not been read to its end
   */
  public static ObjectHeader verifiedHeader(InputStream decoded) {
    if (!(decoded instanceof DecodingInputStream stream)) {
      throw new IllegalArgumentException("not a stream returned by ObjectCodec.decode: " + decoded);
    }
    ObjectHeader header = stream.verifiedHeader();
    if (header == null) {
      throw new IllegalStateException("the decoded stream has not been read to its end");
    }
    return header;
  }

  /**
   * Reads the whole object, verifying it as {@link #decode} does (the plaintext is discarded), and
   * returns what it records about itself. The plaintext length and digest sit in the object's
   * trailer, so there is no cheaper way to read them with confidence. The stream is not closed.
   *
   * @throws ObjectFormatException as {@link #decode} does, except that any file name is accepted
   */
  public ObjectHeader readHeader(InputStream encoded) throws IOException {
    requireNonNull(encoded, "encoded is null");
    DecodingInputStream plaintext = open(null, encoded, true);
    byte[] buffer = new byte[READ_BUFFER_SIZE];
    while (plaintext.read(buffer) >= 0) {
      // verification happens while reading
    }
    return plaintext.verifiedHeader();
  }

  /**
   * Computes the digest of {@code plaintext} in the scheme of {@code like}: plain SHA-256 for a
   * {@code sha256} digest, HMAC-SHA256 under the key derived from {@code like}'s key id otherwise.
   * Use it to compare a local file with an archived object's digest that may have been written
   * under an older key. The stream is read to its end and not closed.
   *
   * @throws UnknownKeyException if {@code like}'s key id is not in the keyring
   */
  public Digest digest(InputStream plaintext, Digest like) throws IOException {
    requireNonNull(plaintext, "plaintext is null");
    requireNonNull(like, "like is null");
    PlaintextDigester digester =
        like.keyId() == null
            ? PlaintextDigester.sha256()
            : PlaintextDigester.hmacSha256(
                like.keyId(), keyring.digestKey(like.keyId(), "comparing with digest " + like));
    return digest(plaintext, digester);
  }

  /**
   * Computes the digest of {@code plaintext} in the scheme this codec writes: HMAC-SHA256 under the
   * active key if the keyring encrypts, SHA-256 otherwise. The stream is read to its end and not
   * closed.
   *
   * @throws IllegalStateException if the keyring holds several keys and none is active
   */
  public Digest digestOf(InputStream plaintext) throws IOException {
    requireNonNull(plaintext, "plaintext is null");
    PlaintextDigester digester;
    if (keyring.encrypts()) {
      Keyring.WriteKey key = keyring.writeKey();
      digester =
          PlaintextDigester.hmacSha256(key.keyId(), keyring.digestKeyOf(key.keyId(), key.spec()));
    } else {
      digester = PlaintextDigester.sha256();
    }
    return digest(plaintext, digester);
  }

  private static Digest digest(InputStream plaintext, PlaintextDigester digester)
      throws IOException {
    byte[] buffer = new byte[READ_BUFFER_SIZE];
    for (int n; (n = plaintext.read(buffer)) >= 0; ) {
      digester.update(buffer, 0, n);
    }
    return digester.finish();
  }

  private DecodingInputStream open(String expectedName, InputStream encoded, boolean digest)
      throws IOException {
    String objectName = expectedName == null ? "(unnamed)" : expectedName;
    HeaderV1 header = HeaderV1.read(encoded, objectName);
    if (expectedName != null && !expectedName.equals(header.fileName)) {
      throw new ObjectNameMismatchException(expectedName, header.fileName);
    }
    objectName = header.fileName;
    ChunkCrypto crypto;
    PlaintextDigester digester;
    if (header.encrypted) {
      byte[] master = keyring.master(header.keyId, header.kdf, objectName);
      if (!MessageDigest.isEqual(Kdf.keyCheck(master, header.objectSalt), header.keyCheck)) {
        throw new WrongKeyException(
            header.keyId,
            "object "
                + objectName
                + " was encrypted with another key than the one the keyring holds for key id '"
                + header.keyId
                + "': the key or passphrase configured for '"
                + header.keyId
                + "' is probably wrong");
      }
      byte[] dataKey = Kdf.dataKey(master, header.objectSalt);
      crypto = ChunkCrypto.gcm(dataKey, header.hash());
      java.util.Arrays.fill(dataKey, (byte) 0);
      digester =
          PlaintextDigester.hmacSha256(header.keyId, keyring.digestKeyOf(header.keyId, header.kdf));
    } else {
      if (keyring.encrypts() && !keyring.allowsUnencrypted()) {
        throw new ObjectIntegrityException(
            "object "
                + objectName
                + " is not encrypted, but the keyring only accepts encrypted objects: if the"
                + " archive holds objects written before encryption was turned on, allow"
                + " unencrypted objects explicitly");
      }
      crypto = ChunkCrypto.crc(header.hash());
      digester = PlaintextDigester.sha256();
    }
    ChunkReader chunks = new ChunkReader(encoded, objectName, header.chunkSize, crypto);
    chunks.start();
    return new DecodingInputStream(header, chunks, digester, objectName, digest);
  }

  static boolean isValidFileName(String name) {
    if (name.isEmpty() || name.length() > MAX_FILE_NAME_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static void checkFileName(String fileName) {
    requireNonNull(fileName, "fileName is null");
    if (!isValidFileName(fileName)) {
      throw new IllegalArgumentException(
          "invalid file name '"
              + fileName
              + "': expected 1 to "
              + MAX_FILE_NAME_LENGTH
              + " printable ASCII characters");
    }
  }

  @Override
  public String toString() {
    return "ObjectCodec[" + compression + ", " + keyring + "]";
  }
}
