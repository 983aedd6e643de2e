package dev.walarchive.s3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The overwrite guard against a store that ignores {@code If-None-Match}: s3proxy behind a proxy
 * that strips the header, which is what such a store amounts to.
 */
class S3OverwriteGuardTest {
  static S3TestServer server;
  TestProxy careless;
  int prefixes;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3TestServer.startUnauthenticated();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void startCarelessStore() throws IOException {
    careless = new TestProxy(server.endpoint());
    careless.stripRequestHeader("If-None-Match");
  }

  @AfterEach
  void stop() {
    careless.close();
  }

  private ArchiveStorage open(String prefix, Map<String, String> extra) throws IOException {
    Map<String, String> options = new HashMap<>(server.options());
    options.put("s3.endpoint", careless.endpoint().toString());
    options.putAll(extra);
    return ArchiveStorages.open(server.url(prefix), options);
  }

  private static String read(ArchiveStorage storage, String key) throws IOException {
    try (InputStream in = storage.open(key)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private static List<String> keys(ArchiveStorage storage) throws IOException {
    List<String> keys = new ArrayList<>();
    ObjectIterator it = storage.list("");
    while (it.hasNext()) {
      keys.add(it.next().key());
    }
    return keys;
  }

  @Test
  void theStoreReallyOverwritesSilently() throws Exception {
    try (ArchiveStorage storage = open("plain", Map.of())) {
      storage.create("k", ObjectSource.ofBytes("first".getBytes(UTF_8)), Map.of());
      storage.create("k", ObjectSource.ofBytes("second".getBytes(UTF_8)), Map.of());
      assertThat(read(storage, "k")).isEqualTo("second");
    }
  }

  @Test
  void initialisingAnArchiveIsRefusedInTheDefaultMode() throws Exception {
    try (ArchiveStorage storage = open("refused", Map.of())) {
      assertThatThrownBy(storage::initializeArchive)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("ignores If-None-Match")
          .hasMessageContaining("s3.conditional-writes=unsafe-allow-overwrite");
      assertThat(keys(storage)).as("the probe is cleaned up").isEmpty();
    }
  }

  @Test
  void theUnsafeModeProceedsRecordsItAndStillCatchesSequentialRepushes() throws Exception {
    Map<String, String> facts;
    try (ArchiveStorage storage =
        open("unsafe", Map.of("s3.conditional-writes", "unsafe-allow-overwrite"))) {
      facts = storage.initializeArchive();
      assertThat(facts).isEqualTo(Map.of("s3.conditional-writes", "unsafe-allowed"));
      assertThat(keys(storage)).isEmpty();
      storage.checkArchive(facts);
      storage.create("wal/1", ObjectSource.ofBytes("first".getBytes(UTF_8)), Map.of());
      assertThatThrownBy(
              () ->
                  storage.create("wal/1", ObjectSource.ofBytes("second".getBytes(UTF_8)), Map.of()))
          .isInstanceOf(FileAlreadyExistsException.class);
      assertThat(read(storage, "wal/1")).isEqualTo("first");
    }
    try (ArchiveStorage storage = open("unsafe", Map.of())) {
      assertThatThrownBy(() -> storage.checkArchive(facts))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("ignores If-None-Match")
          .hasMessageContaining("s3.conditional-writes=unsafe-allow-overwrite");
    }
  }

  @Test
  void anArchiveVerifiedEarlierIsAcceptedWithoutAProbe() throws Exception {
    try (ArchiveStorage storage = open("verified", Map.of())) {
      storage.checkArchive(Map.of("s3.conditional-writes", "verified"));
    }
    assertThat(careless.requests()).isEmpty();
  }
}
