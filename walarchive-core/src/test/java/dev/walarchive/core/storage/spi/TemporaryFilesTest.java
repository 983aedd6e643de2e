package dev.walarchive.core.storage.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemporaryFilesTest {
  @TempDir Path dir;

  private static final Instant NOW = Instant.now();

  private Path file(String name, Duration age) throws Exception {
    Path p = Files.writeString(dir.resolve(name), "x");
    Files.setLastModifiedTime(p, FileTime.from(NOW.minus(age)));
    return p;
  }

  /** The pid of a process that has ended. */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    return p.pid();
  }

  @Test
  void namesCarryThePidAndAreFresh() {
    Path a = TemporaryFiles.newPath(dir, ".RECOVERYXLOG");
    Path b = TemporaryFiles.newPath(dir, ".RECOVERYXLOG");
    assertThat(a).isNotEqualTo(b);
    assertThat(a.getFileName().toString())
        .startsWith(".RECOVERYXLOG.walarchive-tmp-" + ProcessHandle.current().pid() + "-");
    assertThat(a.getParent()).isEqualTo(dir);
  }

  @Test
  void aDeadRunsFileIsStaleOnlyOnceOldEnough() throws Exception {
    long dead = deadPid();
    Path young = file(".X.walarchive-tmp-" + dead + "-1", Duration.ofMinutes(1));
    Path old = file(".Y.walarchive-tmp-" + dead + "-2", Duration.ofMinutes(11));
    assertThat(TemporaryFiles.isStale(young, NOW)).isFalse();
    assertThat(TemporaryFiles.isStale(old, NOW)).isTrue();
  }

  @Test
  void aLiveRunsFileIsNeverStaleHoweverOld() throws Exception {
    // the process that started this JVM is alive and older than the file: the file is live
    long live = ProcessHandle.current().parent().orElseThrow().pid();
    Instant parentStart = ProcessHandle.of(live).orElseThrow().info().startInstant().orElseThrow();
    Path p = file(".X.walarchive-tmp-" + live + "-1", Duration.ofMinutes(11));
    Files.setLastModifiedTime(p, FileTime.from(parentStart.plusSeconds(1)));
    assertThat(TemporaryFiles.isStale(p, parentStart.plus(Duration.ofHours(1)))).isFalse();
  }

  @Test
  void aReusedPidDoesNotKeepAnOldFileAlive() throws Exception {
    // written before this process started: whoever had this pid then is gone
    long self = ProcessHandle.current().pid();
    Instant started = ProcessHandle.current().info().startInstant().orElseThrow();
    Path p = file(".X.walarchive-tmp-" + self + "-1", Duration.ZERO);
    Files.setLastModifiedTime(p, FileTime.from(started.minus(Duration.ofMinutes(30))));
    assertThat(TemporaryFiles.isStale(p, NOW)).isTrue();
  }

  @Test
  void olderNamesWithoutAPidWaitADay() throws Exception {
    Path hour = file(".RECOVERYXLOG.walarchive-1a2b3c4d5e6f7a8b", Duration.ofHours(1));
    Path days = file(".RECOVERYXLOG.walarchive-0123456789abcdef", Duration.ofDays(2));
    assertThat(TemporaryFiles.isStale(hour, NOW)).isFalse();
    assertThat(TemporaryFiles.isStale(days, NOW)).isTrue();
  }

  @Test
  void removeStaleTouchesOnlyStaleTemporaryFilesWithThePrefix() throws Exception {
    long dead = deadPid();
    Path stale = file(".RECOVERYXLOG.walarchive-tmp-" + dead + "-1", Duration.ofHours(1));
    Path young = file(".RECOVERYXLOG.walarchive-tmp-" + dead + "-2", Duration.ZERO);
    Path otherPrefix = file("a.walarchive-tmp-" + dead + "-3", Duration.ofHours(1));
    Path wal = file("000000010000000000000001", Duration.ofDays(3));
    Path looksLikeOne = file(".RECOVERYXLOG.walarchive-not-hex", Duration.ofDays(3));
    Files.createDirectory(dir.resolve(".D.walarchive-tmp-" + dead + "-4"));
    Files.setLastModifiedTime(
        dir.resolve(".D.walarchive-tmp-" + dead + "-4"),
        FileTime.from(NOW.minus(Duration.ofDays(1))));

    assertThat(TemporaryFiles.removeStale(dir, ".")).isEqualTo(1);
    assertThat(stale).doesNotExist();
    assertThat(young).exists();
    assertThat(otherPrefix).exists();
    assertThat(wal).exists();
    assertThat(looksLikeOne).exists();
    assertThat(dir.resolve(".D.walarchive-tmp-" + dead + "-4")).isDirectory();
  }

  @Test
  void removeStaleOfAMissingDirectoryDoesNothing() {
    assertThat(TemporaryFiles.removeStale(dir.resolve("absent"), "")).isZero();
  }

  @Test
  void theLauncherListIsAppendedBeforeTheFileExists() throws Exception {
    Path list = dir.resolve("list");
    System.setProperty("walarchive.launcher.temps", list.toString());
    try {
      Path a = TemporaryFiles.newPath(dir, ".A");
      Path b = TemporaryFiles.newPath(dir, ".B");
      assertThat(a).doesNotExist();
      assertThat(Files.readAllLines(list))
          .containsExactly(a.toAbsolutePath().toString(), b.toAbsolutePath().toString());
      assertThat(Files.getPosixFilePermissions(list))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } finally {
      System.clearProperty("walarchive.launcher.temps");
    }
  }

  @Test
  void aFailedWriteNamesTheDirectory() {
    java.io.OutputStream full =
        TemporaryFiles.namingDirectory(
            dir,
            new java.io.OutputStream() {
              @Override
              public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
              }
            });
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> full.write(new byte[10], 0, 10))
        .hasMessage("cannot write to directory " + dir + ": No space left on device");
    assertThat(TemporaryFiles.cannotWrite(dir, null).getMessage())
        .startsWith(
            "cannot write to directory " + dir + " as user " + System.getProperty("user.name"));
  }
}
