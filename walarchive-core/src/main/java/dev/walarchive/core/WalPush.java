package dev.walarchive.core;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.archive.ArchiveConfigurationException;
import dev.walarchive.core.archive.ArchiveConflictException;
import dev.walarchive.core.archive.ArchiveManifest;
import dev.walarchive.core.archive.ArchiveMismatchException;
import dev.walarchive.core.archive.InvalidWalFileException;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.format.Digest;
import dev.walarchive.core.format.EncodeResult;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import dev.walarchive.core.format.ObjectFormatException;
import dev.walarchive.core.format.UnknownKeyException;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push path of one archive ({@link WalArchive#push}): validation of the file (name, segment
 * header, history files, the manifest of this archive and of each copy), one read and one encoding,
 * create-if-absent in the archive and its copies, and the comparison with an object already there.
 */
final class WalPush {
  private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

  private final WalArchive owner;
  private final ArchiveStorage storage;
  private final ObjectCodec codec;
  private final Keyring keyring;
  private final Manifests manifests;
  private final ManifestAdmin admin;
  private final List<WalArchive> copies;
  private final WalArchive.CopyMode copyMode;

  WalPush(
      WalArchive owner,
      ArchiveStorage storage,
      ObjectCodec codec,
      Keyring keyring,
      Manifests manifests,
      ManifestAdmin admin,
      List<WalArchive> copies,
      WalArchive.CopyMode copyMode) {
    this.owner = owner;
    this.storage = storage;
    this.codec = codec;
    this.keyring = keyring;
    this.manifests = manifests;
    this.admin = admin;
    this.copies = copies;
    this.copyMode = copyMode;
  }

  PushResult push(Path file) throws IOException {
    requireNonNull(file, "file is null");
    Path fileName = file.getFileName();
    if (fileName == null) {
      throw new IllegalArgumentException(
          "'" + file + "' has no file name; pass a path to a WAL file");
    }
    WalFileName name = WalFileName.parse(fileName.toString());
    checkRegularFile(file);
    Map<WalArchive, IOException> failedCopies = new LinkedHashMap<>();
    try (PushedFile local = PushedFile.open(file)) {
      InputStream content;
      if (name.kind() == WalFileName.Kind.SEGMENT
          || name.kind() == WalFileName.Kind.PARTIAL_SEGMENT) {
        byte[] head = local.readNBytes(SegmentHeader.LENGTH);
        SegmentHeader header = checkHeader(file, name, head, local.sizeAtOpen());
        local.expect(header.segmentSize().bytes());
        checkManifest(header, file);
        for (WalArchive copy : copies) {
          try {
            copy.pushPath().checkManifest(header, file);
          } catch (IOException e) {
            failedCopies.put(copy, e);
          }
        }
        content = new SequenceInputStream(new ByteArrayInputStream(head), local.stream());
      } else {
        byte[] bytes = readSmallFile(local, file);
        if (name.kind() == WalFileName.Kind.BACKUP_HISTORY) {
          checkBackupHistory(file, name, bytes);
        } else {
          checkTimelineHistory(file, name, bytes);
        }
        checkManifestForHistoryFile(file);
        for (WalArchive copy : copies) {
          try {
            copy.pushPath().checkManifestForHistoryFile(file);
          } catch (IOException e) {
            failedCopies.put(copy, e);
          }
        }
        content = new ByteArrayInputStream(bytes);
      }
      return store(local, name, content, failedCopies);
    }
  }

  /**
   * Judges the copies' failures of one push: in strict mode any failure fails the push; in lagging
   * mode only a storage error is forgiven (logged), never a conflict, another cluster or a
   * configuration error.
   */
  private void judgeCopies(WalFileName name, Map<WalArchive, IOException> failed)
      throws IOException {
    IOException fatal = null;
    for (Map.Entry<WalArchive, IOException> f : failed.entrySet()) {
      IOException e = f.getValue();
      if (copyMode == WalArchive.CopyMode.LAGGING && !fatalForCopy(e)) {
        log.warn(
            "copy {} lags: {} was not archived there ({}); it is archived in {}, and 'walarchive"
                + " sync' brings the copy level",
            f.getKey().location(),
            name,
            Messages.oneLine(e),
            owner.location());
      } else if (fatal == null) {
        fatal = Messages.inCopy(f.getKey(), e);
      } else {
        log.warn(
            "copy {}: {} was not archived there: {}",
            f.getKey().location(),
            name,
            Messages.oneLine(e));
      }
    }
    if (fatal != null) {
      throw fatal;
    }
  }

  private static boolean fatalForCopy(IOException e) {
    return e instanceof ArchiveConflictException
        || e instanceof ArchiveMismatchException
        || e instanceof ArchiveConfigurationException
        || e instanceof dev.walarchive.core.storage.StorageConfigurationException
        || e instanceof InvalidWalFileException
        || e instanceof ObjectFormatException;
  }

  /**
   * Encodes {@code content} (the rest of {@code local}'s single pass) into the spool, checks that
   * the file yielded exactly its expected bytes and did not change meanwhile, and only then hands
   * the complete encoding to create-if-absent.
   */
  private PushResult store(
      PushedFile local,
      WalFileName name,
      InputStream content,
      Map<WalArchive, IOException> failedCopies)
      throws IOException {
    String key = WalArchive.keyOf(name);
    try (Spool spool = owner.newSpool()) {
      EncodeResult encoded = codec.encode(name.name(), content, spool);
      local.finish();
      ObjectSource source = spool.source();
      Map<String, String> metadata = new HashMap<>();
      metadata.put(WalArchive.META_DIGEST, encoded.digest().toString());
      metadata.put(WalArchive.META_PLAINSIZE, Long.toString(encoded.plaintextLength()));
      metadata.put(WalArchive.META_FORMAT, "1");
      if (copies.isEmpty()) {
        return storeEncoded(local, name, key, source, metadata, encoded);
      }
      PushResult result;
      try {
        result = storeEncoded(local, name, key, source, metadata, encoded);
      } catch (IOException e) {
        // the copies still get the file, so that a retry after this archive's outage costs them
        // one metadata read
        for (WalArchive copy : copies) {
          if (!failedCopies.containsKey(copy)) {
            try {
              copy.pushPath().storeEncoded(local, name, key, source, metadata, encoded);
            } catch (IOException c) {
              log.warn(
                  "copy {}: {} was not archived there: {}",
                  copy.location(),
                  name,
                  Messages.oneLine(c));
            }
          }
        }
        throw e;
      }
      for (WalArchive copy : copies) {
        if (!failedCopies.containsKey(copy)) {
          try {
            copy.pushPath().storeEncoded(local, name, key, source, metadata, encoded);
          } catch (IOException e) {
            failedCopies.put(copy, e);
          }
        }
      }
      judgeCopies(name, failedCopies);
      return result;
    }
  }

  /** Writes one encoded object to this archive's storage, or compares it with the existing one. */
  PushResult storeEncoded(
      PushedFile local,
      WalFileName name,
      String key,
      ObjectSource source,
      Map<String, String> metadata,
      EncodeResult encoded)
      throws IOException {
    try {
      storage.create(key, source, metadata);
      log.debug(
          "archived {} ({} bytes, {} stored)",
          name,
          encoded.plaintextLength(),
          encoded.encodedLength());
      return new PushResult(
          name,
          PushResult.Outcome.ARCHIVED,
          encoded.plaintextLength(),
          encoded.encodedLength(),
          encoded.digest());
    } catch (FileAlreadyExistsException e) {
      return compareExisting(local, name, key, encoded);
    }
  }

  private PushResult compareExisting(
      PushedFile local, WalFileName name, String key, EncodeResult encoded) throws IOException {
    ObjectStat stat = storage.stat(key);
    String recorded = stat.metadata().get(WalArchive.META_DIGEST);
    Digest existing = null;
    if (recorded != null) {
      try {
        existing = Digest.parse(recorded);
      } catch (IllegalArgumentException e) {
        // damaged metadata: judged by the object's authenticated content below
      }
    }
    if (existing != null) {
      Digest ours = digestLike(local, name, encoded, existing);
      if (ours.equals(existing)) {
        log.debug("{} was already archived with identical content", name);
        return new PushResult(
            name,
            PushResult.Outcome.ALREADY_ARCHIVED,
            encoded.plaintextLength(),
            stat.size(),
            ours);
      }
    }
    // the metadata is damaged or names other content: ask the object itself (a rare path, worth
    // one download, since "different content" means a second primary or a corrupt file)
    Digest authenticated;
    try (InputStream in = storage.open(key)) {
      authenticated = codec.readHeader(in).digest();
    } catch (ObjectFormatException e) {
      throw new ArchiveConflictException(
          name
              + " is already archived, but the archived object "
              + key
              + " cannot be verified ("
              + e.getMessage()
              + "); it is kept. Run 'walarchive verify' and repair the archive before retrying");
    }
    if (existing != null && authenticated.equals(existing)) {
      throw new ArchiveConflictException(
          name
              + " is already archived with different content; the archived copy is kept. Another"
              + " server may be archiving the same timeline, or the local file is corrupt");
    }
    String what =
        recorded == null
            ? "no digest"
            : existing == null
                ? "a digest field that cannot be parsed: '" + Messages.abbreviate(recorded) + "'"
                : "a digest that contradicts its content";
    Digest ours = digestLike(local, name, encoded, authenticated);
    if (ours.equals(authenticated)) {
      throw new ArchiveConflictException(
          "the archived object "
              + key
              + " has damaged storage metadata ("
              + what
              + "), though its content is identical to "
              + name
              + "; it is kept and this push fails until it is repaired: delete "
              + key
              + " from the archive so that PostgreSQL archives the file again");
    }
    throw new ArchiveConflictException(
        name
            + " is already archived with different content, and the archived object "
            + key
            + " has damaged storage metadata ("
            + what
            + "); it is kept. Run 'walarchive verify' and inspect it before retrying");
  }

  /** The digest of the pushed file in the scheme of {@code like}. */
  private Digest digestLike(PushedFile local, WalFileName name, EncodeResult encoded, Digest like)
      throws IOException {
    if (sameScheme(like, encoded.digest())) {
      return encoded.digest();
    }
    try (PushedFile again = local.reopen()) {
      Digest digest = codec.digest(again.stream(), like);
      again.finish();
      return digest;
    } catch (UnknownKeyException e) {
      throw new ArchiveConflictException(
          name
              + " is already archived under key id '"
              + like.keyId()
              + "', which is not in the keyring, so the content cannot be compared; add that"
              + " key as a read key");
    }
  }

  private static boolean sameScheme(Digest a, Digest b) {
    return a.algorithm().equals(b.algorithm()) && java.util.Objects.equals(a.keyId(), b.keyId());
  }

  private static void checkRegularFile(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
      throw new InvalidWalFileException("file " + file + " does not exist; check the %p path");
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidWalFileException("'" + file + "' is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new InvalidWalFileException("file " + file + " is not readable by this user");
    }
  }

  private static SegmentHeader checkHeader(
      Path file, WalFileName name, byte[] bytes, long sizeAtOpen) throws IOException {
    if (bytes.length < SegmentHeader.LENGTH) {
      throw new InvalidWalFileException(
          "file " + file + " is too short (" + bytes.length + " bytes) to be a WAL segment");
    }
    SegmentHeader header;
    try {
      header = SegmentHeader.parse(bytes);
      header.checkMatches(name);
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not the WAL segment its name says: " + e.getMessage(), e);
    }
    if (sizeAtOpen != header.segmentSize().bytes()) {
      throw new InvalidWalFileException(
          "file "
              + file
              + " has "
              + sizeAtOpen
              + " bytes, but its header says segments are "
              + header.segmentSize().bytes()
              + " bytes");
    }
    return header;
  }

  private static final int MAX_HISTORY_FILE = 1024 * 1024;

  /** Reads a history or backup history file whole, as the one pass over it. */
  private static byte[] readSmallFile(PushedFile local, Path file) throws IOException {
    if (local.sizeAtOpen() > MAX_HISTORY_FILE) {
      throw new InvalidWalFileException(
          "file "
              + file
              + " has "
              + local.sizeAtOpen()
              + " bytes, too many for a history file (at most "
              + MAX_HISTORY_FILE
              + ")");
    }
    return local.stream().readAllBytes();
  }

  private static void checkBackupHistory(Path file, WalFileName name, byte[] bytes)
      throws IOException {
    String text = text(bytes);
    try {
      BackupHistory.parse(name, text);
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not a valid backup history file: " + e.getMessage(), e);
    }
  }

  private static void checkTimelineHistory(Path file, WalFileName name, byte[] bytes)
      throws IOException {
    String text = text(bytes);
    TimelineHistory history;
    try {
      history = TimelineHistory.parse(name.timeline(), text);
    } catch (IllegalArgumentException e) {
      throw new InvalidWalFileException(
          "file " + file + " is not a valid timeline history file: " + e.getMessage(), e);
    }
    if (history.entries().isEmpty()) {
      throw new InvalidWalFileException(
          "file "
              + file
              + " is not a valid timeline history file: it records no timeline switch, but"
              + " PostgreSQL writes at least the switch from the parent timeline into the history"
              + " of timeline "
              + name.timeline()
              + (bytes.length == 0 ? " (the file is empty)" : "")
              + "; nothing was archived");
    }
  }

  /**
   * The text of a history file for validation only (the bytes are archived unchanged). PostgreSQL
   * copies reasons and labels (e.g. a restore point's name) into these files byte for byte, in
   * whatever encoding its configuration used, and its own reader accepts any bytes there; refusing
   * non-UTF-8 text would stall archiving for good. ISO-8859-1 maps every byte to one char, so the
   * structure is checked exactly and nothing is lost.
   */
  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  void checkManifest(SegmentHeader header, Path file) throws IOException {
    ArchiveManifest manifest = admin.writable(header.systemIdentifier(), header.segmentSize());
    if (manifest.systemIdentifier() != header.systemIdentifier()) {
      throw new ArchiveMismatchException(
          "file "
              + file
              + " belongs to cluster "
              + Long.toUnsignedString(header.systemIdentifier())
              + ", but this archive holds cluster "
              + Long.toUnsignedString(manifest.systemIdentifier())
              + "; use a separate archive URL for each cluster");
    }
    if (!manifest.segmentSize().equals(header.segmentSize())) {
      throw new ArchiveMismatchException(
          "file "
              + file
              + " is a "
              + header.segmentSize().bytes()
              + "-byte segment, but this archive holds "
              + manifest.segmentSize().bytes()
              + "-byte segments; use a separate archive URL");
    }
    manifests.checkWriteKeys(manifest, keyring);
    storage.checkArchive(manifest.storageFacts());
  }

  /**
   * History files carry no cluster identity; the archive must exist already, or a WAL segment in
   * the same directory (pg_wal always holds one) names the cluster that creates it. A promoted
   * restore pushing into a new archive sends its {@code .history} file first.
   */
  void checkManifestForHistoryFile(Path file) throws IOException {
    Optional<ArchiveManifest> existing = manifests.read();
    if (existing.isPresent()) {
      manifests.checkWriteKeys(existing.get(), keyring);
      storage.checkArchive(existing.get().storageFacts());
      return;
    }
    Path dir = file.toAbsolutePath().getParent();
    Optional<Map.Entry<Path, SegmentHeader>> sibling = siblingSegment(dir);
    if (sibling.isEmpty()) {
      throw new ArchiveConfigurationException(
          "no archive at "
              + manifests.location()
              + " yet, and no WAL segment in "
              + dir
              + " tells which cluster it is for; an archive is created by pushing a WAL segment");
    }
    checkManifest(sibling.get().getValue(), sibling.get().getKey());
  }

  private static Optional<Map.Entry<Path, SegmentHeader>> siblingSegment(Path dir)
      throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      files
          .filter(
              p -> {
                try {
                  return WalFileName.parse(p.getFileName().toString()).kind()
                      == WalFileName.Kind.SEGMENT;
                } catch (IllegalArgumentException e) {
                  return false;
                }
              })
          .forEach(candidates::add);
    }
    candidates.sort(java.util.Comparator.reverseOrder());
    for (Path candidate : candidates.subList(0, Math.min(16, candidates.size()))) {
      try (InputStream in = Files.newInputStream(candidate)) {
        SegmentHeader header = SegmentHeader.parse(in.readNBytes(SegmentHeader.LENGTH));
        if (Files.size(candidate) == header.segmentSize().bytes()) {
          return Optional.of(Map.entry(candidate, header));
        }
      } catch (IOException | IllegalArgumentException e) {
        // not usable: try the next one
      }
    }
    return Optional.empty();
  }
}
