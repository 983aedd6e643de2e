package dev.walarchive.azure;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectSource;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Run in a JVM with a small heap by {@link AzureBoundedMemoryTest}: creates an object several times
 * larger than the heap from a generated stream (never held in memory), reads it back, and compares
 * SHA-256 digests. Arguments: url endpoint account-key size-in-MiB.
 */
final class BoundedMemoryUpload {
  private BoundedMemoryUpload() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    Map<String, String> options = Map.of("azure.endpoint", args[1], "azure.account-key", args[2]);
    long size = Long.parseLong(args[3]) << 20;
    MessageDigest written = MessageDigest.getInstance("SHA-256");
    ObjectSource source =
        new ObjectSource() {
          @Override
          public long length() {
            return size;
          }

          @Override
          public InputStream openStream() {
            return new Generated(size, written);
          }
        };
    MessageDigest read = MessageDigest.getInstance("SHA-256");
    try (ArchiveStorage storage = ArchiveStorages.open(url, options)) {
      storage.create("large", source, Map.of("digest", "none"));
      try (InputStream in = storage.open("large")) {
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          read.update(buffer, 0, n);
        }
      }
      if (storage.stat("large").size() != size) {
        System.out.println("SIZE MISMATCH");
        System.exit(3);
      }
    }
    String w = HexFormat.of().formatHex(written.digest());
    String r = HexFormat.of().formatHex(read.digest());
    System.out.println(
        (w.equals(r) ? "OK" : "DIGEST MISMATCH")
            + " size="
            + size
            + " sha256="
            + r
            + " maxHeapMiB="
            + (Runtime.getRuntime().maxMemory() >> 20));
    System.exit(w.equals(r) ? 0 : 2);
  }

  /** {@code size} pseudo-random bytes, made as they are read. */
  private static final class Generated extends InputStream {
    private final SplittableRandom random = new SplittableRandom(1);
    private final MessageDigest digest;
    private long remaining;

    Generated(long size, MessageDigest digest) {
      this.remaining = size;
      this.digest = digest;
      digest.reset();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (remaining == 0) {
        return -1;
      }
      int n = (int) Math.min(len, remaining);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) random.nextInt(256);
      }
      digest.update(b, off, n);
      remaining -= n;
      return n;
    }
  }
}
