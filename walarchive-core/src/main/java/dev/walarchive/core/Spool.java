package dev.walarchive.core;

import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.spi.TemporaryFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Collects an encoded object: in memory up to a threshold, then in a temporary file, so that memory
 * stays bounded and the storage can re-read the content for retries.
 */
final class Spool extends OutputStream {
  private final int memoryLimit;
  private final Path tempDir;
  private ByteArrayOutputStream memory = new ByteArrayOutputStream();
  private Path file;
  private OutputStream fileOut;

  Spool(int memoryLimit, Path tempDir) {
    this.memoryLimit = memoryLimit;
    this.tempDir = tempDir;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (fileOut == null && memory.size() + len > memoryLimit) {
      TemporaryFiles.removeStale(tempDir, "walarchive-spool");
      Path temp = TemporaryFiles.newPath(tempDir, "walarchive-spool");
      try {
        file =
            Files.createFile(
                temp,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (AccessDeniedException e) {
        throw TemporaryFiles.cannotWrite(tempDir, e);
      }
      fileOut = TemporaryFiles.namingDirectory(tempDir, Files.newOutputStream(file));
      memory.writeTo(fileOut);
      memory = null;
    }
    if (fileOut != null) {
      fileOut.write(b, off, len);
    } else {
      memory.write(b, off, len);
    }
  }

  /** The collected bytes; call after writing is done. */
  ObjectSource source() throws IOException {
    if (fileOut != null) {
      fileOut.close();
      return ObjectSource.ofFile(file);
    }
    return ObjectSource.ofBytes(memory.toByteArray());
  }

  /** Deletes the temporary file, if any. */
  @Override
  public void close() throws IOException {
    if (fileOut != null) {
      fileOut.close();
      Files.deleteIfExists(file);
    }
  }
}
