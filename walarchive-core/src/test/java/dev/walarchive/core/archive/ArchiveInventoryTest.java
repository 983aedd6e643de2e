package dev.walarchive.core.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.walarchive.core.wal.Lsn;
import dev.walarchive.core.wal.WalFileName;
import dev.walarchive.core.wal.WalSegmentSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArchiveInventoryTest {
  private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(64);
  private static final Instant T0 = Instant.parse("2026-11-20T10:00:00.123456789Z");

  /** Random files of every kind across timelines and xlogid boundaries, in random order. */
  private static List<ArchiveInventory.Entry> randomFiles(long seed, int count) {
    Random random = new Random(seed);
    List<ArchiveInventory.Entry> files = new ArrayList<>();
    java.util.Set<WalFileName> seen = new java.util.HashSet<>();
    long perId = SIZE.segmentsPerXLogId();
    for (int i = 0; i < count; i++) {
      long timeline = 1 + random.nextInt(4);
      long segment = random.nextInt(3) * perId + random.nextInt((int) perId);
      WalFileName segmentName = WalFileName.segment(timeline, segment, SIZE);
      WalFileName name =
          switch (random.nextInt(10)) {
            case 0 -> WalFileName.parse(segmentName.name() + ".partial");
            case 1 ->
                WalFileName.backupHistory(
                    timeline, Lsn.ofSegment(segment, 0x28 * (1 + random.nextInt(3)), SIZE), SIZE);
            case 2 -> WalFileName.timelineHistory(1 + timeline);
            default -> segmentName;
          };
      if (seen.add(name)) {
        files.add(
            new ArchiveInventory.Entry(
                name, random.nextInt(1 << 20), T0.plusNanos(random.nextLong() >>> 20)));
      }
    }
    Collections.shuffle(files, random);
    return files;
  }

  @Test
  void entriesAreEveryFileInNameOrder() {
    qt().withExamples(200)
        .forAll(longs().between(0, Long.MAX_VALUE), integers().between(0, 300))
        .checkAssert(
            (seed, count) -> {
              List<ArchiveInventory.Entry> files = randomFiles(seed, count);
              ArchiveInventory inventory = new ArchiveInventory(files, List.of("wal/x"), SIZE);
              List<ArchiveInventory.Entry> expected = new ArrayList<>(files);
              expected.sort(Comparator.comparing(ArchiveInventory.Entry::name));
              assertThat(inventory.entries()).containsExactlyElementsOf(expected);
              assertThat(inventory.entries()).hasSize(expected.size());
              for (int i = 0; i < expected.size(); i++) {
                assertThat(inventory.entries().get(i)).isEqualTo(expected.get(i));
                assertThat(inventory.contains(expected.get(i).name())).isTrue();
              }
              for (WalFileName.Kind kind : WalFileName.Kind.values()) {
                assertThat(inventory.files(kind))
                    .containsExactlyElementsOf(
                        expected.stream()
                            .map(ArchiveInventory.Entry::name)
                            .filter(n -> n.kind() == kind)
                            .toList());
              }
              assertThat(inventory.unrecognizedKeys()).containsExactly("wal/x");
            });
  }

  @Test
  void missingSegmentsAndCountsAgreeWithLookingUpEachSegment() {
    qt().withExamples(200)
        .forAll(
            longs().between(0, Long.MAX_VALUE),
            integers().between(0, 300),
            integers().between(0, 3 * 64),
            integers().between(0, 3 * 64))
        .checkAssert(
            (seed, count, a, length) -> {
              List<ArchiveInventory.Entry> files = randomFiles(seed, count);
              ArchiveInventory inventory = new ArchiveInventory(files, List.of(), SIZE);
              long first = a;
              long last = a + length;
              for (long t = 1; t <= 4; t++) {
                List<long[]> expected = new ArrayList<>();
                long present = 0;
                for (long s = first; s <= last; s++) {
                  if (inventory.contains(WalFileName.segment(t, s, SIZE))) {
                    present++;
                  } else if (!expected.isEmpty() && expected.get(expected.size() - 1)[1] == s - 1) {
                    expected.get(expected.size() - 1)[1] = s;
                  } else {
                    expected.add(new long[] {s, s});
                  }
                }
                assertThat(inventory.countSegments(t, first, last)).isEqualTo(present);
                assertThat(inventory.missingSegments(t, first, last))
                    .usingElementComparator(java.util.Arrays::compare)
                    .containsExactlyElementsOf(expected);
              }
            });
  }

  @Test
  void summariesAgreeWithTheSortedSegments() {
    qt().withExamples(200)
        .forAll(longs().between(0, Long.MAX_VALUE), integers().between(1, 300))
        .checkAssert(
            (seed, count) -> {
              List<ArchiveInventory.Entry> files = randomFiles(seed, count);
              ArchiveInventory inventory = new ArchiveInventory(files, List.of(), SIZE);
              for (ArchiveInventory.TimelineSummary t : inventory.timelines()) {
                List<ArchiveInventory.Entry> segments =
                    files.stream()
                        .filter(e -> e.name().kind() == WalFileName.Kind.SEGMENT)
                        .filter(e -> e.name().timeline() == t.timeline())
                        .sorted(Comparator.comparing(ArchiveInventory.Entry::name))
                        .toList();
                assertThat(t.segments()).isEqualTo(segments.size());
                assertThat(t.storedBytes())
                    .isEqualTo(
                        segments.stream().mapToLong(ArchiveInventory.Entry::storedSize).sum());
                assertThat(t.newest()).contains(segments.get(segments.size() - 1));
                long missing = t.gaps().stream().mapToLong(ArchiveInventory.Gap::count).sum();
                long span =
                    segments.get(segments.size() - 1).name().segmentNumber(SIZE)
                        - segments.get(0).name().segmentNumber(SIZE)
                        + 1;
                assertThat(missing + segments.size()).isEqualTo(span);
                assertThat(t.ranges()).hasSize(t.gaps().size() + 1);
              }
            });
  }

  @Test
  void aBuilderFedOutOfOrderSortsAndCannotBeReused() {
    ArchiveInventory.Builder builder = ArchiveInventory.builder(SIZE);
    builder.add(WalFileName.segment(1, 5, SIZE), 1, T0);
    builder.add(WalFileName.segment(1, 3, SIZE), 2, T0);
    ArchiveInventory inventory = builder.build();
    assertThat(inventory.entries())
        .extracting(e -> e.name().name())
        .containsExactly("000000010000000000000003", "000000010000000000000005");
    assertThat(inventory.newestSegment().orElseThrow().storedSize()).isEqualTo(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class);
  }
}
