package dev.walarchive.s3;

import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.spi.ContentLengthException;
import dev.walarchive.core.storage.spi.ExactLength;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import software.amazon.awssdk.http.ContentStreamProvider;

/**
 * The body of a PutObject or UploadPart request: opens the source again for each attempt of the
 * SDK, closing the previous stream; reads exactly the declared length ({@link ExactLength}).
 */
final class S3UploadBody implements ContentStreamProvider, AutoCloseable {
  private final String key;
  private final ObjectSource source;
  private InputStream current;

  S3UploadBody(String key, ObjectSource source) {
    this.key = key;
    this.source = source;
  }

  @Override
  public synchronized InputStream newStream() {
    closeCurrent();
    try {
      current = new Unchecked(ExactLength.open(key, source));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read content of " + key, e);
    }
    return current;
  }

  @Override
  public synchronized void close() {
    closeCurrent();
  }

  private void closeCurrent() {
    if (current != null) {
      try {
        current.close();
      } catch (IOException e) {
        // nothing was written through it
      }
      current = null;
    }
  }

  /**
   * The content does not have the length it declared, thrown through the SDK. Unchecked and without
   * an {@link IOException} cause so that the SDK does not retry it; {@link S3Exceptions} hands on
   * the {@link ContentLengthException} it carries.
   */
  static final class ContentMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ContentLengthException exception;

    ContentMismatchException(ContentLengthException exception) {
      super(exception.getMessage());
      this.exception = exception;
    }

    ContentLengthException exception() {
      return exception;
    }
  }

  /** Turns a {@link ContentLengthException} into a {@link ContentMismatchException}. */
  private static final class Unchecked extends FilterInputStream {
    Unchecked(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (ContentLengthException e) {
        throw new ContentMismatchException(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (ContentLengthException e) {
        throw new ContentMismatchException(e);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return in.skip(n);
      } catch (ContentLengthException e) {
        throw new ContentMismatchException(e);
      }
    }
  }
}
