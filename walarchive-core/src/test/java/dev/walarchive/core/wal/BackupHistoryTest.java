package dev.walarchive.core.wal;

import static dev.walarchive.core.testing.Properties.intsBetween;
import static dev.walarchive.core.testing.Properties.longsBetween;
import static dev.walarchive.core.testing.Properties.qt;
import static dev.walarchive.core.wal.WalGens.lsns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.walarchive.core.testing.Properties;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class BackupHistoryTest {
  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private static final String PG15 =
      "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
          + "STOP WAL LOCATION: 0/2000100 (file 000000010000000000000002)\n"
          + "CHECKPOINT LOCATION: 0/2000060\n"
          + "BACKUP METHOD: streamed\n"
          + "BACKUP FROM: primary\n"
          + "START TIME: 2026-11-21 10:15:02 UTC\n"
          + "LABEL: pg_basebackup base backup\n"
          + "START TIMELINE: 1\n"
          + "STOP TIME: 2026-11-21 10:15:03 UTC\n"
          + "STOP TIMELINE: 1\n";

  private static final WalFileName PG15_NAME =
      WalFileName.parse("000000010000000000000002.00000028.backup");

  @Test
  void readsWhatPostgres15Writes() {
    BackupHistory history = BackupHistory.parse(PG15_NAME, PG15);
    assertThat(history.fileName()).isEqualTo(PG15_NAME);
    assertThat(history.startLsn()).isEqualTo(Lsn.parse("0/2000028"));
    assertThat(history.stopLsn()).isEqualTo(Lsn.parse("0/2000100"));
    assertThat(history.checkpointLsn()).isEqualTo(Lsn.parse("0/2000060"));
    assertThat(history.startSegment()).isEqualTo(WalFileName.parse("000000010000000000000002"));
    assertThat(history.stopSegment()).isEqualTo(WalFileName.parse("000000010000000000000002"));
    assertThat(history.label()).isEqualTo("pg_basebackup base backup");
    assertThat(history.startTimeline()).isEqualTo(1);
    assertThat(history.stopTimeline()).isEqualTo(1);
    assertThat(history.backupMethod()).contains("streamed");
    assertThat(history.backupFrom()).contains("primary");
    assertThat(history.startTimeText()).isEqualTo("2026-11-21 10:15:02 UTC");
    assertThat(history.startTime()).contains(Instant.parse("2026-11-21T10:15:02Z"));
    assertThat(history.stopTime()).contains(Instant.parse("2026-11-21T10:15:03Z"));
    assertThat(history).isEqualTo(BackupHistory.parse(PG15_NAME, PG15));
    assertThat(history.toString()).contains("0/2000028").contains("0/2000100");
  }

  @Test
  void readsWhatOlderServersWrite() {
    // PostgreSQL 9.6/10: no START TIMELINE; a standby backup stopping on a later timeline
    String content =
        "START WAL LOCATION: 1/A2000060 (file 000000030000000100000051)\n"
            + "STOP WAL LOCATION: 1/A4000130 (file 000000040000000100000052)\n"
            + "CHECKPOINT LOCATION: 1/A2000098\n"
            + "BACKUP METHOD: pg_start_backup\n"
            + "BACKUP FROM: standby\n"
            + "START TIME: 2018-03-01 12:00:00 CET\n"
            + "LABEL: nightly\n"
            + "STOP TIME: 2018-03-01 12:05:00 CET\n";
    WalFileName name = WalFileName.parse("000000030000000100000051.00000060.backup");
    BackupHistory history = BackupHistory.parse(name, content);
    assertThat(history.startTimeline()).isEqualTo(3);
    assertThat(history.stopTimeline()).isEqualTo(4);
    assertThat(history.backupFrom()).contains("standby");
    assertThat(history.startTime()).contains(Instant.parse("2018-03-01T11:00:00Z"));
    // 32 MiB segments: 1/A2000060 is segment 0x51 of xlogid 1
    assertThat(name.backupStartLsn(WalSegmentSize.ofMegabytes(32))).isEqualTo(history.startLsn());
  }

  @Test
  void ignoresUnknownLines() {
    String content =
        PG15
            + "INCREMENTAL FROM LSN: 0/1000028\n"
            + "INCREMENTAL FROM TLI: 1\n"
            + "some future line without a colon\n";
    assertThat(BackupHistory.parse(PG15_NAME, content))
        .isEqualTo(BackupHistory.parse(PG15_NAME, PG15));
  }

  @Test
  void requiresTheMandatoryLines() {
    for (String key :
        List.of(
            "START WAL LOCATION",
            "STOP WAL LOCATION",
            "CHECKPOINT LOCATION",
            "START TIME",
            "STOP TIME",
            "LABEL")) {
      String without = PG15.replaceAll("(?m)^" + key + ": .*\n", "");
      assertThatThrownBy(() -> BackupHistory.parse(PG15_NAME, without))
          .as(key)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(PG15_NAME.name())
          .hasMessageContaining(key + " is missing");
    }
    for (String key : List.of("BACKUP METHOD", "BACKUP FROM", "START TIMELINE", "STOP TIMELINE")) {
      String without = PG15.replaceAll("(?m)^" + key + ": .*\n", "");
      assertThat(BackupHistory.parse(PG15_NAME, without).startLsn())
          .isEqualTo(Lsn.parse("0/2000028"));
    }
  }

  @Test
  void rejectsMalformedAndContradictoryContent() {
    assertInvalid(PG15_NAME, PG15 + "LABEL: again\n", "appears twice");
    assertInvalid(
        PG15_NAME, PG15.replace("0/2000028 (file", "0/2000028 (File"), "START WAL LOCATION");
    assertInvalid(
        PG15_NAME,
        PG15.replace("CHECKPOINT LOCATION: 0/2000060", "CHECKPOINT LOCATION: x"),
        "not an LSN");
    assertInvalid(
        PG15_NAME, PG15.replace("START TIMELINE: 1", "START TIMELINE: 0"), "START TIMELINE");
    assertInvalid(PG15_NAME, PG15.replace("START TIMELINE: 1", "START TIMELINE: 2"), "contradicts");
    assertInvalid(PG15_NAME, PG15.replace("STOP TIMELINE: 1", "STOP TIMELINE: 2"), "contradicts");
    assertInvalid(
        PG15_NAME,
        PG15.replace("STOP WAL LOCATION: 0/2000100", "STOP WAL LOCATION: 0/2000000"),
        "before its start");
    // the name says another segment or offset
    assertInvalid(
        WalFileName.parse("000000010000000000000003.00000028.backup"), PG15, "its name says");
    assertInvalid(
        WalFileName.parse("000000010000000000000002.00000030.backup"), PG15, "do not agree");
    assertInvalid(
        WalFileName.parse("000000020000000000000002.00000028.backup"), PG15, "its name says");
    // the start file does not hold the start LSN for any segment size
    assertInvalid(
        PG15_NAME,
        PG15.replace("START WAL LOCATION: 0/2000028", "START WAL LOCATION: 0/1F00028"),
        "do not agree");
    // the stop file does not hold the stop LSN
    assertInvalid(
        PG15_NAME,
        PG15.replace(
            "STOP WAL LOCATION: 0/2000100 (file 000000010000000000000002)",
            "STOP WAL LOCATION: 0/2000100 (file 000000010000000000000003)"),
        "do not agree");
    assertThatThrownBy(() -> BackupHistory.parse(WalFileName.parse("00000002.history"), PG15))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a backup history file");
  }

  private static void assertInvalid(WalFileName name, String content, String message) {
    assertThatThrownBy(() -> BackupHistory.parse(name, content))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid backup history file " + name.name())
        .hasMessageContaining(message);
  }

  /** A backup as PostgreSQL's build_backup_content would describe it. */
  record Backup(
      WalSegmentSize size,
      long startTimeline,
      long stopTimeline,
      Lsn start,
      Lsn stop,
      Lsn checkpoint,
      String label,
      Instant startTime,
      String zone) {

    WalFileName name() {
      return WalFileName.backupHistory(startTimeline, start, size);
    }

    String content() {
      return String.format(
              Locale.ROOT,
              "START WAL LOCATION: %s (file %s)%n",
              start,
              WalFileName.ofLsn(startTimeline, start, size))
          + String.format(
              Locale.ROOT,
              "STOP WAL LOCATION: %s (file %s)%n",
              stop,
              WalFileName.ofLsn(stopTimeline, stop, size))
          + "CHECKPOINT LOCATION: "
          + checkpoint
          + "\n"
          + "BACKUP METHOD: streamed\n"
          + "BACKUP FROM: primary\n"
          + "START TIME: "
          + time(startTime)
          + "\n"
          + "LABEL: "
          + label
          + "\n"
          + "START TIMELINE: "
          + startTimeline
          + "\n"
          + "STOP TIME: "
          + time(startTime.plusSeconds(3600))
          + "\n"
          + "STOP TIMELINE: "
          + stopTimeline
          + "\n";
    }

    String time(Instant instant) {
      ZoneOffset offset = ZoneOffset.of(zone.equals("UTC") ? "Z" : zone);
      return LocalDateTime.ofInstant(instant, offset).format(PG_TIME) + " " + zone;
    }
  }

  static Gen<Backup> backups() {
    Gen<WalSegmentSize> sizes = WalGens.segmentSizes();
    Gen<Long> timelines = WalGens.timelines();
    Gen<Long> tliSteps = longs().between(0, 3);
    Gen<Lsn> starts = WalGens.lsns();
    Gen<Long> lengths = longsBetween(0, 1L << 34);
    Gen<String> labels =
        Properties.oneOf(
            "pg_basebackup base backup", "nightly: full", "", "label with  spaces", "\u00e9");
    Gen<Instant> times = instants();
    Gen<String> zones = Properties.oneOf("UTC", "+04", "-03", "+0530", "-0930", "+1245", "+00");
    return in -> {
      WalSegmentSize size = sizes.generate(in);
      long tli = timelines.generate(in);
      long tliStep = tliSteps.generate(in);
      Lsn start = starts.generate(in);
      long length = lengths.generate(in);
      String label = labels.generate(in);
      Instant time = times.generate(in);
      String zone = zones.generate(in);
      Lsn stop;
      try {
        stop = start.plus(length);
      } catch (ArithmeticException e) {
        stop = start;
      }
      long stopTli = Math.min(0xFFFFFFFFL, tli + tliStep);
      return new Backup(size, tli, stopTli, start, stop, start, label, time, zone);
    };
  }

  @Test
  void readsEveryBackupAsWritten() {
    qt().withExamples(1000)
        .forAll(backups())
        .checkAssert(
            backup -> {
              BackupHistory history = BackupHistory.parse(backup.name(), backup.content());
              assertThat(history.startLsn()).isEqualTo(backup.start());
              assertThat(history.stopLsn()).isEqualTo(backup.stop());
              assertThat(history.checkpointLsn()).isEqualTo(backup.checkpoint());
              assertThat(history.label()).isEqualTo(backup.label());
              assertThat(history.startTimeline()).isEqualTo(backup.startTimeline());
              assertThat(history.stopTimeline()).isEqualTo(backup.stopTimeline());
              assertThat(history.startSegment())
                  .isEqualTo(
                      WalFileName.ofLsn(backup.startTimeline(), backup.start(), backup.size()));
              assertThat(history.startTime()).contains(backup.startTime());
              assertThat(history.stopTime()).contains(backup.startTime().plusSeconds(3600));
              assertThat(backup.name().backupStartLsn(backup.size())).isEqualTo(history.startLsn());
            });
  }

  @Test
  void rejectsAnyOtherStartInTheName() {
    qt().withExamples(1000)
        .forAll(backups(), lsns())
        .checkAssert(
            (backup, otherStart) -> {
              WalFileName other =
                  WalFileName.backupHistory(backup.startTimeline(), otherStart, backup.size());
              if (!other.equals(backup.name())) {
                assertThatThrownBy(() -> BackupHistory.parse(other, backup.content()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(other.name());
              }
            });
  }

  @Test
  void understandsZonesThatMeanOneOffset() {
    List<String[]> cases = new ArrayList<>();
    cases.add(new String[] {"2026-11-21 10:15:02 UTC", "2026-11-21T10:15:02Z"});
    cases.add(new String[] {"2026-11-21 10:15:02 GMT", "2026-11-21T10:15:02Z"});
    cases.add(new String[] {"2026-11-21 14:15:02 +04", "2026-11-21T10:15:02Z"});
    cases.add(new String[] {"2026-11-21 06:45:02 -0330", "2026-11-21T10:15:02Z"});
    cases.add(new String[] {"2026-11-21 15:45:02 +05:30", "2026-11-21T10:15:02Z"});
    cases.add(new String[] {"2026-07-21 12:15:02 CEST", "2026-07-21T10:15:02Z"});
    cases.add(new String[] {"2026-11-21 11:15:02 CET", "2026-11-21T10:15:02Z"});
    cases.add(new String[] {"2026-11-21 05:15:02 EST", "2026-11-21T10:15:02Z"});
    cases.add(new String[] {"2026-07-21 03:15:02 PDT", "2026-07-21T10:15:02Z"});
    cases.add(new String[] {"2026-11-21 19:15:02 JST", "2026-11-21T10:15:02Z"});
    for (String[] c : cases) {
      assertThat(PostgresTimes.parse(c[0])).as(c[0]).contains(Instant.parse(c[1]));
    }
  }

  @Test
  void givesNoInstantRatherThanAWrongOne() {
    for (String text :
        List.of(
            "2026-11-21 10:15:02 CST", // China or US Central
            "2026-11-21 10:15:02 IST", // India, Israel or Ireland
            "2026-11-21 10:15:02 AST",
            "2026-11-21 10:15:02 BST",
            "2026-11-21 10:15:02 -00",
            "2026-11-21 10:15:02 XYZ",
            "2026-11-21 10:15:02",
            "2026-02-30 10:15:02 UTC",
            "2026-11-21 25:15:02 UTC",
            "2026-11-21T10:15:02 UTC",
            "2026-11-21 10:15:02 +25",
            "yesterday")) {
      assertThat(PostgresTimes.parse(text)).as(text).isEmpty();
    }
  }

  @Test
  void numericZonesAlwaysWork() {
    qt().withExamples(1000)
        .forAll(instants(), offsetMinutes())
        .checkAssert(
            (instant, minutes) -> {
              ZoneOffset offset = ZoneOffset.ofTotalSeconds(minutes * 60);
              int abs = Math.abs(minutes);
              String zone =
                  (minutes < 0 ? "-" : "+")
                      + String.format(Locale.ROOT, "%02d", abs / 60)
                      + (abs % 60 == 0 ? "" : String.format(Locale.ROOT, "%02d", abs % 60));
              if (zone.equals("-00")) {
                return; // tzdb's "unknown", tested above
              }
              String text = LocalDateTime.ofInstant(instant, offset).format(PG_TIME) + " " + zone;
              assertThat(PostgresTimes.parse(text)).as(text).contains(instant);
            });
  }

  static Gen<Instant> instants() {
    return longsBetween(0, 4_102_444_800L).map(seconds -> Instant.ofEpochSecond(seconds));
  }

  /** Every offset from -12:00 to +14:00, whole and odd minutes, the ends mixed in. */
  static Gen<Integer> offsetMinutes() {
    return intsBetween(-12 * 60, 14 * 60);
  }
}
