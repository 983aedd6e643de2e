package dev.walarchive.core.storage.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.WalArchiveException.Kind;
import dev.walarchive.core.storage.ArchiveStorageException;
import dev.walarchive.core.storage.ClosedStorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyClientTest {
  @Test
  void buildsOnFirstUseOnceAndClosesWhatItBuilt() throws Exception {
    AtomicInteger built = new AtomicInteger();
    List<String> closed = new ArrayList<>();
    LazyClient<String> client =
        LazyClient.building("s3://b/p", () -> "client-" + built.incrementAndGet(), closed::add);
    assertThat(built).hasValue(0);
    assertThat(client.get()).isEqualTo("client-1");
    assertThat(client.get()).isEqualTo("client-1");
    client.close();
    client.close();
    assertThat(closed).containsExactly("client-1");
    assertThatThrownBy(client::get)
        .isInstanceOf(ClosedStorageException.class)
        .hasMessageContaining("s3://b/p");
  }

  @Test
  void closedBeforeFirstUseBuildsNothing() throws Exception {
    LazyClient<String> client =
        LazyClient.building(
            "gs://b/",
            () -> {
              throw new AssertionError("built");
            },
            c -> {});
    client.close();
    assertThatThrownBy(client::get).isInstanceOf(ClosedStorageException.class);
    assertThatThrownBy(client::checkOpen).isInstanceOf(ClosedStorageException.class);
  }

  @Test
  void anInjectedClientIsNeverClosedHere() throws Exception {
    LazyClient<StringBuilder> client = LazyClient.injected("mem:", new StringBuilder("x"));
    StringBuilder c = client.get();
    client.close();
    assertThat(c).hasToString("x");
    assertThat(client.isClosed()).isTrue();
  }

  @Test
  void aRuntimeFailureOfTheFactoryBecomesAnArchiveStorageException() {
    LazyClient<String> client =
        LazyClient.building(
            "az://a/c",
            () -> {
              throw new IllegalArgumentException("bad endpoint");
            },
            c -> {});
    assertThatThrownBy(client::get)
        .isInstanceOf(ArchiveStorageException.class)
        .hasMessageContaining("az://a/c")
        .hasMessageContaining("bad endpoint")
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .satisfies(
            e -> assertThat(((ArchiveStorageException) e).kind()).isEqualTo(Kind.INVALID_INPUT));
  }
}
