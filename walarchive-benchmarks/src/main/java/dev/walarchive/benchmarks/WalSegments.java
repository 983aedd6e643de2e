package dev.walarchive.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real WAL segments the benchmarks run on: every file with a 24-hex-digit name in the directory
 * named by system property {@code walarchive.bench.wal} (default {@code target/wal}), as written by
 * {@code bench/generate-wal.sh}.
 */
final class WalSegments {
  static final String PROPERTY = "walarchive.bench.wal";

  private WalSegments() {}

  static Path directory() {
    return Path.of(System.getProperty(PROPERTY, "target/wal"));
  }

  static List<Segment> load() {
    Path dir = directory();
    List<Segment> segments = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.matches("[0-9A-F]{24}")) {
          segments.add(new Segment(name, Files.readAllBytes(file)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read WAL segments from "
              + dir
              + " (generate them with bench/generate-wal.sh and set -D"
              + PROPERTY
              + ")",
          e);
    }
    if (segments.isEmpty()) {
      throw new IllegalStateException(
          "no WAL segments in " + dir + ": generate them with bench/generate-wal.sh " + dir);
    }
    return segments;
  }

  record Segment(String name, byte[] bytes) {}
}
