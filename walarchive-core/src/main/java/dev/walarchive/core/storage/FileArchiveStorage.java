package dev.walarchive.core.storage;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

import dev.walarchive.core.storage.spi.DeleteBatches;
import dev.walarchive.core.storage.spi.ExactLength;
import dev.walarchive.core.storage.spi.LazyClient;
import dev.walarchive.core.storage.spi.LookaheadIterator;
import dev.walarchive.core.storage.spi.StorageErrors;
import dev.walarchive.core.storage.spi.StorageKeys;
import dev.walarchive.core.storage.spi.TemporaryFiles;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Objects as files below a root directory; the key's {@code /} separate directories. Each file
 * starts with a small text header holding the user metadata, so content and metadata appear
 * together, atomically.
 *
 * <p>The archive directory itself is created by the first write if its parent exists; no directory
 * above it is ever created, so a mistyped path fails instead of growing a new tree.
 *
 * <p>create writes a temporary file in the directory {@code .walarchive-tmp-files} beside the
 * target, fsyncs it, hard-links it to the target name (which fails if the name exists: no replace
 * is possible), removes the temporary name and fsyncs the directory. A crash leaves at most a
 * temporary file, which is never visible as an object; later creates in that directory remove it
 * once it is provably stale ({@link TemporaryFiles}).
 */
final class FileArchiveStorage implements ArchiveStorage {
  private static final byte[] MAGIC = "WALARCHIVE-FILE-OBJECT 1\n".getBytes(US_ASCII);
  private static final int MAX_HEADER = 64 * 1024;
  static final String TEMP_MARKER = TemporaryFiles.MARKER;

  /** Beside the objects of each directory: the temporary files of creates in progress. */
  static final String TEMP_DIRECTORY = TEMP_MARKER + "files";

  private final Path root;
  private final LazyClient<Path> open;

  FileArchiveStorage(Path root) {
    this.root = requireNonNull(root, "root is null").toAbsolutePath().normalize();
    this.open = LazyClient.injected(toString(), this.root);
  }

  @Override
  public void create(String key, ObjectSource content, Map<String, String> metadata)
      throws IOException {
    Path target = resolve(key);
    Map<String, String> meta = StorageKeys.checkMetadata(metadata);
    requireNonNull(content, "content is null");
    open.checkOpen();
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      // objects are never replaced: an existing one needs no temporary file (a re-push must not
      // fail for want of write permission); the link below stays the atomic test
      throw StorageErrors.alreadyExists(key, location(key), null);
    }
    Path dir = target.getParent();
    try {
      createDirectoriesDurably(dir);
    } catch (AccessDeniedException e) {
      Path denied = e.getFile() == null ? dir : Path.of(e.getFile());
      throw TemporaryFiles.cannotWrite(denied.getParent() == null ? denied : denied.getParent(), e);
    }
    Path temps = dir.resolve(TEMP_DIRECTORY);
    try {
      Files.createDirectory(temps);
    } catch (FileAlreadyExistsException e) {
      TemporaryFiles.removeStale(temps, "");
    } catch (AccessDeniedException e) {
      throw TemporaryFiles.cannotWrite(dir, e);
    }
    Path temp = TemporaryFiles.newPath(temps, target.getFileName().toString());
    try {
      FileChannel channel;
      try {
        channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (AccessDeniedException e) {
        throw TemporaryFiles.cannotWrite(dir, e);
      }
      try (channel) {
        OutputStream out = TemporaryFiles.namingDirectory(dir, Channels.newOutputStream(channel));
        out.write(header(meta));
        ExactLength.copy(key, content, out);
        try {
          channel.force(true);
        } catch (IOException e) {
          throw TemporaryFiles.writeFailure(dir, e);
        }
      }
      try {
        Files.createLink(target, temp);
      } catch (FileAlreadyExistsException e) {
        throw StorageErrors.alreadyExists(key, location(key), e);
      } catch (AccessDeniedException e) {
        throw TemporaryFiles.cannotWrite(dir, e);
      }
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public InputStream open(String key) throws IOException {
    Path file = resolve(key);
    InputStream in = openExisting(key, file);
    try {
      readHeader(key, in);
      return in;
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  @Override
  public OpenedObject openWithStat(String key) throws IOException {
    Path file = resolve(key);
    InputStream in = openExisting(key, file);
    try {
      Header header = readHeader(key, in);
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      ObjectStat stat =
          new ObjectStat(
              key,
              attributes.size() - header.length(),
              attributes.lastModifiedTime().toInstant(),
              header.metadata());
      return new OpenedObject(stat, in);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  @Override
  public ObjectStat stat(String key) throws IOException {
    Path file = resolve(key);
    try (InputStream in = openExisting(key, file)) {
      Header header = readHeader(key, in);
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return new ObjectStat(
          key,
          attributes.size() - header.length(),
          attributes.lastModifiedTime().toInstant(),
          header.metadata());
    }
  }

  @Override
  public ObjectIterator list(String prefix) throws IOException {
    StorageKeys.checkPrefix(prefix);
    open.checkOpen();
    return new Walker(prefix);
  }

  @Override
  public void delete(Collection<String> keys) throws IOException {
    requireNonNull(keys, "keys is null");
    keys.forEach(this::resolve);
    open.checkOpen();
    DeleteBatches.delete(keys, Integer.MAX_VALUE, this::deleteFiles);
  }

  private Map<String, String> deleteFiles(List<String> keys) throws IOException {
    Map<String, String> failures = new TreeMap<>();
    Map<Path, Boolean> dirs = new LinkedHashMap<>();
    for (String key : keys) {
      Path file = resolve(key);
      try {
        if (Files.deleteIfExists(file)) {
          dirs.put(file.getParent(), true);
        }
      } catch (IOException e) {
        failures.put(key, String.valueOf(e));
      }
    }
    for (Path dir : dirs.keySet()) {
      fsyncDirectory(dir);
    }
    return failures;
  }

  @Override
  public void close() throws IOException {
    open.close();
  }

  @Override
  public String toString() {
    return "file:" + root;
  }

  private Path resolve(String key) {
    StorageKeys.checkKey(key);
    if (key.contains(TEMP_MARKER)) {
      throw new IllegalArgumentException(
          "invalid storage key '" + key + "': contains reserved '" + TEMP_MARKER + "'");
    }
    return root.resolve(key);
  }

  private InputStream openExisting(String key, Path file) throws IOException {
    open.checkOpen();
    if (Files.isDirectory(file)) {
      throw StorageErrors.notFound(key, location(key) + " (a directory has that name)", null);
    }
    try {
      return new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw StorageErrors.notFound(key, location(key), e);
    }
  }

  private String location(String key) {
    return root.resolve(key).toString();
  }

  private static byte[] header(Map<String, String> metadata) {
    StringBuilder sb = new StringBuilder(new String(MAGIC, US_ASCII));
    new TreeMap<>(metadata).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    sb.append('\n');
    return sb.toString().getBytes(US_ASCII);
  }

  private record Header(long length, Map<String, String> metadata) {}

  private static Header readHeader(String key, InputStream in) throws IOException {
    byte[] magic = in.readNBytes(MAGIC.length);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new IOException(
          "file for object " + key + " is not a walarchive file object (bad header)");
    }
    long length = MAGIC.length;
    Map<String, String> metadata = new TreeMap<>();
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("file for object " + key + " ends inside its header");
      }
      if (++length > MAX_HEADER) {
        throw new IOException("file for object " + key + " has an oversized header");
      }
      if (b != '\n') {
        line.append((char) b);
        continue;
      }
      if (line.length() == 0) {
        return new Header(length, metadata);
      }
      int eq = line.indexOf("=");
      if (eq <= 0) {
        throw new IOException("file for object " + key + " has a malformed header line");
      }
      metadata.put(line.substring(0, eq), line.substring(eq + 1));
      line.setLength(0);
    }
  }

  private void createDirectoriesDurably(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    List<Path> missing = new ArrayList<>();
    for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
      if (!p.startsWith(root)) {
        // never mkdir -p: at most the archive directory itself is created
        throw new NoSuchFileException(
            p.toString(),
            null,
            "directory does not exist, so the archive directory "
                + root
                + " cannot be created; create it (or its parent) or fix the archive URL");
      }
      missing.add(0, p);
    }
    for (Path p : missing) {
      try {
        Files.createDirectory(p);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(p)) {
          throw new IOException("cannot create directory " + p + ": a file has that name", e);
        }
      }
      fsyncDirectory(p.getParent());
    }
  }

  private static void fsyncDirectory(Path dir) throws IOException {
    if (dir == null) {
      return;
    }
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Depth-first walk in key order: children sorted by name, directories as "name/". */
  private final class Walker extends LookaheadIterator {
    private final String prefix;
    private final Deque<Iterator<String>> stack = new ArrayDeque<>();
    private final Deque<String> dirKeys = new ArrayDeque<>();

    Walker(String prefix) throws IOException {
      this.prefix = prefix;
      push("");
    }

    private void push(String dirKey) throws IOException {
      Path dir = dirKey.isEmpty() ? root : root.resolve(dirKey);
      TreeMap<String, Boolean> children = new TreeMap<>();
      if (Files.isDirectory(dir)) {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
          for (Path child : stream) {
            String name = child.getFileName().toString();
            if (name.contains(TEMP_MARKER)) {
              continue;
            }
            boolean isDir = Files.isDirectory(child);
            children.put(isDir ? name + "/" : name, isDir);
          }
        } catch (NoSuchFileException e) {
          // removed while listing: nothing below it
        }
      }
      stack.push(children.keySet().iterator());
      dirKeys.push(dirKey);
    }

    @Override
    protected ObjectEntry advance() throws IOException {
      while (!stack.isEmpty()) {
        Iterator<String> it = stack.peek();
        if (!it.hasNext()) {
          stack.pop();
          dirKeys.pop();
          continue;
        }
        String child = it.next();
        String key = dirKeys.peek().isEmpty() ? child : dirKeys.peek() + "/" + child;
        if (child.endsWith("/")) {
          String dirKey = key.substring(0, key.length() - 1);
          if (key.startsWith(prefix) || prefix.startsWith(key)) {
            push(dirKey);
          }
        } else if (key.startsWith(prefix)) {
          Path file = root.resolve(key);
          try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            long headerLength;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 4096)) {
              headerLength = readHeader(key, in).length();
            }
            return new ObjectEntry(
                key, attributes.size() - headerLength, attributes.lastModifiedTime().toInstant());
          } catch (NoSuchFileException e) {
            // deleted while listing
          }
        }
      }
      return null;
    }
  }
}
