package dev.walarchive.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.walarchive.core.WalArchive;
import dev.walarchive.core.archive.ArchiveInventory;
import dev.walarchive.core.archive.ContinuityCheck;
import dev.walarchive.core.retention.RetentionPlan;
import dev.walarchive.core.retention.RetentionPlanner;
import dev.walarchive.core.retention.RetentionPolicy;
import dev.walarchive.core.storage.ArchiveStorage;
import dev.walarchive.core.storage.ArchiveStorages;
import dev.walarchive.core.storage.ObjectEntry;
import dev.walarchive.core.storage.ObjectIterator;
import dev.walarchive.core.storage.ObjectSource;
import dev.walarchive.core.storage.ObjectStat;
import dev.walarchive.core.wal.BackupHistory;
import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.TimelineHistory;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Times {@code verify}'s continuity check and retention planning over a listing of 1,000,000
 * objects with 50 backups, through {@link WalArchive} (listing, reading the backup and timeline
 * history files, checking, planning). The layout is that of walarchive-core's {@code
 * MillionObjectScaleTest}: timeline 1 with segments 0 to 599,999, timeline 2 branched off inside
 * segment 400,000 with segments up to 799,951, three segments lost. The segments exist only in the
 * listing (a storage that generates them as it is listed); the backup history files, the timeline
 * history file and the manifest are real objects in an in-memory archive.
 *
 * <p>Run with {@code java -Xmx512m -cp walarchive-benchmarks/target/benchmarks.jar
 * dev.walarchive.benchmarks.ListingScale [runs]}; prints each run and the medians.
 */
public final class ListingScale {
  static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final long TL1_LAST = 599_999;
  static final long BRANCH_SEGMENT = 400_000;
  static final long TL2_LAST = 799_951;
  static final long[] LOST_TL1 = {200_000, 500_000};
  static final long LOST_TL2 = 700_000;
  static final int BACKUPS = 50;

  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private ListingScale() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    ArchiveStorage real = ArchiveStorages.memory();
    try (WalArchive archive = WalArchive.builder(new GeneratedSegments(real)).build()) {
      populate(real, archive);
      long[][] times = new long[runs][];
      for (int run = 0; run < runs; run++) {
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        ArchiveInventory inventory = archive.inventory();
        List<BackupHistory> backups = archive.backups(inventory);
        Map<Long, TimelineHistory> histories = archive.timelineHistories(inventory);
        long t1 = System.nanoTime();
        long c1 = os.getProcessCpuTime();
        List<ContinuityCheck.Result> results = ContinuityCheck.check(inventory, backups, histories);
        List<ContinuityCheck.Divergence> divergences =
            ContinuityCheck.divergences(inventory, histories);
        long t2 = System.nanoTime();
        long c2 = os.getProcessCpuTime();
        RetentionPlan plan =
            RetentionPlanner.plan(
                inventory,
                backups,
                histories,
                RetentionPolicy.parse("keep=10"),
                T0.plusSeconds(TL2_LAST + 60));
        long t3 = System.nanoTime();
        long c3 = os.getProcessCpuTime();
        long gaps = results.stream().mapToLong(r -> r.missing().size()).sum();
        if (inventory.entries().size() != 1_000_000
            || backups.size() != BACKUPS
            || divergences.size() != 1
            || gaps != 96
            || plan.deletions().size() != 810_038) {
          throw new AssertionError(
              "unexpected result: "
                  + inventory.entries().size()
                  + " objects, "
                  + backups.size()
                  + " backups, "
                  + divergences.size()
                  + " divergences, "
                  + gaps
                  + " gaps, "
                  + plan.deletions().size()
                  + " deletions");
        }
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        times[run] =
            new long[] {
              t1 - t0, t2 - t1, t3 - t2, t2 - t0, t1 - t0 + t3 - t2, c2 - c0, c1 - c0 + c3 - c2
            };
        System.out.printf(
            "run %d: list+read %d ms, continuity %d ms, retention plan %d ms;"
                + " verify %d ms, retain %d ms (process CPU: verify %d ms, retain %d ms);"
                + " heap after GC (inventory and plan live) %d MiB%n",
            run + 1,
            ms(times[run][0]),
            ms(times[run][1]),
            ms(times[run][2]),
            ms(times[run][3]),
            ms(times[run][4]),
            ms(times[run][5]),
            ms(times[run][6]),
            heap >> 20);
        if (heap < 0) {
          System.out.println(
              plan.deletions().size() + inventory.entries().size()); // keep both live
        }
      }
      String[] labels = {
        "list+read",
        "continuity",
        "retention plan",
        "verify (list+read+continuity)",
        "retain (list+read+plan)",
        "verify, process CPU time (all threads)",
        "retain, process CPU time (all threads)"
      };
      System.out.printf(
          "medians over %d runs, %,d objects, %d backups, max heap %d MiB:%n",
          runs, 1_000_000, BACKUPS, Runtime.getRuntime().maxMemory() >> 20);
      for (int i = 0; i < labels.length; i++) {
        long[] column = new long[runs];
        for (int run = 0; run < runs; run++) {
          column[run] = times[run][i];
        }
        Arrays.sort(column);
        System.out.printf("  %-32s %6d ms%n", labels[i], ms(column[runs / 2]));
      }
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  static long backupSegment(int i) {
    return 10_000 + i * 15_000L;
  }

  static long backupTimeline(int i) {
    long segment = backupSegment(i);
    if (segment <= BRANCH_SEGMENT) {
      return 1;
    }
    return i % 2 == 1 && segment < TL1_LAST ? 1 : 2;
  }

  /** The manifest, 50 backup history files and timeline 2's history file, pushed for real. */
  private static void populate(ArchiveStorage real, WalArchive archive) throws IOException {
    String manifest =
        "format=1\nsystem-identifier=7300000000000000001\nwal-segment-size="
            + SIZE.bytes()
            + "\ncreated="
            + T0
            + "\nencryption=none\n";
    // the manifest's stored form and key (README "The archive manifest")
    real.create("walarchive.manifest", ObjectSource.ofBytes(manifest.getBytes(UTF_8)), Map.of());
    Path dir = Files.createTempDirectory("walarchive-listing-scale");
    try {
      for (int i = 0; i < BACKUPS; i++) {
        long segment = backupSegment(i);
        long timeline = backupTimeline(i);
        Lsn start = Lsn.ofSegment(segment, 0x28, SIZE);
        Lsn stop = Lsn.ofSegment(segment + 1, 0x100, SIZE);
        String content =
            "START WAL LOCATION: "
                + start
                + " (file "
                + WalFileName.ofLsn(timeline, start, SIZE)
                + ")\nSTOP WAL LOCATION: "
                + stop
                + " (file "
                + WalFileName.ofLsn(timeline, stop, SIZE)
                + ")\nCHECKPOINT LOCATION: "
                + start.plus(0x60)
                + "\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: "
                + PG_TIME.format(T0.plusSeconds(segment))
                + "\nLABEL: backup "
                + i
                + "\nSTART TIMELINE: "
                + timeline
                + "\nSTOP TIME: "
                + PG_TIME.format(T0.plusSeconds(segment + 1))
                + "\nSTOP TIMELINE: "
                + timeline
                + "\n";
        Path file = dir.resolve(WalFileName.backupHistory(timeline, start, SIZE).name());
        Files.writeString(file, content, UTF_8);
        archive.push(file);
        Files.delete(file);
      }
      TimelineHistory tl2 =
          TimelineHistory.ofFirstTimeline()
              .branch(2, Lsn.ofSegment(BRANCH_SEGMENT, 0x5000, SIZE), "test restore promoted");
      Path file = dir.resolve(tl2.fileName().name());
      Files.writeString(file, tl2.toFileContent(), UTF_8);
      archive.push(file);
      Files.delete(file);
    } finally {
      Files.deleteIfExists(dir);
    }
  }

  /** A storage whose WAL listing also holds the generated segments, merged in key order. */
  private static final class GeneratedSegments implements ArchiveStorage {
    private final ArchiveStorage real;

    GeneratedSegments(ArchiveStorage real) {
      this.real = real;
    }

    @Override
    public void create(String key, ObjectSource content, Map<String, String> metadata)
        throws IOException {
      real.create(key, content, metadata);
    }

    @Override
    public InputStream open(String key) throws IOException {
      return real.open(key);
    }

    @Override
    public ObjectStat stat(String key) throws IOException {
      return real.stat(key);
    }

    @Override
    public ObjectIterator list(String prefix) throws IOException {
      ObjectIterator stored = real.list(prefix);
      if (!prefix.equals("wal/")) {
        return stored;
      }
      return new ObjectIterator() {
        private long timeline = 1;
        private long segment = -1;
        private ObjectEntry generated = advance();
        private ObjectEntry fromStore;

        private ObjectEntry advance() {
          while (true) {
            segment++;
            if (timeline == 1 && segment > TL1_LAST) {
              timeline = 2;
              segment = BRANCH_SEGMENT;
            }
            if (timeline == 2 && segment > TL2_LAST) {
              return null;
            }
            boolean lost =
                timeline == 1
                    ? segment == LOST_TL1[0] || segment == LOST_TL1[1]
                    : segment == LOST_TL2;
            if (!lost) {
              return new ObjectEntry(
                  "wal/" + WalFileName.segment(timeline, segment, SIZE).name(),
                  0,
                  T0.plusSeconds(segment));
            }
          }
        }

        @Override
        public boolean hasNext() throws IOException {
          if (fromStore == null && stored.hasNext()) {
            fromStore = stored.next();
          }
          return generated != null || fromStore != null;
        }

        @Override
        public ObjectEntry next() throws IOException {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          if (fromStore == null
              || (generated != null && generated.key().compareTo(fromStore.key()) < 0)) {
            ObjectEntry e = generated;
            generated = advance();
            return e;
          }
          ObjectEntry e = fromStore;
          fromStore = null;
          return e;
        }
      };
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
      real.delete(keys);
    }

    @Override
    public void close() throws IOException {
      real.close();
    }
  }
}
