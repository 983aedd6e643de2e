package dev.walarchive.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Memory stays bounded: a 1 GiB stream (set {@code -Dwalarchive.test.largeObjectBytes} to change)
 * is encoded (zstd + AES-256-GCM) and decoded at once through a pipe in a JVM limited to 128 MiB of
 * heap, far less than the object.
 */
class LargeObjectMemoryTest {
  private static final long SIZE =
      Long.getLong("walarchive.test.largeObjectBytes", 1024L * 1024 * 1024);

  @Test
  void aGibibyteRoundTripsInA128MebibyteHeap() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-Xmx128m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    LargeObjectRoundTrip.class.getName(),
                    Long.toString(SIZE)))
            .redirectErrorStream(true)
            .start();
    String output;
    try {
      if (!process.waitFor(10, TimeUnit.MINUTES)) {
        throw new AssertionError("round trip of " + SIZE + " bytes did not finish in 10 minutes");
      }
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      process.destroyForcibly();
    }
    System.out.println(output);
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).startsWith("OK " + SIZE + " bytes").contains("max heap 12");
  }
}
