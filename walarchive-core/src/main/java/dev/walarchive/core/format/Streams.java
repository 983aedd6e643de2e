package dev.walarchive.core.format;

import java.io.IOException;
import java.io.InputStream;

final class Streams {
  private Streams() {}

  /** Reads until {@code length} bytes or end of stream; returns how many were read. */
  static int readFully(InputStream in, byte[] buffer, int offset, int length) throws IOException {
    int total = 0;
    while (total < length) {
      int n = in.read(buffer, offset + total, length - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
