package dev.walarchive.azure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Shows that create and open stream: a 256 MiB object goes to Azurite and back in a JVM whose heap
 * is limited to 48 MiB (default block size 8 MiB).
 */
class AzureBoundedMemoryTest {
  @Test
  void anObjectFiveTimesTheHeapRoundTrips() throws Exception {
    try (AzuriteServer azurite = AzuriteServer.start()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process process =
          new ProcessBuilder(
                  List.of(
                      java,
                      "-Xmx48m",
                      "-cp",
                      System.getProperty("java.class.path"),
                      BoundedMemoryUpload.class.getName(),
                      azurite.url("mem/" + UUID.randomUUID()),
                      azurite.endpoint(),
                      AzuriteServer.ACCOUNT_KEY,
                      "256"))
              .redirectErrorStream(true)
              .start();
      String output;
      try {
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("finished in time").isTrue();
        output = new String(process.getInputStream().readAllBytes(), UTF_8);
      } finally {
        process.destroyForcibly();
      }
      System.out.println("bounded memory upload: " + output.strip());
      assertThat(process.exitValue()).as(output).isZero();
      assertThat(output).contains("OK size=268435456");
    }
  }
}
