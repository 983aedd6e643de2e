package dev.walarchive.core;

import dev.walarchive.core.archive.InvalidWalFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A local file opened once for push: every check and the encoding read the same stream, which
 * counts the bytes it returns and refuses to return more than the expected size. {@link #finish()}
 * then checks that exactly the expected number of bytes was read and that the file at the path is
 * still the one that was opened (same file key, size and modification time), so that a file that
 * was truncated, extended, rewritten or replaced while it was read is refused and never archived.
 */
final class PushedFile implements AutoCloseable {
  private final Path path;
  private final FileChannel channel;
  private final BasicFileAttributes opened;
  private final InputStream stream;
  private long expected;
  private long read;

  private PushedFile(Path path, FileChannel channel, BasicFileAttributes opened) {
    this.path = path;
    this.channel = channel;
    this.opened = opened;
    this.expected = opened.size();
    this.stream = new Counting();
  }

  /** Opens {@code path}, recording its identity at open. */
  static PushedFile open(Path path) throws IOException {
    BasicFileAttributes before = Files.readAttributes(path, BasicFileAttributes.class);
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      BasicFileAttributes after = Files.readAttributes(path, BasicFileAttributes.class);
      if (!sameFile(before, after)) {
        throw changed(path, "it was replaced while it was being opened");
      }
      return new PushedFile(path, channel, after);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Opens the file again for a second read (only to compute a digest in another scheme), checking
   * that it is still the file first opened, unchanged.
   *
   * @throws InvalidWalFileException if it is not
   */
  PushedFile reopen() throws IOException {
    PushedFile again = open(path);
    try {
      if (!sameFile(opened, again.opened)
          || again.opened.size() != opened.size()
          || !again.opened.lastModifiedTime().equals(opened.lastModifiedTime())) {
        throw changed(path, "it was modified after it was read");
      }
      again.expect(expected);
      return again;
    } catch (IOException | RuntimeException e) {
      again.close();
      throw e;
    }
  }

  /** The file's size when it was opened. */
  long sizeAtOpen() {
    return opened.size();
  }

  /**
   * Sets how many bytes the file must yield in total (for segments the size the header announces;
   * by default the size at open).
   */
  void expect(long bytes) {
    this.expected = bytes;
  }

  /**
   * The file's content from its first byte (for the whole push: read it once, in order). Fails with
   * {@link InvalidWalFileException} as soon as it would return more than the expected size.
   */
  InputStream stream() {
    return stream;
  }

  /** Reads up to {@code n} bytes from {@link #stream()}, fewer only at end of file. */
  byte[] readNBytes(int n) throws IOException {
    return stream.readNBytes(n);
  }

  /**
   * Checks, after the stream was read to its end, that exactly the expected number of bytes was
   * read and that the file did not change meanwhile.
   *
   * @throws InvalidWalFileException if it did
   */
  void finish() throws IOException {
    if (read < expected) {
      throw changed(path, "only " + read + " of its " + expected + " bytes could be read");
    }
    if (stream.read() >= 0) {
      throw changed(path, "it grew beyond " + expected + " bytes while it was being read");
    }
    BasicFileAttributes now;
    try {
      now = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException e) {
      throw changed(path, "it was removed or replaced while it was being read");
    }
    if (!sameFile(opened, now)) {
      throw changed(path, "it was replaced while it was being read");
    }
    if (now.size() != opened.size()) {
      throw changed(
          path, "its size went from " + opened.size() + " to " + now.size() + " bytes meanwhile");
    }
    if (!now.lastModifiedTime().equals(opened.lastModifiedTime())) {
      throw changed(path, "it was written to while it was being read");
    }
  }

  private static boolean sameFile(BasicFileAttributes a, BasicFileAttributes b) {
    return a.isRegularFile() && b.isRegularFile() && Objects.equals(a.fileKey(), b.fileKey());
  }

  static InvalidWalFileException changed(Path path, String what) {
    return new InvalidWalFileException(
        "file "
            + path
            + " changed while it was being read ("
            + what
            + "); nothing was archived. Something other than PostgreSQL is writing to it, or"
            + " another process recycled it: check what else touches the WAL directory");
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private final class Counting extends InputStream {
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
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (read >= expected) {
        // one byte more than expected tells a grown file from one that ends here
        int n = channel.read(ByteBuffer.wrap(b, off, 1));
        if (n > 0) {
          throw changed(path, "it grew beyond " + expected + " bytes while it was being read");
        }
        return -1;
      }
      int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, expected - read)));
      if (n > 0) {
        read += n;
      }
      return n;
    }
  }
}
