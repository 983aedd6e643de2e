package dev.walarchive.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.specialized.BlobClientBase;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A blob's content as an {@link InputStream} over one streaming GET. A background thread runs the
 * SDK's download (which resumes an interrupted body with ranged retries) into a small bounded queue
 * that the reader drains, so memory stays at about {@value #QUEUE_CHUNKS} chunks of {@value #CHUNK}
 * bytes whatever the blob's size. {@link #open} returns once the response has begun (or throws,
 * e.g. {@link java.nio.file.NoSuchFileException}); closing the stream early stops the download.
 */
final class AzureDownloadStream extends InputStream {
  static final int CHUNK = 64 * 1024;
  static final int QUEUE_CHUNKS = 16;

  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
  private final String key;
  private final AzureExceptions errors;
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private volatile Throwable failure;
  private volatile boolean closed;
  private byte[] current = new byte[0];
  private int position;
  private boolean ended;

  private AzureDownloadStream(String key, AzureExceptions errors) {
    this.key = key;
    this.errors = errors;
  }

  /** Starts downloading {@code blob} and waits until its response has begun. */
  static InputStream open(BlobClientBase blob, String key, AzureExceptions errors)
      throws IOException {
    AzureDownloadStream stream = new AzureDownloadStream(key, errors);
    Thread thread = new Thread(() -> stream.download(blob), "walarchive-azure-download");
    thread.setDaemon(true);
    thread.start();
    try {
      stream.started.get();
    } catch (ExecutionException e) {
      throw errors.translate("open", key, e.getCause());
    } catch (InterruptedException e) {
      stream.close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while opening " + key);
    }
    return stream;
  }

  private void download(BlobClientBase blob) {
    try (Sink sink = new Sink()) {
      blob.downloadStreamWithResponse(sink, null, null, null, false, null, Context.NONE);
      sink.flushChunk();
      put(END);
      started.complete(null);
    } catch (Throwable e) {
      failure = e;
      started.completeExceptionally(e);
      queue.clear();
      queue.offer(END);
    }
  }

  private void put(byte[] chunk) throws IOException {
    try {
      while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
        if (closed) {
          throw new IOException("download of " + key + " abandoned: the stream was closed");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("download of " + key + " interrupted");
    }
  }

  /** What the SDK writes the body into: gathers chunks and queues them. */
  private final class Sink extends OutputStream {
    private byte[] chunk = new byte[CHUNK];
    private int filled;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("download of " + key + " abandoned: the stream was closed");
      }
      started.complete(null);
      while (len > 0) {
        int n = Math.min(len, CHUNK - filled);
        System.arraycopy(b, off, chunk, filled, n);
        filled += n;
        off += n;
        len -= n;
        if (filled == CHUNK) {
          flushChunk();
        }
      }
    }

    void flushChunk() throws IOException {
      if (filled > 0) {
        byte[] full = filled == CHUNK ? chunk : java.util.Arrays.copyOf(chunk, filled);
        chunk = new byte[CHUNK];
        filled = 0;
        put(full);
      }
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("stream of " + key + " is closed");
    }
    if (len == 0) {
      return 0;
    }
    while (position == current.length) {
      if (ended) {
        return -1;
      }
      byte[] next;
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading " + key);
      }
      if (next == END) {
        ended = true;
        Throwable f = failure;
        if (f != null) {
          throw errors.translate("read", key, f);
        }
        return -1;
      }
      current = next;
      position = 0;
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return current.length - position;
  }

  @Override
  public void close() {
    closed = true;
    queue.clear();
  }
}
