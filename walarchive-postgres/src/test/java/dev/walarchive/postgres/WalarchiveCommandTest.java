package dev.walarchive.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalarchiveCommandTest {
  @Test
  void findsTheUrlFlag() {
    WalarchiveCommand c =
        WalarchiveCommand.parse(
            "/opt/walarchive/bin/walarchive wal-push --url s3://bucket/pg1 %p", "wal-push", "%p");
    assertThat(c.callsWalarchive).isTrue();
    assertThat(c.hasSubcommand).isTrue();
    assertThat(c.url).isEqualTo("s3://bucket/pg1");
    assertThat(c.urlSource).isEqualTo(WalarchiveCommand.UrlSource.FLAG);
  }

  @Test
  void findsAnEnvironmentAssignmentAndQuotedWrappers() {
    WalarchiveCommand c =
        WalarchiveCommand.parse(
            "sh -c 'WALARCHIVE_URL=\"file:/var/lib/wal/\" exec walarchive wal-push \"%p\"'",
            "wal-push", "%p");
    assertThat(c.callsWalarchive).isTrue();
    assertThat(c.url).isEqualTo("file:/var/lib/wal/");
    assertThat(c.urlSource).isEqualTo(WalarchiveCommand.UrlSource.ENVIRONMENT);
  }

  @Test
  void readsTheUrlFromTheConfigFile(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("w.properties");
    Files.writeString(config, "url = gs://b/p\nkey-file=/k\n");
    WalarchiveCommand c =
        WalarchiveCommand.parse("walarchive wal-push --config=" + config + " %p", "wal-push", "%p");
    assertThat(c.url).isEqualTo("gs://b/p");
    assertThat(c.configFile).isEqualTo(config.toString());
    WalarchiveCommand missing =
        WalarchiveCommand.parse(
            "walarchive wal-push --config " + dir.resolve("nope") + " %p", "wal-push", "%p");
    assertThat(missing.url).isNull();
    assertThat(missing.problem).contains("cannot be read");
  }

  @Test
  void notWalarchiveAndKeysInTheCommand() {
    assertThat(WalarchiveCommand.parse("cp %p /mnt/%f", "wal-push", "%p").callsWalarchive)
        .isFalse();
    assertThat(
            WalarchiveCommand.parse(
                    "WALARCHIVE_KEY=abc walarchive wal-push --url file:/a %p", "wal-push", "%p")
                .keyInCommand)
        .isTrue();
  }

  @Test
  void sameArchiveIgnoresSpellingButNotPlace() {
    assertThat(WalarchiveCommand.sameArchive("file:/a/b/", "file:///a/b")).isTrue();
    assertThat(WalarchiveCommand.sameArchive("file:/a/./b", "file:/a/b")).isTrue();
    assertThat(WalarchiveCommand.sameArchive("s3://bucket/p/", "s3://bucket/p?region=x")).isTrue();
    assertThat(WalarchiveCommand.sameArchive("s3://bucket/p", "s3://bucket/q")).isFalse();
    assertThat(WalarchiveCommand.sameArchive("s3://bucket/p", "gs://bucket/p")).isFalse();
    assertThat(WalarchiveCommand.sameArchive("file:/a", "file:/a/b")).isFalse();
    assertThat(WalarchiveCommand.sameArchive("not a url", "not a url")).isFalse();
  }

  @Test
  void theRestoreCommandNeedsPercentFThenPercentPAsWalarchivesOperands() {
    String w = "/opt/walarchive/bin/walarchive wal-fetch --config /etc/w.properties ";
    assertThat(WalarchiveCommand.parse(w + "%f %p", "wal-fetch", "%f").placeholderPresent).isTrue();
    assertThat(WalarchiveCommand.parse(w + "'%f' \"%p\"", "wal-fetch", "%f").placeholderPresent)
        .isTrue();
    // swapped: PostgreSQL's restores fail ("command not executable") once the standby restarts
    assertThat(WalarchiveCommand.parse(w + "%p %f", "wal-fetch", "%f").placeholderPresent)
        .isFalse();
    assertThat(WalarchiveCommand.parse(w + "%f", "wal-fetch", "%f").placeholderPresent).isFalse();
    assertThat(
            WalarchiveCommand.parse("sh -c '" + w + "%f %p'", "wal-fetch", "%f").placeholderPresent)
        .isTrue();
    assertThat(
            WalarchiveCommand.parse("walarchive wal-push --url file:/a %p", "wal-push", "%p")
                .placeholderPresent)
        .isTrue();
    assertThat(
            WalarchiveCommand.parse("walarchive wal-push --url file:/a %f", "wal-push", "%p")
                .placeholderPresent)
        .isFalse();
  }
}
