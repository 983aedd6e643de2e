package dev.walarchive.testkit;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.storage.ArchiveStorage;
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
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Within one test, a {@code WalArchive} and an {@code ArchiveStorage} parameter refer to the
 * same archive.
 */
public final class WalArchiveExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(WalArchiveExtension.class);

  /** Used by JUnit. */
  public WalArchiveExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == WalArchive.class || type == ArchiveStorage.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    WalArchive archive =
        context
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                "archive", k -> new ClosingArchive(WalArchive.inMemory()), ClosingArchive.class)
            .archive();
    return parameter.getParameter().getType() == WalArchive.class ? archive : archive.storage();
  }

  private record ClosingArchive(WalArchive archive)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws Exception {
      archive.close();
    }
  }
}
