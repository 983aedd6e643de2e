package dev.walarchive.benchmarks;

import com.github.luben.zstd.Zstd;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Prints, per zstd level, how much the real WAL segments shrink: raw zstd (one-shot) and whole
 * encrypted objects of the format, summed over all segments. Deterministic, so one run suffices.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.walarchive.benchmarks.CompressionRatio [levels]}
 */
public final class CompressionRatio {
  private CompressionRatio() {}

  public static void main(String[] args) throws IOException {
    String[] levels = args.length > 0 ? args : new String[] {"-1", "1", "3", "6", "9", "19"};
    var segments = WalSegments.load();
    long plain = 0;
    for (var s : segments) {
      plain += s.bytes().length;
    }
    Keyring keyring = Keyring.builder().addKey("bench", new byte[32]).build();
    System.out.printf(
        "%d segments, %.1f MiB of WAL from %s%n",
        segments.size(), plain / 1048576.0, WalSegments.directory());
    System.out.printf(
        "%-7s %14s %8s %16s %8s%n", "level", "raw zstd bytes", "ratio", "object bytes", "ratio");
    for (String arg : levels) {
      int level = Integer.parseInt(arg);
      ObjectCodec codec = new ObjectCodec(Compression.zstd(level), keyring);
      long raw = 0;
      long objects = 0;
      for (var s : segments) {
        raw += Zstd.compress(s.bytes(), level).length;
        objects +=
            codec
                .encode(s.name(), new ByteArrayInputStream(s.bytes()), new Sinks.Discard())
                .encodedLength();
      }
      System.out.printf(
          "%-7s %14d %8.2f %16d %8.2f%n",
          "zstd:" + level, raw, (double) plain / raw, objects, (double) plain / objects);
    }
  }
}
