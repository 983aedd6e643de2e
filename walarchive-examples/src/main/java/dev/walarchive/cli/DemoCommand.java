package dev.walarchive.cli;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.PushResult;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.SegmentHeader;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Archives and restores synthetic WAL on a file: archive in a temporary directory. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Shows the archive at work without PostgreSQL: writes three synthetic 16 MiB segments, archives them (zstd, AES-256 with a random key) into a file: archive in a temporary directory, re-pushes one (identical: success), pushes a conflicting copy (refused), restores one and compares it byte for byte.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the demo worked", "3:it did not (the message says why)"})
final class DemoCommand implements Callable<Integer>, ExitCodes {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--keep", description = "Keep the temporary directory and print its path.")
  boolean keep;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log one line per action (also accepted before the command).")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("walarchive-demo-");
    try {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Path archiveDir = dir.resolve("archive");
      Keyring keyring = Keyring.builder().addKey("demo", key).activeKeyId("demo").build();
      WalSegmentSize size = WalSegmentSize.DEFAULT;
      long systemIdentifier = 7_000_000_000_000_000_000L + new SecureRandom().nextInt(1 << 30);
      Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
      out.printf("archive: file:%s%n", archiveDir);
      try (WalArchive archive =
          WalArchive.builder(ArchiveStorages.filesystem(archiveDir))
              .compression(Compression.zstdDefault())
              .keyring(keyring)
              .tempDirectory(dir)
              .build()) {
        Path first = null;
        for (long segno = 1; segno <= 3; segno++) {
          Path file = writeSegment(pgWal, systemIdentifier, segno, size, segno);
          first = first == null ? file : first;
          PushResult r = archive.push(file);
          out.printf(
              "wal-push %s: %s, %d bytes stored%n",
              file.getFileName(), r.outcome(), r.storedLength());
        }
        PushResult again = archive.push(first);
        out.printf("wal-push %s again: %s%n", first.getFileName(), again.outcome());
        Path other = Files.createDirectories(dir.resolve("other"));
        Path conflicting = writeSegment(other, systemIdentifier, 1, size, 99);
        try {
          archive.push(conflicting);
          throw new IllegalStateException("a conflicting push was accepted");
        } catch (dev.walarchive.core.archive.ArchiveConflictException e) {
          out.printf(
              "wal-push of a different %s: refused (%s)%n", first.getFileName(), e.getMessage());
        }
        Path restored = dir.resolve("RECOVERYXLOG");
        archive.fetch(first.getFileName().toString(), restored);
        boolean same = Arrays.equals(Files.readAllBytes(restored), Files.readAllBytes(first));
        out.printf("wal-fetch %s: %s%n", first.getFileName(), same ? "identical" : "DIFFERENT");
        ArchiveInventory inventory = archive.inventory();
        for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
          out.printf(
              "show: timeline %d, %d segments, %d bytes stored%n",
              t.timeline(), t.segments(), t.storedBytes());
        }
        if (!same) {
          throw new IllegalStateException("the restored segment differs from the original");
        }
      }
      return 0;
    } finally {
      if (keep) {
        out.printf("kept %s%n", dir);
      } else {
        try (Stream<Path> walk = Files.walk(dir)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  /** A segment with a valid long page header and pseudo-random WAL-like body. */
  private static Path writeSegment(
      Path dir, long systemIdentifier, long segno, WalSegmentSize size, long seed)
      throws IOException {
    WalFileName name = WalFileName.segment(1, segno, size);
    SegmentHeader header =
        new SegmentHeader(
            0xD110, 15, 1, Lsn.ofSegment(segno, 0, size), systemIdentifier, size, 8192);
    java.util.Random random = new java.util.Random(seed);
    byte[] page = new byte[8192];
    Path file = dir.resolve(name.name());
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header.toBytes());
      long remaining = size.bytes() - SegmentHeader.LENGTH;
      while (remaining > 0) {
        // half random, half zeros: compresses like real WAL roughly does
        Arrays.fill(page, (byte) 0);
        byte[] noise = new byte[page.length / 2];
        random.nextBytes(noise);
        System.arraycopy(noise, 0, page, 0, noise.length);
        int n = (int) Math.min(page.length, remaining);
        out.write(page, 0, n);
        remaining -= n;
      }
    }
    return file;
  }

  @Override
  public int usage() {
    return 2;
  }

  @Override
  public int forFailure(Exception e) {
    return 3;
  }
}
