package dev.walarchive.core.storage.spi;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.ObjectSource;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads the content of a create as exactly the length its {@link ObjectSource} declares: a short or
 * long content fails with {@link ContentLengthException} before the last byte is handed on, so a
 * backend can never store a truncated or extended object. For backend authors.
 */
public final class ExactLength {
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

  private ExactLength() {}

  /**
   * {@code in} limited to exactly {@code length} bytes: the stream ends after {@code length} bytes,
   * and fails with {@link ContentLengthException} if {@code in} ends earlier or has more. The check
   * for more is made when the last byte is read, so a reader that stops at {@code length} bytes
   * still sees the failure.
   */
  public static InputStream stream(String key, InputStream in, long length) {
    return new ExactLengthInputStream(key, requireNonNull(in, "in is null"), length);
  }

  /** Opens {@code source} as {@link #stream(String, InputStream, long)} does. */
  public static InputStream open(String key, ObjectSource source) throws IOException {
    return stream(key, source.openStream(), source.length());
  }

  /** The whole content of {@code source}, exactly {@link ObjectSource#length()} bytes. */
  public static byte[] readAll(String key, ObjectSource source) throws IOException {
    long length = source.length();
    if (length > MAX_ARRAY) {
      throw new IllegalArgumentException(
          "content of " + key + " is too large (" + length + " bytes) to hold in memory");
    }
    try (InputStream in = open(key, source)) {
      byte[] bytes = new byte[(int) length];
      int n = in.readNBytes(bytes, 0, bytes.length);
      if (n < bytes.length) {
        throw new ContentLengthException(key, length, false, n);
      }
      in.read(); // at the declared end: fails if the content goes on
      return bytes;
    }
  }

  /** Copies exactly {@link ObjectSource#length()} bytes of {@code source} to {@code out}. */
  public static long copy(String key, ObjectSource source, OutputStream out) throws IOException {
    try (InputStream in = open(key, source)) {
      return in.transferTo(out);
    }
  }

  private static final class ExactLengthInputStream extends FilterInputStream {
    private final String key;
    private final long length;
    private long remaining;

    ExactLengthInputStream(String key, InputStream in, long length) {
      super(in);
      if (length < 0) {
        throw new IllegalArgumentException("content of " + key + " has negative length " + length);
      }
      this.key = key;
      this.length = length;
      this.remaining = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (remaining == 0) {
        checkEnd();
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new ContentLengthException(key, length, false, length - remaining);
      }
      remaining -= n;
      if (remaining == 0) {
        checkEnd();
      }
      return n;
    }

    private void checkEnd() throws IOException {
      if (in.read() >= 0) {
        throw new ContentLengthException(key, length, true, length + 1);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      if (n <= 0 || remaining == 0) {
        return 0;
      }
      long skipped = in.skip(Math.min(n, remaining));
      remaining -= skipped;
      if (remaining == 0) {
        checkEnd();
      }
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(super.available(), remaining);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
