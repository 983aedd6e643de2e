package dev.walarchive.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The on-disk state of async mode for one (data directory, archive URL) pair: {@code
 * <spool>/<key>/}. The launcher (bin/walarchive-spool.sh) reads and writes the same files; keep the
 * two in step.
 *
 * <ul>
 *   <li>{@code ack/<name>}: "identity digest" of a segment that is durable in the archive; the
 *       launcher answers success only if the file at %p still has that identity and {@code
 *       archive-verified} is newer than the marker
 *   <li>{@code archive-verified}: present while the worker's checks of the archive's identity
 *       succeed; its modification time is when the newest successful check began (a stamp made
 *       before the manifest was read), so a marker older than it was confirmed by a check made
 *       after the marker was written
 *   <li>{@code req/<token>}: "push <name>", "fetch <name>" or "seen <name>" from the launcher
 *   <li>{@code reply/<token>}: "<exit code> <one-line message>" for a push or fetch request,
 *       written before the request is removed: a request gone without a reply is one the worker
 *       could not answer (its reply could not be written)
 *   <li>{@code startup-error}, {@code worker-stopped}: the one-line reason a worker failed before
 *       it began serving, or after
 *   <li>{@code prefetch/<name>}: complete, verified, fsynced files fetched ahead
 *   <li>{@code worker.pid}: "<pid> <start time> <boot id>" of the running worker (start time in
 *       clock ticks since boot, as field 22 of {@code /proc/<pid>/stat}), written once its new life
 *       began (stale prefetched files dropped, the archive's identity checked): the launcher
 *       answers from the spool only while that process runs, checked without a process of its own
 *   <li>{@code <spool>/keys} (in the spool itself): the launcher's index of state directory names,
 *       so that an answer needs no {@code sha256sum}; see bin/walarchive-spool.sh
 * </ul>
 */
final class SpoolState {
  final Path dir;
  final Path ack;
  final Path req;
  final Path reply;
  final Path prefetch;
  final Path tmp;

  /**
   * {@code worker-stopped}: the one-line reason a worker that had begun serving failed and ended
   * (its start's failures go to {@code startup-error}); removed when the next worker begins
   * serving, and by the launcher call that reports it.
   */
  static final String WORKER_STOPPED = "worker-stopped";

  /** {@code archive-verified}; see the class comment. */
  final Path verified;

  /** {@code worker.pid}; see the class comment. */
  final Path workerPid;

  SpoolState(Path dir) {
    this.dir = dir;
    this.verified = dir.resolve("archive-verified");
    this.workerPid = dir.resolve("worker.pid");
    this.ack = dir.resolve("ack");
    this.req = dir.resolve("req");
    this.reply = dir.resolve("reply");
    this.prefetch = dir.resolve("prefetch");
    this.tmp = dir.resolve("tmp");
  }

  /** The state directory for {@code dataDirectory} (a real path) and archive {@code url}. */
  static Path stateDir(Path spoolDir, Path dataDirectory, String url) {
    return spoolDir.resolve(key(dataDirectory, url));
  }

  /**
   * The state directory for {@code dataDirectory}, archive {@code url} and its copies ({@code
   * copies} as the configuration lists them, comma-separated; empty for none) with {@code mode}: a
   * worker pushes to the archives it started with, so another set gets a state of its own.
   */
  static Path stateDir(Path spoolDir, Path dataDirectory, String url, String copies, String mode) {
    return spoolDir.resolve(
        copies.isEmpty()
            ? key(dataDirectory, url)
            : hash("v1\n" + dataDirectory + "\n" + url + "\ncopies " + copies + " " + mode));
  }

  /** Same as the launcher: first 16 hex digits of sha256("v1\n" + data dir + "\n" + url). */
  static String key(Path dataDirectory, String url) {
    return hash("v1\n" + dataDirectory + "\n" + url);
  }

  private static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void create() throws IOException {
    for (Path p : new Path[] {ack, req, reply, prefetch, tmp}) {
      Files.createDirectories(p);
    }
  }

  /**
   * Records this process as the running worker in {@code worker.pid} (see the class comment), where
   * {@code /proc} tells its start time; otherwise removes the file (the launcher then asks the
   * worker's lock).
   */
  void writeWorkerPid() throws IOException {
    String stat;
    String boot;
    try {
      stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      boot =
          Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      Files.deleteIfExists(workerPid);
      return;
    }
    // after the command name (which may hold spaces and parentheses): state (field 3), ...
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    writeMarker(workerPid, ProcessHandle.current().pid() + " " + fields[19] + " " + boot.trim());
  }

  /** Removes {@code worker.pid} (a worker that ends). */
  void removeWorkerPid() {
    try {
      Files.deleteIfExists(workerPid);
    } catch (IOException e) {
      // a dead process's record never passes the launcher's check
    }
  }

  /**
   * What identifies the content of a local file without reading it: device, inode, size, and
   * modification and change times in nanoseconds, as {@code stat -L -c %d:%i:%s:%.9Y:%.9Z} prints
   * them. Any write, rename, link or chmod changes the change time.
   */
  static String identity(Path file) throws IOException {
    Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
    return a.get("dev")
        + ":"
        + a.get("ino")
        + ":"
        + a.get("size")
        + ":"
        + seconds((FileTime) a.get("lastModifiedTime"))
        + ":"
        + seconds((FileTime) a.get("ctime"));
  }

  private static String seconds(FileTime t) {
    Instant i = t.toInstant();
    return i.getEpochSecond() + "." + String.format("%09d", i.getNano());
  }

  /** The recorded ack of {@code name}, or null. */
  String ack(String name) throws IOException {
    try {
      return Files.readString(ack.resolve(name), StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Whether the ack of {@code name} exists and is older than {@code archive-verified}: an identity
   * check that began after the marker was written found the archive unchanged.
   */
  boolean confirmed(String name) throws IOException {
    try {
      FileTime verifiedAt = Files.getLastModifiedTime(verified);
      return Files.getLastModifiedTime(ack.resolve(name)).compareTo(verifiedAt) < 0;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /**
   * Whether {@code file} (named {@code name}) has an ack matching its current identity that a later
   * identity check confirmed: what a success may be answered from.
   */
  boolean ackedAndConfirmed(String name, Path file) throws IOException {
    return acked(name, file) && confirmed(name);
  }

  /** Whether {@code file} (named {@code name}) has an ack matching its current identity. */
  boolean acked(String name, Path file) throws IOException {
    String recorded = ack(name);
    if (recorded == null) {
      return false;
    }
    String id;
    try {
      id = identity(file);
    } catch (NoSuchFileException e) {
      return false;
    }
    int space = recorded.indexOf(' ');
    return (space < 0 ? recorded : recorded.substring(0, space)).equals(id);
  }

  /**
   * Writes the marker {@code target} atomically but without fsync: temp file, rename. For facts
   * that are durable elsewhere already (an ack: the object is durable in the archive). After a
   * crash the marker is there complete, or absent, or (on some filesystems) empty; absent and empty
   * match no file's identity, so the launcher asks the worker, which pushes again and finds the
   * object archived.
   */
  void writeMarker(Path target, String content) throws IOException {
    Path t =
        tmp.resolve(
            target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.write(
          t, (content + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE_NEW);
      Files.move(t, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(t);
    }
  }

  /** Writes {@code target} atomically and durably: temp file, fsync, rename, fsync directory. */
  void writeAtomically(Path target, String content) throws IOException {
    Path t =
        tmp.resolve(
            target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel ch =
          FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap((content + "\n").getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
      Files.move(t, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        d.force(true);
      }
    } finally {
      Files.deleteIfExists(t);
    }
  }
}
