package dev.walarchive.core.storage.spi;

import static java.util.Objects.requireNonNull;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The temporary files walarchive writes before it renames or links them into place ({@code
 * wal-fetch}'s file beside {@code %p}, the {@code file:} backend's objects).
 *
 * <p>Their names hold the {@link #MARKER}, the pid of the process that made them and a random part:
 * {@code <prefix>.walarchive-tmp-<pid>-<hex>}. A later run removes such a file only when it is
 * provably stale: unmodified for {@link #STALE_AFTER} and no process with that pid is alive, or the
 * one alive started after the file was last written (the pid was reused). A live run's file is
 * never removed. Older releases named fetch temporaries {@code .<name>.walarchive-<hex>} without a
 * pid; those count as stale after a day.
 *
 * <p>When the system property {@code walarchive.launcher.temps} names a file (the CLI launcher sets
 * it), every temporary file's absolute path is appended to it before the file is created, so that
 * the launcher can remove them if it has to kill the JVM.
 *
 * <p>For backends that store objects as files (as the {@code file:} backend does) and for anything
 * else that must never leave a half-written file visible under its final name: write to {@link
 * #newPath}, fsync, then rename into place; {@link #removeStale} clears what killed runs left.
 */
public final class TemporaryFiles {
  /** Part of every temporary file's name; never part of an object key. */
  public static final String MARKER = ".walarchive-tmp-";

  /** How long a temporary file must be left unmodified before a later run may remove it. */
  public static final Duration STALE_AFTER = Duration.ofMinutes(10);

  static final Duration LEGACY_STALE_AFTER = Duration.ofDays(1);
  private static final Pattern LEGACY_FETCH = Pattern.compile("\\..+\\.walarchive-[0-9a-f]{1,16}");

  private TemporaryFiles() {}

  /**
   * A fresh name {@code <dir>/<prefix>.walarchive-tmp-<pid>-<random>} for a temporary file this
   * process is about to create (with {@code CREATE_NEW}); announced to the launcher first.
   */
  public static Path newPath(Path dir, String prefix) {
    requireNonNull(dir, "dir is null");
    requireNonNull(prefix, "prefix is null");
    Path temp =
        dir.resolve(
            prefix
                + MARKER
                + ProcessHandle.current().pid()
                + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    announce(temp.toAbsolutePath());
    return temp;
  }

  /**
   * Removes the stale temporary files in {@code dir} whose names start with {@code prefix}; best
   * effort (a file that cannot be removed is left alone).
   *
   * @return how many were removed
   */
  public static int removeStale(Path dir, String prefix) {
    requireNonNull(dir, "dir is null");
    requireNonNull(prefix, "prefix is null");
    int removed = 0;
    Instant now = Instant.now();
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(
            dir,
            p -> {
              String n = p.getFileName().toString();
              return n.startsWith(prefix)
                  && (n.contains(MARKER) || LEGACY_FETCH.matcher(n).matches());
            })) {
      for (Path p : entries) {
        try {
          if (isStale(p, now) && Files.deleteIfExists(p)) {
            removed++;
          }
        } catch (IOException | SecurityException e) {
          // not ours to remove, or gone meanwhile
        }
      }
    } catch (IOException | SecurityException e) {
      // an unreadable directory: the operation itself reports what matters
    }
    return removed;
  }

  /**
   * Whether {@code file}, a temporary file of some walarchive run, is provably stale at {@code
   * now}.
   */
  static boolean isStale(Path file, Instant now) throws IOException {
    BasicFileAttributes attributes =
        Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attributes.isRegularFile()) {
      return false;
    }
    Instant modified = attributes.lastModifiedTime().toInstant();
    String name = file.getFileName().toString();
    int at = name.lastIndexOf(MARKER);
    if (at < 0) {
      return LEGACY_FETCH.matcher(name).matches()
          && modified.plus(LEGACY_STALE_AFTER).isBefore(now);
    }
    if (!modified.plus(STALE_AFTER).isBefore(now)) {
      return false;
    }
    String rest = name.substring(at + MARKER.length());
    int dash = rest.indexOf('-');
    long pid;
    try {
      pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
    } catch (NumberFormatException e) {
      // an older release's name without a pid: only its age speaks
      return modified.plus(LEGACY_STALE_AFTER).isBefore(now);
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty() || !process.get().isAlive()) {
      return true;
    }
    Optional<Instant> started = process.get().info().startInstant();
    return started.isPresent() && started.get().isAfter(modified);
  }

  /**
   * {@code out}, writing a temporary file in {@code dir}, with write failures (a full disk, a
   * quota) that name the directory.
   */
  public static OutputStream namingDirectory(Path dir, OutputStream out) {
    requireNonNull(dir, "dir is null");
    return new FilterOutputStream(requireNonNull(out, "out is null")) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          out.write(b, off, len);
        } catch (IOException e) {
          throw writeFailure(dir, e);
        }
      }

      @Override
      public void flush() throws IOException {
        try {
          out.flush();
        } catch (IOException e) {
          throw writeFailure(dir, e);
        }
      }
    };
  }

  /**
   * {@code failure}, thrown while writing a temporary file in {@code dir}, with a message naming
   * it.
   */
  public static IOException writeFailure(Path dir, IOException failure) {
    if (failure instanceof AccessDeniedException) {
      return cannotWrite(dir, failure);
    }
    if (failure instanceof FileSystemException) {
      return failure;
    }
    return new IOException(
        "cannot write to directory " + dir + ": " + failure.getMessage(), failure);
  }

  /** "cannot write to directory D as user U", for a permission failure creating a file in it. */
  public static AccessDeniedException cannotWrite(Path dir, IOException cause) {
    AccessDeniedException e =
        new AccessDeniedException(
            null,
            null,
            "cannot write to directory "
                + dir
                + " as user "
                + System.getProperty("user.name")
                + "; give that user write permission or use another location");
    e.initCause(cause);
    return e;
  }

  private static void announce(Path temp) {
    String list = System.getProperty("walarchive.launcher.temps");
    if (list == null || list.isEmpty()) {
      return;
    }
    String line = temp.toString();
    if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
      return;
    }
    Charset charset;
    try {
      charset = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException e) {
      charset = StandardCharsets.UTF_8;
    }
    try (FileChannel channel =
        FileChannel.open(
            Path.of(list),
            Set.<OpenOption>of(
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND,
                StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      channel.write(ByteBuffer.wrap((line + "\n").getBytes(charset)));
    } catch (IOException | RuntimeException e) {
      // without the list the launcher cannot remove the file if it kills the JVM; the next run
      // still removes it once it is stale
    }
  }
}
