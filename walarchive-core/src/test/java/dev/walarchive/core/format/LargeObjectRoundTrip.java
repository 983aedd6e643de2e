package dev.walarchive.core.format;

import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Encodes a generated stream of the given size (zstd + AES-256-GCM) into a pipe while another
 * thread decodes it, and checks that what comes out is what went in. Run by {@link
 * LargeObjectMemoryTest} in a JVM with a small heap; prints {@code OK <bytes> <peak heap>}.
 */
public final class LargeObjectRoundTrip {
  private LargeObjectRoundTrip() {}

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args[0]);
    ObjectCodec codec = new ObjectCodec(Compression.zstdDefault(), Objects.RAW_K1);
    PipedInputStream pipeIn = new PipedInputStream(1 << 20);
    PipedOutputStream pipeOut = new PipedOutputStream(pipeIn);
    AtomicReference<Object> encoded = new AtomicReference<>();
    Thread encoder =
        new Thread(
            () -> {
              try (pipeOut) {
                encoded.set(codec.encode(Objects.NAME, new Generated(size), pipeOut));
              } catch (Throwable e) {
                encoded.set(e);
              }
            });
    encoder.start();

    Generated expected = new Generated(size);
    byte[] buffer = new byte[100_003];
    byte[] reference = new byte[buffer.length];
    long total = 0;
    try (InputStream decoded = codec.decode(Objects.NAME, pipeIn)) {
      for (int n; (n = decoded.read(buffer)) >= 0; ) {
        int got = expected.readNBytes(reference, 0, n);
        if (got != n || !java.util.Arrays.equals(buffer, 0, n, reference, 0, n)) {
          throw new AssertionError("decoded bytes differ near offset " + total);
        }
        total += n;
      }
    }
    encoder.join();
    if (encoded.get() instanceof Throwable e) {
      throw new AssertionError("encoding failed", e);
    }
    EncodeResult result = (EncodeResult) encoded.get();
    if (total != size || result.plaintextLength() != size) {
      throw new AssertionError("decoded " + total + " of " + size + " bytes");
    }
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.println(
        "OK "
            + total
            + " bytes, object "
            + result.encodedLength()
            + " bytes, peak heap "
            + peak / (1024 * 1024)
            + " MiB, max heap "
            + Runtime.getRuntime().maxMemory() / (1024 * 1024)
            + " MiB");
  }

  /** Deterministic, moderately compressible bytes: 24 random bytes in every 64, the rest zero. */
  static final class Generated extends InputStream {
    private final long size;
    private final byte[] block = new byte[64 * 1024];
    private final java.nio.ByteBuffer blockBuffer = java.nio.ByteBuffer.wrap(block);
    private long position;
    private int blockPosition = block.length;
    private long state = 0x9E3779B97F4A7C15L;

    Generated(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) {
        return -1;
      }
      if (blockPosition == block.length) {
        refill();
      }
      int n = (int) Math.min(Math.min(len, size - position), block.length - blockPosition);
      System.arraycopy(block, blockPosition, b, off, n);
      blockPosition += n;
      position += n;
      return n;
    }

    private void refill() {
      blockBuffer.clear();
      while (blockBuffer.hasRemaining()) {
        for (int i = 0; i < 3; i++) {
          state ^= state << 13;
          state ^= state >>> 7;
          state ^= state << 17;
          blockBuffer.putLong(state);
        }
        for (int i = 0; i < 5; i++) {
          blockBuffer.putLong(0);
        }
      }
      blockPosition = 0;
    }
  }
}
