package dev.walarchive.core.restore;

import static dev.walarchive.core.testing.Properties.listsOf;
import static dev.walarchive.core.testing.Properties.oneOf;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.testing.Properties.stringsOf;
import static dev.walarchive.core.testing.Properties.weight;
import static dev.walarchive.core.testing.Properties.weighted;
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
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

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
                + "recovery_target = ''\n"
                + "recovery_target_lsn = ''\n"
                + "recovery_target_name = ''\n"
                + "recovery_target_xid = ''\n"
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

  /**
   * The auto.conf of a server that was restored to a time, promoted and backed up: its recovery
   * settings, and a standby's left by pg_basebackup -R, are commented out; everything else stays.
   */
  @Test
  void disablesTheRecoverySettingsAnEarlierRecoveryLeft() throws Exception {
    String old =
        "# Do not edit this file manually!\n"
            + "# It will be overwritten by the ALTER SYSTEM command.\n"
            + "work_mem = '4MB'\n"
            + "primary_conninfo = 'host=old port=5432'\n"
            + "primary_slot_name='old_slot'\n"
            + "# written by walarchive restore of base backup 000000010000000000000004\n"
            + "restore_command = '/x wal-fetch %f %p'\n"
            + "recovery_target_time = '2026-12-01 14:41:28.000000+00'\n"
            + "  Recovery_Target_Action\t=  'promote'   # the old restore's\n"
            + "RECOVERY_TARGET_INCLUSIVE off\n"
            + "recovery_target_timeline= 'latest'\n"
            + "recovery_end_command = 'touch /tmp/x'\n"
            + "archive_cleanup_command = 'y'\n"
            + "recovery_target_lsn='0/1'\n"
            + "recovery_target_name = 'n'\n"
            + "recovery_target_xid = '742'\n"
            + "recovery_target = 'immediate'\n"
            + "#recovery_target_xid = '9'\n"
            + "recovery_target_time_zone = 'x'\n"
            + "recovery_target.time = 'x'\n"
            + "restore_commands = 'x'\n"
            + "recovery_min_apply_delay = '5min'\n"
            + "archive_mode = 'on'";
    Files.writeString(dir.resolve("postgresql.auto.conf"), old);
    Files.setPosixFilePermissions(
        dir.resolve("postgresql.auto.conf"), PosixFilePermissions.fromString("rw-r-----"));
    RecoveryConfiguration.builder("/y wal-fetch %f %p")
        .target(RecoveryTarget.lsn(Lsn.parse("0/3000000")))
        .action(RecoveryConfiguration.Action.PROMOTE)
        .comment("written by walarchive restore")
        .build()
        .writeTo(dir);
    String d = "# disabled by walarchive restore: ";
    assertThat(Files.readString(dir.resolve("postgresql.auto.conf")))
        .isEqualTo(
            "# Do not edit this file manually!\n"
                + "# It will be overwritten by the ALTER SYSTEM command.\n"
                + "work_mem = '4MB'\n"
                + d
                + "primary_conninfo = 'host=old port=5432'\n"
                + d
                + "primary_slot_name='old_slot'\n"
                + "# written by walarchive restore of base backup 000000010000000000000004\n"
                + d
                + "restore_command = '/x wal-fetch %f %p'\n"
                + d
                + "recovery_target_time = '2026-12-01 14:41:28.000000+00'\n"
                + d
                + "  Recovery_Target_Action\t=  'promote'   # the old restore's\n"
                + d
                + "RECOVERY_TARGET_INCLUSIVE off\n"
                + d
                + "recovery_target_timeline= 'latest'\n"
                + d
                + "recovery_end_command = 'touch /tmp/x'\n"
                + d
                + "archive_cleanup_command = 'y'\n"
                + d
                + "recovery_target_lsn='0/1'\n"
                + d
                + "recovery_target_name = 'n'\n"
                + d
                + "recovery_target_xid = '742'\n"
                + d
                + "recovery_target = 'immediate'\n"
                + "#recovery_target_xid = '9'\n"
                + "recovery_target_time_zone = 'x'\n"
                + "recovery_target.time = 'x'\n"
                + "restore_commands = 'x'\n"
                + "recovery_min_apply_delay = '5min'\n"
                + "archive_mode = 'on'\n"
                + "# written by walarchive restore\n"
                + "restore_command = '/y wal-fetch %f %p'\n"
                + "recovery_target = ''\n"
                + "recovery_target_name = ''\n"
                + "recovery_target_time = ''\n"
                + "recovery_target_xid = ''\n"
                + "recovery_target_lsn = '0/3000000'\n"
                + "recovery_target_timeline = 'latest'\n"
                + "recovery_target_action = 'promote'\n");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("postgresql.auto.conf"))))
        .isEqualTo("rw-r-----");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("postgresql.auto.conf", "recovery.signal");
    }
  }

  /** Bytes that are not UTF-8 (a value written in LATIN1) are kept as they were. */
  @Test
  void keepsTheOtherBytesOfTheFileAsTheyWere() throws Exception {
    byte[] latin1 =
        "application_name = 'caf\u00e9'\r\nrestore_command = 'x'\r\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    Files.write(dir.resolve("postgresql.auto.conf"), latin1);
    RecoveryConfiguration.builder("/y %f %p").build().writeTo(dir);
    byte[] written = Files.readAllBytes(dir.resolve("postgresql.auto.conf"));
    String expectedStart =
        "application_name = 'caf\u00e9'\r\n# disabled by walarchive restore: "
            + "restore_command = 'x'\r\nrestore_command = '/y %f %p'\n";
    assertThat(new String(written, java.nio.charset.StandardCharsets.ISO_8859_1))
        .startsWith(expectedStart);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("postgresql.auto.conf"))))
        .as("0644 loses what others may do")
        .isEqualTo("rw-r-----");
  }

  /**
   * Any file made of setting lines (any case and spacing, with or without "=", with comments),
   * comments and blank lines: exactly the lines that set a disabled setting get the prefix, and
   * nothing else changes.
   */
  @Test
  void disablesExactlyTheLinesThatSetARecoverySetting() {
    List<String> names = new ArrayList<>(RecoveryConfiguration.DISABLED_SETTINGS);
    names.addAll(
        List.of(
            "work_mem",
            "recovery_target_timeline2",
            "recovery_min_apply_delay",
            "restore_command.x",
            "x.restore_command",
            "primary_conninfo_",
            "archive_mode",
            "recovery_targe"));
    Gen<String> name =
        Generate.pick(names).zip(stringsOf("ul", 0, 30), (n, caseMask) -> mixCase(n, caseMask));
    Gen<String> settingLine =
        name.zip(
            oneOf("", " ", "\t", "  \t"),
            oneOf(" = ", "=", " ", "\t=\t", " =", "= "),
            oneOf("'x'", "'a = b # c'", "on", "'it''s'", "5min", "''"),
            oneOf("", " # comment", "#x", "   "),
            (n, lead, eq, value, comment) -> lead + n + eq + value + comment);
    Gen<String> otherLine =
        oneOf("", "# restore_command = 'x'", "  # recovery_target_time = 'y'", "   ", "\r");
    Gen<List<String>> lines =
        listsOf(weighted(weight(4, settingLine), weight(1, otherLine)), 0, 12);
    qt().withExamples(1000)
        .forAll(lines, Generate.booleans())
        .checkAssert(
            (ls, lastNewline) -> {
              StringBuilder text = new StringBuilder();
              StringBuilder expected = new StringBuilder();
              for (int i = 0; i < ls.size(); i++) {
                String line = ls.get(i);
                String end = i == ls.size() - 1 && !lastNewline ? "" : "\n";
                String trimmed = line.strip();
                String setName =
                    trimmed.isEmpty() || trimmed.startsWith("#")
                        ? null
                        : trimmed.split("[ \t=]", 2)[0];
                boolean disabled =
                    setName != null
                        && RecoveryConfiguration.DISABLED_SETTINGS.contains(
                            setName.toLowerCase(java.util.Locale.ROOT));
                text.append(line).append(end);
                expected
                    .append(disabled ? RecoveryConfiguration.DISABLED_PREFIX : "")
                    .append(line)
                    .append(end);
              }
              assertThat(RecoveryConfiguration.disableRecoverySettings(text.toString()))
                  .isEqualTo(expected.toString());
            });
  }

  private static String mixCase(String name, String mask) {
    StringBuilder sb = new StringBuilder(name);
    for (int i = 0; i < Math.min(name.length(), mask.length()); i++) {
      sb.setCharAt(
          i,
          mask.charAt(i) == 'u'
              ? Character.toUpperCase(name.charAt(i))
              : Character.toLowerCase(name.charAt(i)));
    }
    return sb.toString();
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
        .isEqualTo(
            "restore_command = '/x %f %p'\n"
                + "recovery_target = ''\n"
                + "recovery_target_lsn = ''\n"
                + "recovery_target_name = ''\n"
                + "recovery_target_time = ''\n"
                + "recovery_target_xid = ''\n"
                + "recovery_target_timeline = 'current'\n");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("postgresql.auto.conf"))))
        .isEqualTo("rw-------");
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
