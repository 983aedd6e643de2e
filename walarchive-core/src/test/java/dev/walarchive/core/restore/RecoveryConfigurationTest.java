package dev.walarchive.core.restore;

import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.wal.Lsn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryConfigurationTest {
  @TempDir Path dir;

  /** PostgreSQL's reading of a quoted configuration value (guc-file.l, GUC_scanstr). */
  static String unquote(String quoted) {
    assertThat(quoted).startsWith("'").endsWith("'");
    String s = quoted.substring(1, quoted.length() - 1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        switch (n) {
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          default -> out.append(n);
        }
      } else if (c == '\'' && i + 1 < s.length() && s.charAt(i + 1) == '\'') {
        out.append('\'');
        i++;
      } else {
        assertThat(c).as("an unescaped quote inside " + quoted).isNotEqualTo('\'');
        out.append(c);
      }
    }
    return out.toString();
  }

  @Test
  void quotedValuesReadBackAsGiven() {
    qt().withExamples(1000)
        .forAll(stringsOf("ab'\\ %\"$tn/", 0, 20))
        .checkAssert(v -> assertThat(unquote(RecoveryConfiguration.quote(v))).isEqualTo(v));
    assertThat(RecoveryConfiguration.quote("it's C:\\x")).isEqualTo("'it''s C:\\\\x'");
    assertThatThrownBy(() -> RecoveryConfiguration.quote("a\nb"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * The shell, after PostgreSQL's replacement of %f, %p and %%, sees exactly the arguments given,
   * then the file name and the path.
   */
  @Test
  void commandLinesReachTheShellAsGiven() throws Exception {
    List<List<String>> cases = new ArrayList<>();
    cases.add(List.of("/opt/walarchive/bin/walarchive", "wal-fetch", "--config", "/etc/w.props"));
    cases.add(List.of("/opt/my dir/walarchive", "wal-fetch", "-o", "s3.endpoint=http://h:9000/"));
    cases.add(List.of("/x", "it's", "100%", "%f", "$HOME", "`id`", "a\\b", "\"q\"", "*"));
    qt().withExamples(20)
        .forAll(listsOf(stringsOf("a '\"\\$%*;&|<>()`~#=-", 1, 8), 1, 4))
        .checkAssert(
            args -> {
              List<String> withProgram = new ArrayList<>();
              withProgram.add("/x");
              withProgram.addAll(args);
              cases.add(withProgram);
            });
    for (List<String> args : cases) {
      String line = RecoveryConfiguration.commandLine(args);
      assertThat(line).endsWith(" %f %p");
      // PostgreSQL's substitution (BuildRestoreCommand)
      StringBuilder substituted = new StringBuilder();
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == '%' && i + 1 < line.length()) {
          char n = line.charAt(++i);
          substituted.append(
              switch (n) {
                case 'f' -> "000000010000000000000001";
                case 'p' -> "pg_wal/RECOVERYXLOG";
                case '%' -> "%";
                default -> "%" + n;
              });
        } else {
          substituted.append(c);
        }
      }
      List<String> expected = new ArrayList<>(args.subList(1, args.size()));
      expected.add("000000010000000000000001");
      expected.add("pg_wal/RECOVERYXLOG");
      // the program is replaced by a function that prints its arguments one per line
      String program = RecoveryConfiguration.commandLine(List.of(args.get(0)));
      String rest = substituted.substring(program.length() - "%f %p".length()).trim();
      Process sh =
          new ProcessBuilder(
                  "/bin/sh",
                  "-c",
                  "show() { for a in \"$@\"; do printf '%s\\n' \"$a\"; done; }; show " + rest)
              .start();
      String out = new String(sh.getInputStream().readAllBytes(), UTF_8);
      assertThat(sh.waitFor()).isZero();
      assertThat(out.lines().toList()).as(line).isEqualTo(expected);
    }
  }

  @Test
  void writesTheSettingsAfterTheBackupsOwnAndTheSignalFile() throws Exception {
    Files.writeString(dir.resolve("postgresql.auto.conf"), "# Do not edit\nwork_mem = '4MB'");
    Files.writeString(dir.resolve("standby.signal"), "");
    RecoveryConfiguration c =
        RecoveryConfiguration.builder("/x wal-fetch %f %p")
            .target(RecoveryTarget.time(Instant.parse("2026-12-01T18:30:00.25Z")))
            .action(RecoveryConfiguration.Action.PROMOTE)
            .setting("archive_mode", "off")
            .comment("written by walarchive restore")
            .build();
    c.writeTo(dir);
    assertThat(Files.readString(dir.resolve("postgresql.auto.conf")))
        .isEqualTo(
            "# Do not edit\nwork_mem = '4MB'\n"
                + "# written by walarchive restore\n"
                + "restore_command = '/x wal-fetch %f %p'\n"
                + "recovery_target_time = '2026-12-01 18:30:00.250000+00'\n"
                + "recovery_target_timeline = 'latest'\n"
                + "recovery_target_action = 'promote'\n"
                + "archive_mode = 'off'\n");
    assertThat(dir.resolve("recovery.signal")).exists();
    assertThat(dir.resolve("standby.signal")).doesNotExist();
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("recovery.signal"))))
        .isEqualTo("rw-------");
  }

  @Test
  void aStandbyGetsStandbySignalAndNoActionWithoutATarget() throws Exception {
    RecoveryConfiguration c =
        RecoveryConfiguration.builder("/x %f %p")
            .standby(true)
            .timeline(RecoveryTimeline.current())
            .build();
    c.writeTo(dir);
    assertThat(dir.resolve("standby.signal")).exists();
    assertThat(dir.resolve("recovery.signal")).doesNotExist();
    assertThat(Files.readString(dir.resolve("postgresql.auto.conf")))
        .isEqualTo("restore_command = '/x %f %p'\nrecovery_target_timeline = 'current'\n");
    assertThatThrownBy(
            () ->
                RecoveryConfiguration.builder("/x %f %p")
                    .action(RecoveryConfiguration.Action.PROMOTE)
                    .build())
        .hasMessageContaining("needs a recovery target");
    assertThatThrownBy(() -> RecoveryConfiguration.builder("/x %p")).hasMessageContaining("%f");
    assertThatThrownBy(
            () -> RecoveryConfiguration.builder("/x %f %p").setting("recovery_target_lsn", "0/1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyTargetKindHasItsSetting() {
    Map<RecoveryTarget, Map<String, String>> cases = new LinkedHashMap<>();
    cases.put(RecoveryTarget.latest(), Map.of());
    cases.put(
        RecoveryTarget.time(RecoveryTarget.parseTime("2026-12-01 19:30:00.5+01")),
        Map.of("recovery_target_time", "2026-12-01 18:30:00.500000+00"));
    cases.put(
        RecoveryTarget.lsn(Lsn.parse("16/B374D848")), Map.of("recovery_target_lsn", "16/B374D848"));
    cases.put(
        RecoveryTarget.name("before upgrade"), Map.of("recovery_target_name", "before upgrade"));
    cases.put(RecoveryTarget.xid("0000742"), Map.of("recovery_target_xid", "742"));
    cases.forEach((t, s) -> assertThat(t.settings()).isEqualTo(s));
  }

  @Test
  void timesNeedAZone() {
    assertThat(RecoveryTarget.parseTime("2026-12-01T18:30:00Z"))
        .isEqualTo(Instant.parse("2026-12-01T18:30:00Z"));
    assertThat(RecoveryTarget.parseTime("2026-12-01 18:30 UTC"))
        .isEqualTo(Instant.parse("2026-12-01T18:30:00Z"));
    assertThat(RecoveryTarget.parseTime("2026-12-01 18:30:00-05:30"))
        .isEqualTo(Instant.parse("2026-12-02T00:00:00Z"));
    assertThat(RecoveryTarget.parseTime("2026-12-01 18:30:00.123456+0100"))
        .isEqualTo(Instant.parse("2026-12-01T17:30:00.123456Z"));
    for (String bad :
        List.of(
            "2026-12-01 18:30:00",
            "yesterday",
            "2026-13-01 18:30:00Z",
            "2026-12-01 18:30:00.1234567Z",
            "")) {
      assertThatThrownBy(() -> RecoveryTarget.parseTime(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("invalid time '" + bad + "'");
    }
    assertThatThrownBy(() -> RecoveryTarget.xid("2")).hasMessageContaining("from 3");
    assertThatThrownBy(() -> RecoveryTarget.xid("18446744073709551616"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RecoveryTarget.name("x".repeat(64)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(RecoveryTimeline.parse("7").number()).hasValue(7);
    assertThatThrownBy(() -> RecoveryTimeline.parse("0"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tablespaceMapsRoundTripInPostgresFormat() {
    qt().withExamples(1000)
        .forAll(listsOf(stringsOf("ab \\\n\r/", 0, 12), 0, 4))
        .checkAssert(
            paths -> {
              Map<Long, String> m = new LinkedHashMap<>();
              long oid = 16384;
              for (String p : paths) {
                m.put(oid++, "/" + p);
              }
              TablespaceMap map = TablespaceMap.of(m);
              assertThat(TablespaceMap.parse(map.toFileContent())).isEqualTo(map);
            });
    assertThat(TablespaceMap.parse("16384 /srv/ts one\n16385 /a\\\\b\n").paths())
        .containsExactly(Map.entry(16384L, "/srv/ts one"), Map.entry(16385L, "/a\\b"));
    assertThat(
            TablespaceMap.parse("16384 /srv/ts\n")
                .remap(Map.of(16384L, Path.of("/new/place/")))
                .toFileContent())
        .isEqualTo("16384 /new/place\n");
    assertThatThrownBy(() -> TablespaceMap.parse("16384 /a\n").remap(Map.of(1L, Path.of("/b"))))
        .hasMessage("the backup has no tablespace with OID 1 (its tablespaces are [16384])");
    assertThatThrownBy(() -> TablespaceMap.parse("x /a\n")).hasMessageContaining("line 1");
    assertThatThrownBy(() -> TablespaceMap.parse("1 /a\n1 /b\n")).hasMessageContaining("twice");
  }
}
