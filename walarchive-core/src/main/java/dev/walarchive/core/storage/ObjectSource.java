package dev.walarchive.core.storage;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Content to be written by {@link ArchiveStorage#create}: a known length and a stream that can be
 * opened again from the start, so that a backend can retry a failed upload.
 */
public interface ObjectSource {
  /** Exact number of bytes {@link #openStream()} yields. */
  long length();

  /** Opens a new stream over the whole content. Each call starts from the first byte. */
  InputStream openStream() throws IOException;

  /** Content held in memory. The array is not copied and must not be modified afterwards. */
  static ObjectSource ofBytes(byte[] bytes) {
    requireNonNull(bytes, "bytes is null");
    return new ObjectSource() {
      @Override
      public long length() {
        return bytes.length;
      }

      @Override
      public InputStream openStream() {
        return new ByteArrayInputStream(bytes);
      }

      @Override
      public String toString() {
        return "ObjectSource[" + bytes.length + " bytes]";
      }
    };
  }

  /** Content of a file that must not change while the source is in use. */
  static ObjectSource ofFile(Path file) throws IOException {
    requireNonNull(file, "file is null");
    long length = Files.size(file);
    return new ObjectSource() {
      @Override
      public long length() {
        return length;
      }

      @Override
      public InputStream openStream() throws IOException {
        return Files.newInputStream(file);
      }

      @Override
      public String toString() {
        return "ObjectSource[" + file + ", " + length + " bytes]";
      }
    };
  }
}
