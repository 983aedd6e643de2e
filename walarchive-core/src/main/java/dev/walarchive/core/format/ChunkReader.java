package dev.walarchive.core.format;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the frames {@link ChunkWriter} wrote, opens each before any of its bytes are returned, and
 * yields the body; end of stream is reported only on reaching an authentic final chunk, whose
 * payload is the trailer. Every deviation is an {@link ObjectIntegrityException}.
 */
final class ChunkReader extends InputStream {
  private final InputStream in;
  private final String objectName;
  private final ChunkCrypto crypto;
  private final int chunkSize;
  private final byte[] sealed;
  private final byte[] payload;
  private final byte[] prefixBytes = new byte[4];
  private int position;
  private int limit;
  private long index;
  private long bodyLength;
  private boolean shortChunkSeen;
  private byte[] trailer;
  private IOException sourceFailure;

  ChunkReader(InputStream in, String objectName, int chunkSize, ChunkCrypto crypto) {
    this.in = in;
    this.objectName = objectName;
    this.crypto = crypto;
    this.chunkSize = chunkSize;
    this.sealed = new byte[Math.max(chunkSize, ObjectCodec.TRAILER_LENGTH) + crypto.overhead()];
    this.payload = new byte[sealed.length];
  }

  /** Reads and opens the first chunk, so that a wrong key or damaged start fails at once. */
  void start() throws IOException {
    nextChunk();
  }

  @Override
  public int read() throws IOException {
    if (position == limit && !nextChunk()) {
      return -1;
    }
    return payload[position++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (position == limit && !nextChunk()) {
      return -1;
    }
    int n = Math.min(len, limit - position);
    System.arraycopy(payload, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return limit - position;
  }

  /** The final chunk's payload, once the body has been read to its end; null before. */
  byte[] trailer() {
    return trailer;
  }

  /** Body bytes read from data chunks. */
  long bodyLength() {
    return bodyLength;
  }

  /** The exception the underlying stream threw, if any: a transport failure, not corruption. */
  IOException sourceFailure() {
    return sourceFailure;
  }

  /** Fails unless the underlying stream ends right after the final chunk. */
  void checkEnd() throws IOException {
    if (readSource(prefixBytes, 1) != 0) {
      throw new ObjectIntegrityException(
          "object " + objectName + " is corrupt: it has bytes after its final chunk");
    }
  }

  private boolean nextChunk() throws IOException {
    if (trailer != null) {
      return false;
    }
    int got = readSource(prefixBytes, 4);
    if (got == 0) {
      throw new ObjectIntegrityException(
          "object "
              + objectName
              + " is truncated: it ends after chunk "
              + index
              + " without its final chunk");
    }
    if (got < 4) {
      throw truncated();
    }
    int prefix =
        (prefixBytes[0] & 0xff) << 24
            | (prefixBytes[1] & 0xff) << 16
            | (prefixBytes[2] & 0xff) << 8
            | (prefixBytes[3] & 0xff);
    boolean last = prefix < 0;
    int length = prefix & ~ChunkWriter.FINAL_FLAG;
    if (last ? length != ObjectCodec.TRAILER_LENGTH : length == 0 || length > chunkSize) {
      throw corrupt("has an invalid length " + length);
    }
    if (!last && shortChunkSeen) {
      throw corrupt("follows a short chunk");
    }
    int sealedLength = length + crypto.overhead();
    if (readSource(sealed, sealedLength) < sealedLength) {
      throw truncated();
    }
    int opened = crypto.open(index, prefix, sealed, sealedLength, payload);
    if (opened != length) {
      throw new ObjectIntegrityException(
          "object "
              + objectName
              + " is corrupt: chunk "
              + index
              + " failed authentication (damaged, truncated, reordered or tampered with)");
    }
    index++;
    position = 0;
    if (last) {
      trailer = java.util.Arrays.copyOf(payload, length);
      limit = 0;
      return false;
    }
    limit = length;
    bodyLength += length;
    shortChunkSeen = length < chunkSize;
    return true;
  }

  private int readSource(byte[] buffer, int length) throws IOException {
    try {
      return Streams.readFully(in, buffer, 0, length);
    } catch (IOException e) {
      sourceFailure = e;
      throw e;
    }
  }

  private ObjectIntegrityException truncated() {
    return new ObjectIntegrityException(
        "object " + objectName + " is truncated: it ends inside chunk " + index);
  }

  private ObjectIntegrityException corrupt(String what) {
    return new ObjectIntegrityException(
        "object " + objectName + " is corrupt: chunk " + index + " " + what);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
