package dev.walarchive.core.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes PostgreSQL 15 data directories for base backups without a server: the files every data
 * directory has, and what a test adds to them.
 */
public final class SyntheticDataDirectory {
  private SyntheticDataDirectory() {}

  /**
   * Writes {@code PG_VERSION} ({@code 15}) and an 8192-byte {@code global/pg_control} that starts
   * with {@code systemIdentifier} in the native byte order, as PostgreSQL writes it, into {@code
   * dir} (created if missing).
   *
   * @return {@code dir}
   */
  public static Path create(Path dir, long systemIdentifier) throws IOException {
    write(dir.resolve("PG_VERSION"), "15\n".getBytes(UTF_8));
    byte[] control = new byte[8192];
    ByteBuffer.wrap(control).order(ByteOrder.nativeOrder()).putLong(systemIdentifier);
    write(dir.resolve("global/pg_control"), control);
    return dir;
  }

  /** Writes {@code content} to {@code file}, creating its parent directories. */
  public static void write(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, content);
  }

  /** {@code n} bytes from {@code random}. */
  public static byte[] random(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
