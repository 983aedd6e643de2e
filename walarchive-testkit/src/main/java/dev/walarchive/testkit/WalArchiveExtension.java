package dev.walarchive.testkit;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.format.Compression;
import dev.walarchive.core.format.Keyring;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Clock;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives each test a fresh, empty in-memory {@link WalArchive} (and its
 * {@link ArchiveStorage}) as a parameter, closed after the test.
 *
 * <pre>{@code
 * @ExtendWith(WalArchiveExtension.class)
 * class MyToolTest {
 *   @Test
 *   void archivesWal(WalArchive archive, @TempDir Path dir) throws IOException {
 *     Path segment = TestWal.writeSegment(dir, 1, 1, WalSegmentSize.DEFAULT);
 *     archive.push(segment);
 *     assertThat(archive.inventory().entries()).hasSize(1);
 *   }
 * }
 * }</pre>
 *
 * <p>Registered with {@code @RegisterExtension}, it can give an encrypted archive, an archive
 * created for a segment size, and a clock:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final WalArchiveExtension ARCHIVES =
 *     WalArchiveExtension.builder()
 *         .encrypted()
 *         .segmentSize(WalSegmentSize.ofMegabytes(1))
 *         .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
 *         .build();
 * }</pre>
 *
 * <p>Within one test, a {@code WalArchive} and an {@code ArchiveStorage} parameter refer to the
 * same archive. Parameters of type {@link WalSegmentSize} and {@link Clock} receive the configured
 * segment size (default {@link WalSegmentSize#DEFAULT}) and clock (default UTC system clock).
 */
public final class WalArchiveExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(WalArchiveExtension.class);

  private final Keyring keyring;
  private final Compression compression;
  private final WalSegmentSize segmentSize;
  private final boolean createArchive;
  private final long systemIdentifier;
  private final Clock clock;

  /**
   * Used by JUnit for {@code @ExtendWith}: unencrypted, default compression, system clock, no
   * archive manifest until the first segment is pushed.
   */
  public WalArchiveExtension() {
    this(builder());
  }

  private WalArchiveExtension(Builder b) {
    this.keyring = b.keyring;
    this.compression = b.compression;
    this.segmentSize = b.segmentSize == null ? WalSegmentSize.DEFAULT : b.segmentSize;
    this.createArchive = b.segmentSize != null;
    this.systemIdentifier = b.systemIdentifier;
    this.clock = b.clock;
  }

  /** Starts configuring an extension for {@code @RegisterExtension}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the keyring of the archives ({@link Keyring#none()} unless encrypted). */
  public Keyring keyring() {
    return keyring;
  }

  /** Returns the segment size given to tests (and recorded in the archive, if configured). */
  public WalSegmentSize segmentSize() {
    return segmentSize;
  }

  /** Returns the clock of the archives and their storage. */
  public Clock clock() {
    return clock;
  }

  /**
   * Returns a new archive as a test gets it: in memory, with this extension's settings; the caller
   * closes it. Useful outside JUnit parameters, e.g. in a {@code @BeforeEach} method.
   */
  public WalArchive newArchive() {
    ArchiveStorage storage = ArchiveStorages.memory(clock);
    WalArchive archive =
        WalArchive.builder(storage).keyring(keyring).compression(compression).clock(clock).build();
    if (createArchive) {
      try {
        archive.createArchive(systemIdentifier, segmentSize);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the test archive", e);
      }
    }
    return archive;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == WalArchive.class
        || type == ArchiveStorage.class
        || type == WalSegmentSize.class
        || type == Clock.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    Class<?> type = parameter.getParameter().getType();
    if (type == WalSegmentSize.class) {
      return segmentSize;
    }
    if (type == Clock.class) {
      return clock;
    }
    WalArchive archive =
        context
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                "archive", k -> new ClosingArchive(newArchive()), ClosingArchive.class)
            .archive();
    return type == WalArchive.class ? archive : archive.storage();
  }

  /**
   * Closes the archive with its test: {@link AutoCloseable} for JUnit 5.13 and later, and the older
   * {@code CloseableResource} for earlier versions (JUnit closes a value once).
   */
  @SuppressWarnings("deprecation")
  private record ClosingArchive(WalArchive archive)
      implements AutoCloseable, ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws IOException {
      archive.close();
    }
  }

  /** Settings of a {@link WalArchiveExtension}; every setter validates at once. */
  public static final class Builder {
    private Keyring keyring = Keyring.none();
    private Compression compression = Compression.zstdDefault();
    private WalSegmentSize segmentSize;
    private long systemIdentifier = TestWal.SYSTEM_IDENTIFIER;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Encrypts with a fresh random 256-bit key under key id {@code test}. */
    public Builder encrypted() {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      return keyring(Keyring.builder().addKey("test", key).activeKeyId("test").build());
    }

    /** Encrypts and decrypts with {@code keyring}; default {@link Keyring#none()}. */
    public Builder keyring(Keyring keyring) {
      this.keyring = requireNonNull(keyring, "keyring is null");
      return this;
    }

    /** Compression of new objects; default {@link Compression#zstdDefault()}. */
    public Builder compression(Compression compression) {
      this.compression = requireNonNull(compression, "compression is null");
      return this;
    }

    /**
     * Creates each archive for segments of {@code size} of cluster {@link #systemIdentifier(long)}
     * (its manifest is written before the test), so the archive knows its segment size before the
     * first push and refuses segments of another size or cluster, as a real one does. Without it,
     * the first pushed segment decides.
     */
    public Builder segmentSize(WalSegmentSize size) {
      this.segmentSize = requireNonNull(size, "size is null");
      return this;
    }

    /**
     * The cluster recorded for an archive created with {@link #segmentSize}; default {@link
     * TestWal#SYSTEM_IDENTIFIER}.
     */
    public Builder systemIdentifier(long systemIdentifier) {
      this.systemIdentifier = systemIdentifier;
      return this;
    }

    /**
     * Clock of the archive (manifest, pins, the "now" of retention plans) and of its storage
     * (archive times of objects); default UTC system clock.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock is null");
      return this;
    }

    /** Returns the extension, for a {@code @RegisterExtension} field. */
    public WalArchiveExtension build() {
      return new WalArchiveExtension(this);
    }
  }

  /** Returns the settings in one line, never a key. */
  @Override
  public String toString() {
    return "WalArchiveExtension[encrypted="
        + keyring.encrypts()
        + ", segmentSize="
        + (createArchive ? segmentSize.bytes() : "first push")
        + ", clock="
        + clock
        + "]";
  }
}
