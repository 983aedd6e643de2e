package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.WalFileNotFoundException;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectHeader;
import dev.walarchive.core.format.ObjectIntegrityException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.storage.OpenedObject;
import dev.walarchive.core.storage.spi.TemporaryFiles;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.WalFileName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fetch path of one archive ({@link WalArchive#fetch}): one read by name, decoded and verified
 * completely (codec, storage metadata, segment length) before the file is renamed into place, with
 * the fallback to the copies.
 */
final class WalFetch {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  private final WalArchive owner;
  private final ArchiveStorage storage;
  private final ObjectCodec codec;
  private final ManifestAdmin admin;
  private final List<WalArchive> copies;

  WalFetch(
      WalArchive owner,
      ArchiveStorage storage,
      ObjectCodec codec,
      ManifestAdmin admin,
      List<WalArchive> copies) {
    this.owner = owner;
    this.storage = storage;
    this.codec = codec;
    this.admin = admin;
    this.copies = copies;
  }

  long fetch(String fileName, Path destination) throws IOException {
    WalFileName name = WalFileName.parse(requireNonNull(fileName, "fileName is null"));
    requireNonNull(destination, "destination is null");
    Path target = destination.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          String.valueOf(dir), null, "destination directory does not exist");
    }
    if (copies.isEmpty()) {
      return fetchOne(name, target);
    }
    IOException failure = null;
    List<String> why = new ArrayList<>();
    for (WalArchive archive : archives()) {
      boolean copy = archive != owner;
      String where = (copy ? "copy " : "") + archive.location();
      try {
        long n =
            copy
                ? archive
                    .fetchPath()
                    .fetchOne(name, target, owner.location(), admin.checkedIfKnown())
                : fetchOne(name, target);
        if (copy) {
          log.warn(
              "restored {} from copy {} ({})", name, archive.location(), String.join("; ", why));
        } else {
          log.info("restored {} from {}", name, owner.location());
        }
        return n;
      } catch (WalFileNotFoundException e) {
        why.add(where + " does not hold it");
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        }
        why.add(where + ": " + Messages.oneLine(e));
      }
    }
    if (failure != null) {
      // one failure, of the first failure's kind, that says what every archive answered
      throw Messages.retold(
          failure, name + " could not be restored from any archive: " + String.join("; ", why));
    }
    throw new WalFileNotFoundException(name.name());
  }

  /** This archive, then its copies. */
  private List<WalArchive> archives() {
    List<WalArchive> all = new ArrayList<>(1 + copies.size());
    all.add(owner);
    all.addAll(copies);
    return all;
  }

  long fetchOne(WalFileName name, Path target) throws IOException {
    return fetchOne(name, target, null, null);
  }

  /**
   * Restores {@code name} from this archive; as a copy of the archive at {@code primary} whose
   * manifest is {@code expected} (if known), only if this archive is of the same cluster and
   * segment size: another cluster's WAL must never be restored.
   */
  long fetchOne(WalFileName name, Path target, String primary, ArchiveManifest expected)
      throws IOException {
    ArchiveManifest manifest = admin.checked(true);
    if (expected != null
        && (manifest.systemIdentifier() != expected.systemIdentifier()
            || !manifest.segmentSize().equals(expected.segmentSize()))) {
      throw new ArchiveMismatchException(
          "not a copy of "
              + primary
              + ": its manifest records cluster "
              + Long.toUnsignedString(manifest.systemIdentifier())
              + " with "
              + manifest.segmentSize().bytes()
              + "-byte segments, the archive's cluster "
              + Long.toUnsignedString(expected.systemIdentifier())
              + " with "
              + expected.segmentSize().bytes()
              + "-byte segments; nothing was restored from it. Configure copies of this archive"
              + " only (copy-url)");
    }
    Path dir = target.getParent();
    OpenedObject stored;
    try {
      stored = storage.openWithStat(WalArchive.keyOf(name));
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
    // leftovers of earlier runs that were killed (never a live run's: TemporaryFiles)
    TemporaryFiles.removeStale(dir, ".");
    Path temp = TemporaryFiles.newPath(dir, "." + target.getFileName());
    long written = 0;
    try (stored) {
      FileChannel channel;
      try {
        channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (AccessDeniedException e) {
        throw TemporaryFiles.cannotWrite(dir, e);
      }
      try (channel) {
        OutputStream out =
            TemporaryFiles.namingDirectory(
                dir, java.nio.channels.Channels.newOutputStream(channel));
        written = decodeVerified(name, stored, out);
        try {
          channel.force(true);
        } catch (IOException e) {
          throw TemporaryFiles.writeFailure(dir, e);
        }
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AccessDeniedException e) {
        throw TemporaryFiles.cannotWrite(dir, e);
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    log.debug("restored {} ({} bytes)", name, written);
    return written;
  }

  /**
   * Decodes {@code stored} into {@code out} and verifies it completely before returning: the
   * codec's checks, the storage metadata against the authenticated content, and for segments that
   * the length is the segment size the segment's own header states. Until this returns, what was
   * written to {@code out} must not be used.
   */
  long decodeVerified(WalFileName name, OpenedObject stored, OutputStream out) throws IOException {
    byte[] head = new byte[SegmentHeader.LENGTH];
    long length = 0;
    try (InputStream plain = codec.decode(name.name(), stored.content())) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = plain.read(buffer)) >= 0; ) {
        if (length < head.length) {
          System.arraycopy(buffer, 0, head, (int) length, (int) Math.min(n, head.length - length));
        }
        out.write(buffer, 0, n);
        length += n;
      }
      checkMetadata(stored.stat(), ObjectCodec.verifiedHeader(plain));
    }
    if (name.kind() == WalFileName.Kind.SEGMENT
        || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
      checkSegmentLength(stored.stat().key(), head, length);
    }
    return length;
  }

  /**
   * A segment object whose length is not the segment size its own header states was archived from a
   * file that changed while it was read (possible before walarchive refused such files).
   */
  private static void checkSegmentLength(String key, byte[] head, long length)
      throws ObjectIntegrityException {
    long expected;
    try {
      expected =
          length < SegmentHeader.LENGTH ? -1 : SegmentHeader.parse(head).segmentSize().bytes();
    } catch (IllegalArgumentException e) {
      expected = -1;
    }
    if (expected < 0) {
      throw new ObjectIntegrityException(
          "object "
              + key
              + " is corrupt: its content does not start with a WAL segment header; run"
              + " 'walarchive verify' to find every such object");
    }
    if (length != expected) {
      throw new ObjectIntegrityException(
          "object "
              + key
              + " is corrupt: it holds "
              + length
              + " bytes, but the segment's header says segments are "
              + expected
              + " bytes (it was archived from a file that changed while it was read); if the"
              + " primary still has the segment in pg_wal, delete the object and archive the"
              + " file again");
    }
  }

  /**
   * Checks that the metadata stored with an object (digest, plaintext length, format) agrees with
   * what its authenticated content says. The metadata is what an identical re-push compares with;
   * metadata that contradicts the content was altered after archiving.
   */
  static void checkMetadata(ObjectStat stat, ObjectHeader verified)
      throws ObjectIntegrityException {
    Map<String, String> metadata = stat.metadata();
    String digest = metadata.get(WalArchive.META_DIGEST);
    String size = metadata.get(WalArchive.META_PLAINSIZE);
    String format = metadata.get(WalArchive.META_FORMAT);
    String problem = null;
    if (digest == null) {
      problem = "no digest";
    } else if (!digest.equals(verified.digest().toString())) {
      problem = "a digest that differs from the one its authenticated content carries";
    } else if (size == null) {
      problem = "no plaintext size";
    } else if (!size.equals(Long.toString(verified.plaintextLength()))) {
      problem =
          "a plaintext size of '"
              + Messages.abbreviate(size)
              + "', but its authenticated content has "
              + verified.plaintextLength()
              + " bytes";
    } else if (format != null && !format.equals(Integer.toString(verified.formatVersion()))) {
      problem =
          "format '"
              + Messages.abbreviate(format)
              + "', but its content is format "
              + verified.formatVersion();
    }
    if (problem != null) {
      throw new ObjectIntegrityException(
          "object "
              + stat.key()
              + " is corrupt: its storage metadata has "
              + problem
              + ", so it was altered after archiving; run 'walarchive verify' to find every"
              + " such object");
    }
  }

  /** {@link WalArchive#read(WalFileName)}. */
  byte[] read(WalFileName name) throws IOException {
    admin.checked(false);
    try (InputStream stored = storage.open(WalArchive.keyOf(name));
        InputStream plain = codec.decode(name.name(), stored)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      plain.transferTo(out);
      return out.toByteArray();
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
  }

  /** Verifies one object without writing it: {@link WalArchive#verifyObject}. */
  long verify(WalFileName name) throws IOException {
    admin.checked(false);
    try (OpenedObject stored = storage.openWithStat(WalArchive.keyOf(name))) {
      return decodeVerified(name, stored, OutputStream.nullOutputStream());
    } catch (NoSuchFileException e) {
      throw new WalFileNotFoundException(name.name());
    }
  }
}
