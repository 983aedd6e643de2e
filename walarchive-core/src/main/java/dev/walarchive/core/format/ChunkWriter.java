package dev.walarchive.core.format;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Cuts the body into chunks of exactly {@code chunkSize} bytes (the last data chunk may be
 * shorter), seals each and writes it as a frame, then writes the trailer as the final chunk.
 *
 * <pre>
 * frame:  u32 prefix (bit 31: final, bits 0-30: payload length), sealed payload
 * </pre>
 *
 * Closing does not close the underlying stream; {@link #finish} must be called to complete the
 * object.
 */
final class ChunkWriter extends OutputStream {
  static final int FINAL_FLAG = 0x80000000;

  private final OutputStream out;
  private final ChunkCrypto crypto;
  private final byte[] buffer;
  private final byte[] frame;
  private int position;
  private long index;
  private long bodyLength;
  private long written;

  ChunkWriter(OutputStream out, int chunkSize, ChunkCrypto crypto) {
    this.out = out;
    this.crypto = crypto;
    this.buffer = new byte[chunkSize];
    this.frame = new byte[4 + chunkSize + crypto.overhead()];
  }

  @Override
  public void write(int b) throws IOException {
    buffer[position++] = (byte) b;
    if (position == buffer.length) {
      emit(buffer, 0, position, false);
      position = 0;
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (position == 0 && len >= buffer.length) {
        emit(b, off, buffer.length, false);
        off += buffer.length;
        len -= buffer.length;
        continue;
      }
      int n = Math.min(len, buffer.length - position);
      System.arraycopy(b, off, buffer, position, n);
      position += n;
      off += n;
      len -= n;
      if (position == buffer.length) {
        emit(buffer, 0, position, false);
        position = 0;
      }
    }
  }

  /** Writes the pending data chunk, if any, and the final chunk holding {@code trailer}. */
  void finish(byte[] trailer) throws IOException {
    if (position > 0) {
      emit(buffer, 0, position, false);
      position = 0;
    }
    emit(trailer, 0, trailer.length, true);
  }

  /** Body bytes written so far, including those not yet sealed (excluding the trailer). */
  long bodyLength() {
    return bodyLength + position;
  }

  /** Bytes written to the underlying stream. */
  long written() {
    return written;
  }

  private void emit(byte[] payload, int offset, int length, boolean last) throws IOException {
    int prefix = length | (last ? FINAL_FLAG : 0);
    frame[0] = (byte) (prefix >>> 24);
    frame[1] = (byte) (prefix >>> 16);
    frame[2] = (byte) (prefix >>> 8);
    frame[3] = (byte) prefix;
    int sealed = crypto.seal(index, prefix, payload, offset, length, frame, 4);
    out.write(frame, 0, 4 + sealed);
    written += 4 + sealed;
    index++;
    if (!last) {
      bodyLength += length;
    }
  }

  @Override
  public void flush() {
    // chunks are written whole; nothing to flush before finish()
  }

  @Override
  public void close() {
    // the caller owns the underlying stream
  }
}
