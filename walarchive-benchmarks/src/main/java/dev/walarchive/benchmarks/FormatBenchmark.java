package dev.walarchive.benchmarks;

import com.github.luben.zstd.Zstd;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.format.ObjectCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The object format's encode and decode of one real WAL segment per operation, single-threaded (so
 * per core), next to the physical limits on the same data: raw zstd at the same level (one-shot,
 * array to array), raw AES-256-GCM (one {@code doFinal} over the segment) and raw HMAC-SHA256. Each
 * operation processes the next segment of the set in turn; {@code bench/run-jmh.sh} turns times
 * into MB/s and ratios.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 3,
    jvmArgs = {"-Xms1g", "-Xmx1g"})
public class FormatBenchmark {
  @Param({"3"})
  public int level;

  private List<WalSegments.Segment> segments;
  private int next;
  private WalSegments.Segment segment;

  private ObjectCodec zstdAes;
  private ObjectCodec zstdOnly;
  private ObjectCodec aesOnly;
  private byte[][] zstdAesObjects;
  private byte[][] zstdObjects;
  private byte[][] aesObjects;
  private byte[][] rawZstd;
  private byte[][] rawGcm;
  private byte[][] rawGcmChunked;
  private static final int CHUNK = ObjectCodec.DEFAULT_CHUNK_SIZE;
  private byte[] zstdBuffer;
  private byte[] plainBuffer;
  private byte[] gcmBuffer;
  private final byte[] readBuffer = new byte[64 * 1024];
  private Cipher gcm;
  private SecretKeySpec aesKey;
  private Mac hmac;
  private long nonceCounter;
  private int index;

  @Setup(Level.Trial)
  public void setUp() throws IOException, GeneralSecurityException {
    segments = WalSegments.load();
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    Keyring keyring = Keyring.builder().addKey("bench", key).build();
    zstdAes = new ObjectCodec(Compression.zstd(level), keyring);
    zstdOnly = new ObjectCodec(Compression.zstd(level), Keyring.none());
    aesOnly = new ObjectCodec(Compression.none(), keyring);
    int n = segments.size();
    zstdAesObjects = new byte[n][];
    zstdObjects = new byte[n][];
    aesObjects = new byte[n][];
    rawZstd = new byte[n][];
    rawGcm = new byte[n][];
    rawGcmChunked = new byte[n][];
    aesKey = new SecretKeySpec(key, "AES");
    gcm = Cipher.getInstance("AES/GCM/NoPadding");
    hmac = Mac.getInstance("HmacSHA256");
    hmac.init(new SecretKeySpec(key, "HmacSHA256"));
    int max = 0;
    for (int i = 0; i < n; i++) {
      WalSegments.Segment s = segments.get(i);
      max = Math.max(max, s.bytes().length);
      zstdAesObjects[i] = encode(zstdAes, s);
      zstdObjects[i] = encode(zstdOnly, s);
      aesObjects[i] = encode(aesOnly, s);
      rawZstd[i] = Zstd.compress(s.bytes(), level);
      gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce(i)));
      rawGcm[i] = gcm.doFinal(s.bytes());
      ByteArrayOutputStream chunked = new ByteArrayOutputStream();
      long counter = (long) (i + 1) << 32;
      for (int offset = 0; offset < s.bytes().length; offset += CHUNK) {
        gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce(counter++)));
        chunked.write(gcm.doFinal(s.bytes(), offset, Math.min(CHUNK, s.bytes().length - offset)));
      }
      rawGcmChunked[i] = chunked.toByteArray();
    }
    zstdBuffer = new byte[(int) Zstd.compressBound(max)];
    plainBuffer = new byte[max];
    gcmBuffer = new byte[max + 16];
    nonceCounter = 1L << 48;
  }

  @Setup(Level.Invocation)
  public void nextSegment() {
    index = next;
    segment = segments.get(index);
    next = (next + 1) % segments.size();
  }

  private static byte[] encode(ObjectCodec codec, WalSegments.Segment s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.bytes().length / 4);
    codec.encode(s.name(), new ByteArrayInputStream(s.bytes()), out);
    return out.toByteArray();
  }

  private static byte[] nonce(long counter) {
    byte[] nonce = new byte[12];
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (counter >>> (56 - 8 * i));
    }
    return nonce;
  }

  private long decode(ObjectCodec codec, byte[] object) throws IOException {
    try (InputStream in = codec.decode(segment.name(), new ByteArrayInputStream(object))) {
      return Sinks.drain(in, readBuffer);
    }
  }

  @Benchmark
  public long encodeZstdAes() throws IOException {
    return zstdAes
        .encode(segment.name(), new ByteArrayInputStream(segment.bytes()), new Sinks.Discard())
        .encodedLength();
  }

  @Benchmark
  public long encodeZstd() throws IOException {
    return zstdOnly
        .encode(segment.name(), new ByteArrayInputStream(segment.bytes()), new Sinks.Discard())
        .encodedLength();
  }

  @Benchmark
  public long encodeAes() throws IOException {
    return aesOnly
        .encode(segment.name(), new ByteArrayInputStream(segment.bytes()), new Sinks.Discard())
        .encodedLength();
  }

  @Benchmark
  public long decodeZstdAes() throws IOException {
    return decode(zstdAes, zstdAesObjects[index]);
  }

  @Benchmark
  public long decodeZstd() throws IOException {
    return decode(zstdOnly, zstdObjects[index]);
  }

  @Benchmark
  public long decodeAes() throws IOException {
    return decode(aesOnly, aesObjects[index]);
  }

  @Benchmark
  public long rawZstdCompress() {
    return Zstd.compressByteArray(
        zstdBuffer, 0, zstdBuffer.length, segment.bytes(), 0, segment.bytes().length, level);
  }

  @Benchmark
  public long rawZstdDecompress() {
    byte[] compressed = rawZstd[index];
    return Zstd.decompressByteArray(
        plainBuffer, 0, plainBuffer.length, compressed, 0, compressed.length);
  }

  @Benchmark
  public int rawAesGcmEncrypt() throws GeneralSecurityException {
    gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce(nonceCounter++)));
    return gcm.doFinal(segment.bytes(), 0, segment.bytes().length, gcmBuffer, 0);
  }

  @Benchmark
  public int rawAesGcmDecrypt() throws GeneralSecurityException {
    gcm.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce(index)));
    return gcm.doFinal(rawGcm[index], 0, rawGcm[index].length, plainBuffer, 0);
  }

  @Benchmark
  public int rawAesGcmEncryptChunked() throws GeneralSecurityException {
    byte[] plain = segment.bytes();
    int total = 0;
    for (int offset = 0; offset < plain.length; offset += CHUNK) {
      gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce(nonceCounter++)));
      total += gcm.doFinal(plain, offset, Math.min(CHUNK, plain.length - offset), gcmBuffer, 0);
    }
    return total;
  }

  @Benchmark
  public int rawAesGcmDecryptChunked() throws GeneralSecurityException {
    byte[] sealed = rawGcmChunked[index];
    int total = 0;
    long counter = (long) (index + 1) << 32;
    for (int offset = 0; offset < sealed.length; offset += CHUNK + 16) {
      gcm.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce(counter++)));
      total +=
          gcm.doFinal(sealed, offset, Math.min(CHUNK + 16, sealed.length - offset), plainBuffer, 0);
    }
    return total;
  }

  @Benchmark
  public byte[] rawHmacSha256() {
    hmac.update(segment.bytes());
    return hmac.doFinal();
  }
}
