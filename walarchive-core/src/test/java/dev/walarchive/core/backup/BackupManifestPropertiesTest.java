package dev.walarchive.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The manifest's text form: exact round trips, strict parsing; and the backup name scheme. */
class BackupManifestPropertiesTest {
  private static final String[] PIECES = {
    "base",
    "1",
    "16384",
    "PG_VERSION",
    "pg_tblspc",
    "a b",
    "tab\there",
    "new\nline",
    "100%",
    "%41",
    "ü",
    "日本",
    "\u0001",
    "x.y",
    "_init",
    "-",
    "...a"
  };

  static String piece(Random r) {
    return PIECES[r.nextInt(PIECES.length)]
        + (r.nextBoolean() ? "" : Integer.toString(r.nextInt(99)));
  }

  static String path(Random r) {
    int depth = 1 + r.nextInt(4);
    StringBuilder b = new StringBuilder();
    if (r.nextInt(4) == 0) {
      b.append("pg_tblspc/").append(1 + r.nextInt(100000)).append('/');
    }
    for (int i = 0; i < depth; i++) {
      b.append(i == 0 ? "" : "/").append(piece(r));
    }
    return b.toString();
  }

  static Instant instant(Random r) {
    return Instant.ofEpochSecond(
        r.nextInt(2_000_000_000), r.nextBoolean() ? 0 : r.nextInt(1_000_000_000));
  }

  static String text(Random r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(5);
    for (int i = 0; i < n; i++) {
      b.append(piece(r)).append(r.nextBoolean() ? "\n" : " ");
    }
    return b.toString();
  }

  /** A random but valid manifest. */
  static BackupManifest manifest(long seed, int entries) {
    Random r = new Random(seed);
    Lsn start = Lsn.of(r.nextLong() >>> 1);
    BackupName name = BackupName.of(Instant.ofEpochSecond(r.nextInt(2_000_000_000)), start);
    Lsn stop = Lsn.of(start.value() + (r.nextInt(3) == 0 ? 0 : r.nextInt(1 << 30)));
    SortedMap<Long, String> tablespaces = new TreeMap<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      tablespaces.put(1L + r.nextInt(1 << 30), "/srv/" + piece(r));
    }
    TreeSet<String> paths = new TreeSet<>();
    for (int i = 0; i < entries; i++) {
      paths.add(path(r));
    }
    List<BackupDirectory> dirs = new ArrayList<>();
    List<BackupFile> files = new ArrayList<>();
    byte[] sha = new byte[32];
    for (String p : paths) {
      if (r.nextInt(3) == 0) {
        dirs.add(new BackupDirectory(p, r.nextInt(01000), instant(r)));
      } else {
        r.nextBytes(sha);
        if (r.nextInt(4) == 0) {
          List<BackupFile.Extent> extents = new ArrayList<>();
          long size = 0;
          for (int e = 2 + r.nextInt(4); e > 0; e--) {
            r.nextBytes(sha);
            long length = 1 + (r.nextLong() >>> 40);
            extents.add(
                new BackupFile.Extent(
                    "basebackups/" + name + "/data/" + String.format("%06d", 1 + r.nextInt(999)),
                    r.nextInt(3) == 0 ? 0 : r.nextLong() >>> 20,
                    length,
                    HexFormat.of().formatHex(sha)));
            size += length;
          }
          files.add(
              new BackupFile(
                  p,
                  r.nextInt(07777 + 1),
                  instant(r),
                  size,
                  BackupFile.extentsDigest(extents),
                  extents.get(0).object(),
                  extents.get(0).offset(),
                  extents));
          continue;
        }
        files.add(
            new BackupFile(
                p,
                r.nextInt(07777 + 1),
                instant(r),
                r.nextInt(3) == 0 ? 0 : r.nextLong() >>> 20,
                HexFormat.of().formatHex(sha),
                "basebackups/" + name + "/data/" + String.format("%06d", 1 + r.nextInt(999)),
                r.nextLong() >>> 20));
      }
    }
    return new BackupManifest(
        name,
        r.nextLong(),
        WalSegmentSize.of(1L << (20 + r.nextInt(11))),
        150000 + r.nextInt(100),
        text(r).replace('\n', ' '),
        start,
        Lsn.of(start.value() + r.nextInt(1000)),
        1 + r.nextInt(100),
        instant(r),
        stop,
        1 + r.nextInt(100),
        instant(r),
        text(r),
        text(r),
        tablespaces,
        dirs,
        files);
  }

  private static String snapshot(Random r) {
    long xmin = 3 + (r.nextLong() >>> 2);
    long xmax = xmin + r.nextInt(10);
    StringBuilder xip = new StringBuilder();
    for (long x = xmin; x < xmax; x++) {
      if (r.nextBoolean()) {
        xip.append(xip.length() == 0 ? "" : ",").append(x);
      }
    }
    return xmin + ":" + xmax + ":" + xip;
  }

  /** {@code m} with a stop snapshot. */
  private static BackupManifest withSnapshot(BackupManifest m, String snapshot) {
    return new BackupManifest(
        m.name(),
        m.systemIdentifier(),
        m.segmentSize(),
        m.serverVersion(),
        m.label(),
        m.startLsn(),
        m.checkpointLsn(),
        m.startTimeline(),
        m.startTime(),
        m.stopLsn(),
        m.stopTimeline(),
        m.stopTime(),
        m.backupLabel(),
        m.tablespaceMap(),
        m.tablespaces(),
        m.directories(),
        m.files(),
        snapshot);
  }

  @Test
  void aStopSnapshotIsVersion3AndReadBackWhileManifestsWithoutOneStayVersion2() {
    qt().withExamples(200)
        .forAll(longs().all(), integers().between(0, 20))
        .checkAssert(
            (seed, n) -> {
              BackupManifest plain = manifest(seed, n);
              assertThat(plain.stopSnapshot()).isEmpty();
              assertThat(plain.toText()).startsWith(MAGIC_LINE + "2\n");
              assertThat(plain.inProgressAtStop(java.math.BigInteger.TEN)).isEmpty();
              String snapshot = snapshot(new Random(seed));
              BackupManifest m = withSnapshot(plain, snapshot);
              String text = m.toText();
              assertThat(text).startsWith(MAGIC_LINE + "3\n").contains("\nstop-snapshot\t");
              assertThat(BackupManifest.parse(text)).isEqualTo(m);
              assertThat(BackupManifest.parse(text).stopSnapshot()).isEqualTo(snapshot);
              // without it, or as version 2 with it, the text is refused
              assertThatThrownBy(
                      () ->
                          BackupManifest.parse(
                              text.replace("stop-snapshot\t" + snapshot + "\n", "")))
                  .isInstanceOf(IllegalArgumentException.class);
              assertThatThrownBy(() -> BackupManifest.parse(text.replaceFirst("\t3\n", "\t2\n")))
                  .isInstanceOf(IllegalArgumentException.class);
              assertThatThrownBy(
                      () ->
                          BackupManifest.parse(
                              text.replace("stop-snapshot\t" + snapshot, "stop-snapshot\t1:x:")))
                  .hasMessageContaining("stop snapshot");
            });
  }

  private static final String MAGIC_LINE = "walarchive-backup-manifest\t";

  @Test
  void parsingTheTextFormGivesTheSameManifest() {
    qt().withExamples(300)
        .forAll(longs().all(), integers().between(0, 40))
        .checkAssert(
            (seed, n) -> {
              BackupManifest m = manifest(seed, n);
              String text = m.toText();
              assertThat(BackupManifest.parse(text)).isEqualTo(m);
              assertThat(BackupManifest.parse(m.toBytes())).isEqualTo(m);
              assertThat(BackupManifest.parse(text).toText()).isEqualTo(text);
              // one entry per line, no raw control characters in any field
              assertThat(text.lines().count())
                  .isEqualTo(
                      16
                          + m.tablespaces().size()
                          + m.directories().size()
                          + m.files().size()
                          + m.files().stream().mapToLong(f -> f.extents().size()).sum());
            });
  }

  @Test
  void everyTruncationOfTheTextIsRefused() {
    qt().withExamples(60)
        .forAll(longs().all(), integers().between(0, 10))
        .checkAssert(
            (seed, n) -> {
              String text = manifest(seed, n).toText();
              for (int cut = 0; cut < text.length(); cut += 1 + text.length() / 97) {
                String truncated = text.substring(0, cut);
                assertThatThrownBy(() -> BackupManifest.parse(truncated))
                    .isInstanceOf(IllegalArgumentException.class);
              }
            });
  }

  @Test
  void changedOrReorderedEntriesAreRefused() {
    BackupManifest m = manifest(42, 20);
    String text = m.toText();
    List<String> lines = new ArrayList<>(text.lines().toList());
    // a header line dropped
    List<String> dropped = new ArrayList<>(lines);
    dropped.remove(5);
    assertThatThrownBy(() -> BackupManifest.parse(String.join("\n", dropped) + "\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line ");
    // a non-canonical escape
    assertThatThrownBy(() -> BackupManifest.parse(text.replace("label\t", "label\t%41")))
        .isInstanceOf(IllegalArgumentException.class);
    // an unknown entry before the end
    List<String> extra = new ArrayList<>(lines);
    extra.add(lines.size() - 1, "symlink\tx\ty");
    assertThatThrownBy(() -> BackupManifest.parse(String.join("\n", extra) + "\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown entry");
    // a newer version
    assertThatThrownBy(() -> BackupManifest.parse(text.replaceFirst("\t2\n", "\t4\n")))
        .hasMessageContaining("newer walarchive");
    // paths that could escape the restore directory
    for (String bad : List.of("../etc/passwd", "/etc/passwd", "a//b", "a/./b", "a/", "")) {
      assertThatThrownBy(() -> new BackupDirectory(bad, 0700, Instant.EPOCH))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** A manifest with at least one file in extents. */
  static BackupManifest withExtents(long seed) {
    for (long s = seed; ; s++) {
      BackupManifest m = manifest(s, 30);
      if (m.files().stream().anyMatch(f -> !f.extents().isEmpty())) {
        return m;
      }
    }
  }

  @Test
  void aTruncatedMissingOrReorderedExtentListIsRefused() {
    qt().withExamples(100)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              List<String> lines = new ArrayList<>(withExtents(seed).toText().lines().toList());
              int first = -1;
              for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("extent\t")) {
                  first = i;
                  break;
                }
              }
              int at = first;
              // an extent line dropped, the end count adjusted to match
              List<String> dropped = new ArrayList<>(lines);
              dropped.remove(at);
              String end = dropped.get(dropped.size() - 1);
              long count = Long.parseLong(end.substring("end\t".length()));
              dropped.set(dropped.size() - 1, "end\t" + (count - 1));
              assertThatThrownBy(() -> BackupManifest.parse(String.join("\n", dropped) + "\n"))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("line ");
              // the first two extents swapped
              List<String> swapped = new ArrayList<>(lines);
              swapped.set(at, lines.get(at + 1));
              swapped.set(at + 1, lines.get(at));
              assertThatThrownBy(() -> BackupManifest.parse(String.join("\n", swapped) + "\n"))
                  .isInstanceOf(IllegalArgumentException.class);
              // an extent line outside a file's list
              List<String> stray = new ArrayList<>(lines);
              stray.add(lines.size() - 1, lines.get(at));
              assertThatThrownBy(() -> BackupManifest.parse(String.join("\n", stray) + "\n"))
                  .isInstanceOf(IllegalArgumentException.class);
              // a file claiming one extent
              String file = lines.get(at - 1);
              List<String> one = new ArrayList<>(lines);
              one.set(at - 1, file.substring(0, file.lastIndexOf('\t')) + "\t1");
              assertThatThrownBy(() -> BackupManifest.parse(String.join("\n", one) + "\n"))
                  .isInstanceOf(IllegalArgumentException.class);
            });
  }

  @Test
  void version1ManifestsAreStillRead() {
    qt().withExamples(100)
        .forAll(longs().all(), integers().between(0, 30))
        .checkAssert(
            (seed, n) -> {
              BackupManifest m = manifest(seed, n);
              if (m.files().stream().anyMatch(f -> !f.extents().isEmpty())) {
                return; // version 1 has no extents
              }
              StringBuilder v1 = new StringBuilder();
              for (String line : m.toText().lines().toList()) {
                if (line.startsWith("walarchive-backup-manifest\t")) {
                  line = "walarchive-backup-manifest\t1";
                } else if (line.startsWith("file\t")) {
                  line = line.substring(0, line.lastIndexOf('\t'));
                }
                v1.append(line).append('\n');
              }
              assertThat(BackupManifest.parse(v1.toString())).isEqualTo(m);
              // and a version 1 file line in a version 2 manifest is refused, and vice versa
              if (!m.files().isEmpty()) {
                assertThatThrownBy(
                        () ->
                            BackupManifest.parse(
                                v1.toString()
                                    .replaceFirst(
                                        "walarchive-backup-manifest\t1",
                                        "walarchive-backup-manifest\t2")))
                    .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(
                        () ->
                            BackupManifest.parse(
                                m.toText()
                                    .replaceFirst(
                                        "walarchive-backup-manifest\t2",
                                        "walarchive-backup-manifest\t1")))
                    .isInstanceOf(IllegalArgumentException.class);
              }
            });
  }

  @Test
  void namesRoundTripAndSortByStartTimeThenLsn() {
    qt().withExamples(1000)
        .forAll(
            longs().between(0, 253402300799L),
            longs().all(),
            longs().between(0, 253402300799L),
            longs().all())
        .checkAssert(
            (t1, l1, t2, l2) -> {
              BackupName a = new BackupName(Instant.ofEpochSecond(t1), Lsn.of(l1));
              BackupName b = new BackupName(Instant.ofEpochSecond(t2), Lsn.of(l2));
              assertThat(BackupName.parse(a.toString())).isEqualTo(a);
              assertThat(a.toString()).matches("base_\\d{8}T\\d{6}Z_[0-9A-F]{16}");
              assertThat(Integer.signum(a.compareTo(b)))
                  .isEqualTo(Integer.signum(a.toString().compareTo(b.toString())));
            });
  }

  @Test
  void anythingElseIsNotAName() {
    for (String bad :
        List.of(
            "LATEST",
            "base_20261201T183012Z_0000000002000028 ",
            "base_20261201T183012Z_000000000200002a",
            "base_20261301T183012Z_0000000002000028",
            "base_20261201T183060Z_0000000002000028",
            "base_20261201t183012Z_0000000002000028",
            "base_20261201T183012Z-0000000002000028",
            "../base_20261201T183012Z_0000000002000028")) {
      assertThat(BackupName.isValid(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> BackupName.parse(bad))
          .hasMessageContaining("not a base backup name");
    }
    assertThat(BackupName.parse("base_20261201T183012Z_0000000002000028"))
        .isEqualTo(new BackupName(Instant.parse("2026-12-01T18:30:12Z"), Lsn.parse("0/2000028")));
  }

  private static final long YEAR_0 = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
  private static final long YEAR_9999_END = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  /** What the manifest's times must be: what Instant.parse reads, in Instant.toString's form. */
  private static Instant reference(String text) {
    try {
      Instant i = Instant.parse(text);
      return i.toString().equals(text) ? i : null;
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  @Test
  void everyCanonicalTimeReadsBackExactly() {
    qt().withExamples(3000)
        .forAll(
            longs().between(YEAR_0, YEAR_9999_END),
            integers().between(0, 999_999_999),
            integers().between(0, 3))
        .checkAssert(
            (second, nano, digits) -> {
              int n =
                  switch (digits) {
                    case 0 -> 0;
                    case 1 -> nano / 1_000_000 * 1_000_000;
                    case 2 -> nano / 1_000 * 1_000;
                    default -> nano;
                  };
              Instant i = Instant.ofEpochSecond(second, n);
              assertThat(BackupManifest.canonicalUtcInstant(i.toString())).isEqualTo(i);
              assertThat(BackupManifest.instant(i.toString(), 7)).isEqualTo(i);
            });
  }

  @Test
  void aDamagedTimeIsReadOnlyAsInstantParseReadsItAndOnlyInCanonicalForm() {
    String alphabet = "0123456789012345678900:-.TZ+ x";
    qt().withExamples(5000)
        .forAll(longs().between(YEAR_0, YEAR_9999_END), longs().all())
        .checkAssert(
            (second, seed) -> {
              Random r = new Random(seed);
              StringBuilder b =
                  new StringBuilder(
                      Instant.ofEpochSecond(
                              second, r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000_000))
                          .toString());
              for (int k = 1 + r.nextInt(2); k > 0; k--) {
                int at = r.nextInt(b.length());
                char c = alphabet.charAt(r.nextInt(alphabet.length()));
                switch (r.nextInt(3)) {
                  case 0 -> b.setCharAt(at, c);
                  case 1 -> b.insert(at, c);
                  default -> b.deleteCharAt(at);
                }
              }
              String text = b.toString();
              Instant expected = reference(text);
              Instant fast = BackupManifest.canonicalUtcInstant(text);
              if (fast != null) {
                assertThat(fast).as(text).isEqualTo(expected);
              }
              if (expected == null) {
                assertThatThrownBy(() -> BackupManifest.instant(text, 7))
                    .as(text)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("backup manifest line 7 is malformed");
              } else {
                assertThat(BackupManifest.instant(text, 7)).as(text).isEqualTo(expected);
              }
            });
    for (String bad :
        List.of(
            "2026-02-29T00:00:00Z",
            "2026-12-03T24:00:00Z",
            "2026-12-03T23:59:60Z",
            "2026-12-03T08:58:52.000Z",
            "2026-12-03T08:58:52.120000Z",
            "2026-12-03T08:58:52.123000000Z",
            "2026-12-03T08:58:52.1Z",
            "2026-12-03 08:58:52Z",
            "2026-12-03T08:58:52+00:00")) {
      assertThat(BackupManifest.canonicalUtcInstant(bad)).as(bad).isNull();
      assertThatThrownBy(() -> BackupManifest.instant(bad, 3))
          .as(bad)
          .hasMessageStartingWith("backup manifest line 3 is malformed");
    }
    assertThat(BackupManifest.canonicalUtcInstant("2024-02-29T23:59:59.120Z"))
        .isEqualTo(Instant.parse("2024-02-29T23:59:59.120Z"));
  }
}
