package dev.walarchive.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** An output stream that keeps nothing, and a buffer to drain input streams into. */
final class Sinks {
  private Sinks() {}

  static final class Discard extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }

  static long drain(InputStream in, byte[] buffer) throws IOException {
    long total = 0;
    for (int n; (n = in.read(buffer)) >= 0; ) {
      total += n;
    }
    return total;
  }
}
