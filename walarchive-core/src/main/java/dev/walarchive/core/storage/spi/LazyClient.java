package dev.walarchive.core.storage.spi;

import static java.util.Objects.requireNonNull;

import dev.walarchive.core.WalArchiveException;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.ClosedStorageException;
import java.io.IOException;
import java.util.function.Function;

/**
 * The client of a storage: built on first use (so that opening a storage costs nothing and needs no
 * credentials yet), at most once even under concurrent first calls, closed once by {@link
 * #close()}, and refused with {@link ClosedStorageException} after that. A client the caller
 * injected is used as it is and never closed here. For backend authors.
 *
 * @param <C> the client type
 */
public final class LazyClient<C> {
  /** Builds the client; called at most once. */
  @FunctionalInterface
  public interface Factory<C> {
    /** A new client; may read credentials. */
    C create() throws IOException;
  }

  /** Releases a client this holder built. */
  @FunctionalInterface
  public interface Closer<C> {
    /** Closes {@code client}. */
    void close(C client) throws IOException;
  }

  private final String location;
  private final Factory<C> factory;
  private final Closer<C> closer;
  private final Function<RuntimeException, IOException> setupFailure;
  private final Object lock = new Object();
  private volatile C client;
  private volatile boolean closed;

  private LazyClient(
      String location,
      Factory<C> factory,
      Closer<C> closer,
      Function<RuntimeException, IOException> setupFailure,
      C injected) {
    this.location = requireNonNull(location, "location is null");
    this.factory = factory;
    this.closer = closer;
    this.setupFailure = setupFailure;
    this.client = injected;
  }

  /**
   * A holder that builds its client with {@code factory} on first use and closes it with {@code
   * closer}. A {@link RuntimeException} of the factory becomes an {@link ArchiveStorageException}
   * ("could not set up the client for ...") of the kind {@link WalArchiveException#kindOf} gives.
   *
   * @param location the storage as messages name it, e.g. {@code s3://bucket/prefix}
   */
  public static <C> LazyClient<C> building(String location, Factory<C> factory, Closer<C> closer) {
    return building(
        location,
        factory,
        closer,
        e ->
            new ArchiveStorageException(
                "could not set up the client for " + location + ": " + e.getMessage(),
                WalArchiveException.kindOf(e),
                e));
  }

  /**
   * As {@link #building(String, Factory, Closer)}, with {@code setupFailure} translating a {@link
   * RuntimeException} of the factory (it must scrub secrets from the message).
   */
  public static <C> LazyClient<C> building(
      String location,
      Factory<C> factory,
      Closer<C> closer,
      Function<RuntimeException, IOException> setupFailure) {
    return new LazyClient<>(
        location,
        requireNonNull(factory, "factory is null"),
        requireNonNull(closer, "closer is null"),
        requireNonNull(setupFailure, "setupFailure is null"),
        null);
  }

  /** A holder of a client the caller built and closes; {@link #close()} only marks it closed. */
  public static <C> LazyClient<C> injected(String location, C client) {
    return new LazyClient<>(location, null, null, null, requireNonNull(client, "client is null"));
  }

  /**
   * The client, built now if this is the first call.
   *
   * @throws ClosedStorageException after {@link #close()}
   * @throws IOException if the client cannot be built (the factory's exception, or the translation
   *     of its runtime exception)
   */
  public C get() throws IOException {
    C c = client;
    if (closed) {
      throw new ClosedStorageException(location);
    }
    if (c != null) {
      return c;
    }
    synchronized (lock) {
      if (closed) {
        throw new ClosedStorageException(location);
      }
      if (client == null) {
        C built;
        try {
          built = factory.create();
        } catch (RuntimeException e) {
          throw setupFailure.apply(e);
        }
        client = requireNonNull(built, "the client factory returned null");
      }
      return client;
    }
  }

  /** Throws {@link ClosedStorageException} if {@link #close()} was called. */
  public void checkOpen() throws ClosedStorageException {
    if (closed) {
      throw new ClosedStorageException(location);
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** Marks the holder closed and closes the client if this holder built it. Idempotent. */
  public void close() throws IOException {
    C toClose;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = closer == null ? null : client;
    }
    if (toClose != null) {
      closer.close(toClose);
    }
  }

  @Override
  public String toString() {
    return "LazyClient[" + location + (closed ? ", closed" : client == null ? "" : ", built") + "]";
  }
}
