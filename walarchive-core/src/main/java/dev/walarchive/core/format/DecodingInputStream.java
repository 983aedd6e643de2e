package dev.walarchive.core.format;

import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * The plaintext of one object: decompresses the authenticated body, digests what it returns, and at
 * the end checks the trailer (plaintext length, body length, digest) and that nothing follows. A
 * failure is thrown again on every later read. Without {@code digestPlaintext} (for callers that
 * check every byte they use against digests of their own) the plaintext is not digested again: the
 * chunks are authenticated and the lengths checked as always, and the verified header carries the
 * digest of the authenticated trailer.
 */
final class DecodingInputStream extends InputStream {
  private final HeaderV1 header;
  private final ChunkReader chunks;
  private final InputStream body;
  private final PlaintextDigester digester;
  private final String objectName;
  private final boolean digestPlaintext;
  private long plaintextLength;
  private ObjectHeader verified;
  private IOException failure;

  DecodingInputStream(
      HeaderV1 header,
      ChunkReader chunks,
      PlaintextDigester digester,
      String objectName,
      boolean digestPlaintext)
      throws IOException {
    this.digestPlaintext = digestPlaintext;
    this.header = header;
    this.chunks = chunks;
    this.digester = digester;
    this.objectName = objectName;
    this.body =
        header.compression == Compression.Algorithm.ZSTD
            ? new ZstdInputStreamNoFinalizer(chunks)
            : chunks;
  }

  /** The verified header, once the stream has been read to its end; null before. */
  ObjectHeader verifiedHeader() {
    return verified;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    do {
      n = read(one, 0, 1);
    } while (n == 0);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (failure != null) {
      throw failure;
    }
    if (verified != null) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    try {
      int n;
      do {
        n = readBody(b, off, len);
      } while (n == 0);
      if (n > 0) {
        if (digestPlaintext) {
          digester.update(b, off, n);
        }
        plaintextLength += n;
        return n;
      }
      verifyEnd();
      return -1;
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  private int readBody(byte[] b, int off, int len) throws IOException {
    try {
      return body.read(b, off, len);
    } catch (ObjectFormatException e) {
      throw e;
    } catch (IOException e) {
      if (e == chunks.sourceFailure()) {
        throw e;
      }
      throw undecompressable(e);
    } catch (ZstdException e) {
      throw undecompressable(e);
    }
  }

  private ObjectIntegrityException undecompressable(Exception cause) {
    return new ObjectIntegrityException(
        "object " + objectName + " is corrupt: its body cannot be decompressed", cause);
  }

  private void verifyEnd() throws IOException {
    if (body != chunks && chunks.read() >= 0) {
      throw new ObjectIntegrityException(
          "object " + objectName + " is corrupt: data follows the end of its compressed body");
    }
    ByteBuffer trailer = ByteBuffer.wrap(chunks.trailer());
    long expectedPlaintext = trailer.getLong();
    long expectedBody = trailer.getLong();
    byte[] expectedDigest = new byte[32];
    trailer.get(expectedDigest);
    if (expectedBody != chunks.bodyLength()) {
      throw new ObjectIntegrityException(
          "object "
              + objectName
              + " is corrupt: body has "
              + chunks.bodyLength()
              + " bytes, the trailer says "
              + expectedBody);
    }
    if (expectedPlaintext != plaintextLength) {
      throw new ObjectIntegrityException(
          "object "
              + objectName
              + " is corrupt: plaintext has "
              + plaintextLength
              + " bytes, the trailer says "
              + expectedPlaintext);
    }
    Digest digest = digestPlaintext ? digester.finish() : digester.of(expectedDigest);
    if (!MessageDigest.isEqual(digest.value(), expectedDigest)) {
      throw new ObjectIntegrityException(
          "object " + objectName + " is corrupt: the plaintext digest does not match");
    }
    chunks.checkEnd();
    verified = header.toObjectHeader(plaintextLength, digest);
  }

  @Override
  public void close() throws IOException {
    body.close();
    chunks.close();
  }
}
