package dev.walarchive.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgConnectionSettingsTest {
  @Test
  void takesTheLibpqEnvironment() {
    PgConnectionSettings s =
        PgConnectionSettings.fromEnvironment(
            Map.of(
                "PGHOST", "db.example",
                "PGPORT", "6543",
                "PGUSER", "monitor",
                "PGPASSWORD", "s3cret-pw",
                "PGDATABASE", "app"));
    assertThat(s.host()).isEqualTo("db.example");
    assertThat(s.port()).isEqualTo(6543);
    assertThat(s.user()).isEqualTo("monitor");
    assertThat(s.database()).isEqualTo("app");
    assertThat(s.hasPassword()).isTrue();
    assertThat(s.toString()).isEqualTo("monitor@db.example:6543/app").doesNotContain("s3cret");
  }

  @Test
  void aUrlOverridesTheEnvironmentAndKeepsItsPasswordSecret() {
    PgConnectionSettings s =
        PgConnectionSettings.fromUrl(
            "postgresql://checker:p%40ss-w0rd@127.0.0.1:5999/postgres?sslmode=disable",
            Map.of("PGHOST", "elsewhere", "PGUSER", "other"));
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.port()).isEqualTo(5999);
    assertThat(s.user()).isEqualTo("checker");
    assertThat(s.hasPassword()).isTrue();
    assertThat(s.toString()).doesNotContain("p@ss").doesNotContain("w0rd");
    PgConnectionSettings jdbc =
        PgConnectionSettings.fromUrl(
            "jdbc:postgresql://h:1234/db?user=u&password=pw-secret", Map.of());
    assertThat(jdbc.toString()).isEqualTo("u@h:1234/db");
  }

  @Test
  void badUrlsNeverEchoThePassword() {
    assertThatThrownBy(() -> PgConnectionSettings.fromUrl("mysql://u:topsecret@h/db", Map.of()))
        .hasMessageNotContaining("topsecret")
        .hasMessageContaining("postgresql://");
    assertThatThrownBy(
            () -> PgConnectionSettings.fromUrl("postgresql://u:topsecret@h:99999/db", Map.of()))
        .hasMessageNotContaining("topsecret");
  }

  @Test
  void aUnixSocketDirectoryIsRefusedWithTheTcpAlternative() {
    assertThatThrownBy(
            () -> PgConnectionSettings.fromEnvironment(Map.of("PGHOST", "/var/run/postgresql")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unix socket")
        .hasMessageContaining("PGHOST=127.0.0.1");
    assertThatThrownBy(
            () ->
                PgConnectionSettings.fromUrl(
                    "postgresql:///postgres?host=/var/run/postgresql", Map.of()))
        .hasMessageContaining("Unix socket");
  }

  @Test
  void aMissingPasswordComesFromThePassfile(@TempDir Path dir) throws Exception {
    Path pass = dir.resolve("pgpass");
    Files.writeString(pass, "other:*:*:*:nope\n127.0.0.1:5432:*:mon:from\\:file\n");
    PgConnectionSettings s =
        PgConnectionSettings.fromEnvironment(
            Map.of("PGHOST", "127.0.0.1", "PGUSER", "mon", "PGPASSFILE", pass.toString()));
    assertThat(s.hasPassword()).isTrue();
    assertThat(PgConnectionSettings.PgPass.lookup(pass, "127.0.0.1", 5432, "x", "mon"))
        .isEqualTo("from:file");
    assertThat(PgConnectionSettings.PgPass.lookup(pass, "127.0.0.1", 5433, "x", "mon")).isNull();
  }
}
