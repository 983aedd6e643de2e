package dev.walarchive.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How AzuriteServer finds Azurite; needs no Azurite. */
class AzuriteLookupTest {
  @Test
  void withNothingConfiguredTheErrorIsOneLineNamingNpmInstall(@TempDir Path empty) {
    assertThatThrownBy(() -> AzuriteServer.findExecutable(null, null, empty.toString(), empty))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("npm install -g azurite")
        .hasMessageNotContaining("\n");
  }

  @Test
  void propertyThenEnvironmentThenPath(@TempDir Path dir) throws Exception {
    Path a = executable(dir.resolve("a"));
    Path b = executable(dir.resolve("b"));
    Path onPath = executable(dir.resolve("bin").resolve("azurite-blob"));
    String path = dir.resolve("bin").toString();
    assertThat(AzuriteServer.findExecutable(a.toString(), b.toString(), path, dir)).isEqualTo(a);
    assertThat(AzuriteServer.findExecutable(null, b.toString(), path, dir)).isEqualTo(b);
    assertThat(AzuriteServer.findExecutable(null, null, path, dir)).isEqualTo(onPath);
  }

  private static Path executable(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
