package dev.walarchive.core.wal;

import static dev.walarchive.core.testing.Properties.anyInt;
import static dev.walarchive.core.testing.Properties.anyLong;
import static dev.walarchive.core.testing.Properties.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.walarchive.core.testing.Properties;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class SegmentHeaderTest {
  private static final int[][] KNOWN = {
    {0xD07E, 9}, {0xD087, 9}, {0xD093, 9}, {0xD097, 10}, {0xD098, 11}, {0xD101, 12},
    {0xD106, 13}, {0xD10D, 14}, {0xD110, 15}, {0xD113, 16}, {0xD116, 17}, {0xD118, 18}
  };

  /** The fields of a header, written as PostgreSQL lays them out on x86-64. */
  record Fields(
      int magic,
      int info,
      long timeline,
      long pageAddress,
      int remLen,
      long sysid,
      long segSize,
      long blockSize) {

    byte[] bytes(int length) {
      ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      b.putShort(0, (short) magic);
      b.putShort(2, (short) info);
      b.putInt(4, (int) timeline);
      b.putLong(8, pageAddress);
      b.putInt(16, remLen);
      b.putInt(20, 0xDEADBEEF); // padding: anything
      b.putLong(24, sysid);
      b.putInt(32, (int) segSize);
      b.putInt(36, (int) blockSize);
      return b.array();
    }
  }

  record Valid(Fields fields, int majorVersion, WalFileName name) {}

  static Gen<Valid> valid() {
    Gen<int[]> versions = Generate.pick(List.of(KNOWN));
    Gen<Integer> infos = Properties.oneOf(0x2, 0x3, 0x6, 0x7);
    Gen<Long> timelines = WalGens.timelines();
    Gen<WalGens.SizedSegment> segments = WalGens.sizedSegments();
    Gen<Integer> remLens = anyInt();
    Gen<Long> sysids = anyLong();
    Gen<Integer> blockShifts = integers().between(10, 16);
    Gen<Integer> nameTimelineSteps = integers().between(0, 3);
    return in -> {
      int[] version = versions.generate(in);
      int info = infos.generate(in);
      long timeline = timelines.generate(in);
      WalGens.SizedSegment segment = segments.generate(in);
      int remLen = remLens.generate(in);
      long sysid = sysids.generate(in);
      int blockShift = blockShifts.generate(in);
      int nameTimelineStep = nameTimelineSteps.generate(in);
      long pageAddress = Lsn.ofSegment(segment.segmentNumber(), 0, segment.size()).value();
      Fields fields =
          new Fields(
              version[0],
              info,
              timeline,
              pageAddress,
              remLen,
              sysid,
              segment.size().bytes(),
              1L << blockShift);
      long nameTimeline = Math.min(0xFFFFFFFFL, timeline + nameTimelineStep);
      WalFileName name = WalFileName.segment(nameTimeline, segment.segmentNumber(), segment.size());
      return new Valid(fields, version[1], name);
    };
  }

  /** Any 16-bit magic, with the neighbours of every known one mixed in. */
  static Gen<Short> magics() {
    List<Short> near = new ArrayList<>();
    for (int[] known : KNOWN) {
      near.add((short) (known[0] - 1));
      near.add((short) (known[0] + 1));
      near.add(Short.reverseBytes((short) known[0]));
    }
    near.addAll(List.of((short) 0, (short) -1, Short.MIN_VALUE, Short.MAX_VALUE));
    return Generate.oneOf(
        integers().between(Short.MIN_VALUE, Short.MAX_VALUE).map(i -> (short) (int) i),
        Generate.pick(near));
  }

  @Test
  void readsEveryFieldAsWritten() {
    qt().withExamples(1000)
        .forAll(valid())
        .checkAssert(
            v -> {
              Fields f = v.fields();
              SegmentHeader header = SegmentHeader.parse(f.bytes(SegmentHeader.LENGTH + 100));
              assertThat(header.magic()).isEqualTo(f.magic());
              assertThat(header.postgresMajorVersion()).isEqualTo(v.majorVersion());
              assertThat(header.timeline()).isEqualTo(f.timeline());
              assertThat(header.pageAddress()).isEqualTo(Lsn.of(f.pageAddress()));
              assertThat(header.systemIdentifier()).isEqualTo(f.sysid());
              assertThat(header.segmentSize().bytes()).isEqualTo(f.segSize());
              assertThat(header.blockSize()).isEqualTo(f.blockSize());
              assertThat(header.segmentNumber())
                  .isEqualTo(v.name().segmentNumber(header.segmentSize()));
              assertThat(SegmentHeader.parse(f.bytes(SegmentHeader.LENGTH))).isEqualTo(header);
            });
  }

  @Test
  void matchesItsOwnSegmentAndNoOther() {
    qt().withExamples(1000)
        .forAll(valid(), anyLong())
        .checkAssert(
            (v, otherSegment) -> {
              SegmentHeader header = SegmentHeader.parse(v.fields().bytes(SegmentHeader.LENGTH));
              WalFileName name = v.name();
              header.checkMatches(name);
              header.checkMatches(WalFileName.parse(name.name() + ".partial"));

              WalSegmentSize size = header.segmentSize();
              long other = Math.floorMod(otherSegment, size.segmentCount());
              if (other != name.segmentNumber(size)) {
                WalFileName wrong = WalFileName.segment(name.timeline(), other, size);
                assertThatThrownBy(() -> header.checkMatches(wrong))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(
                        "file " + wrong.name() + " holds WAL for " + header.pageAddress())
                    .hasMessageContaining("on timeline " + header.timeline());
              }
              if (header.timeline() > 1) {
                WalFileName older =
                    WalFileName.segment(header.timeline() - 1, name.segmentNumber(size), size);
                assertThatThrownBy(() -> header.checkMatches(older))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(older.name());
              }
            });
  }

  @Test
  void explainsAMismatchWithTheNameAndWhatTheFileHolds() {
    byte[] bytes =
        new Fields(0xD110, 0x2, 1, 0x2000000L, 0, 7300000000000000000L, 16 << 20, 8192)
            .bytes(SegmentHeader.LENGTH);
    SegmentHeader header = SegmentHeader.parse(bytes);
    assertThat(header.postgresVersion()).isEqualTo("15");
    assertThatThrownBy(() -> header.checkMatches(WalFileName.parse("000000010000000000000003")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file 000000010000000000000003 holds WAL for 0/2000000 on timeline 1")
        .hasMessageContaining("its name says 0/3000000 on timeline 1");
    // a segment field that cannot exist with the header's segment size
    SegmentHeader oneGib =
        SegmentHeader.parse(
            new Fields(0xD110, 0x2, 1, 0, 0, 1, 1L << 30, 8192).bytes(SegmentHeader.LENGTH));
    assertThatThrownBy(() -> oneGib.checkMatches(WalFileName.parse("000000010000000000000010")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("000000010000000000000010");
    assertThatThrownBy(() -> header.checkMatches(WalFileName.parse("00000001.history")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                header.checkMatches(WalFileName.parse("000000010000000000000002.00000028.backup")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            SegmentHeader.parse(
                    new Fields(0xD093, 0x2, 1, 0, 0, 1, 16 << 20, 8192).bytes(SegmentHeader.LENGTH))
                .postgresVersion())
        .isEqualTo("9.6");
  }

  @Test
  void rejectsUnknownMagicNamingIt() {
    qt().withExamples(1000)
        .forAll(valid(), magics())
        .checkAssert(
            (v, magic) -> {
              int m = Short.toUnsignedInt(magic);
              if (Arrays.stream(KNOWN).anyMatch(k -> k[0] == m)) {
                return;
              }
              Fields f = v.fields();
              Fields bad =
                  new Fields(
                      m,
                      f.info(),
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      f.blockSize());
              assertThatThrownBy(() -> SegmentHeader.parse(bad.bytes(SegmentHeader.LENGTH)))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining(String.format("0x%04X", m));
            });
  }

  static Gen<Fields> corrupted() {
    return valid()
        .zip(
            integers().between(0, 9),
            anyLong(),
            (v, how, r) -> {
              Fields f = v.fields();
              switch (how) {
                case 0: // a short page header (not the first page of a segment)
                  return new Fields(
                      f.magic(),
                      f.info() & ~0x2,
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      f.blockSize());
                case 1: // unknown info bits
                  return new Fields(
                      f.magic(),
                      f.info() | (0x8 << Math.floorMod(r, 12)),
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      f.blockSize());
                case 2:
                  return new Fields(
                      f.magic(),
                      f.info(),
                      0,
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      f.blockSize());
                case 3: // not a power of two
                  return new Fields(
                      f.magic(),
                      f.info(),
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize() + 1 + Math.floorMod(r, 1000),
                      f.blockSize());
                case 4: // too small or too large a segment
                  return new Fields(
                      f.magic(),
                      f.info(),
                      f.timeline(),
                      0,
                      0,
                      f.sysid(),
                      (r & 1) == 0 ? 1L << 19 : 1L << 31,
                      f.blockSize());
                case 5: // page address inside a segment
                  return new Fields(
                      f.magic(),
                      f.info(),
                      f.timeline(),
                      f.pageAddress() + 8192 * (1 + Math.floorMod(r, 100)),
                      0,
                      f.sysid(),
                      f.segSize(),
                      f.blockSize());
                case 6:
                  return new Fields(
                      f.magic(),
                      f.info(),
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      1000);
                case 7:
                  return new Fields(
                      f.magic(),
                      f.info(),
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      1L << 17);
                case 8:
                  return new Fields(
                      f.magic(),
                      f.info(),
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      0);
                default: // a byte-swapped (big-endian) header
                  return new Fields(
                      Short.toUnsignedInt(Short.reverseBytes((short) f.magic())),
                      f.info(),
                      f.timeline(),
                      f.pageAddress(),
                      0,
                      f.sysid(),
                      f.segSize(),
                      f.blockSize());
              }
            });
  }

  @Test
  void rejectsCorruptedHeaders() {
    qt().withExamples(1000)
        .forAll(corrupted())
        .checkAssert(
            fields -> {
              assertThatThrownBy(() -> SegmentHeader.parse(fields.bytes(SegmentHeader.LENGTH)))
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("WAL");
            });
  }

  @Test
  void rejectsShortInput() {
    assertThatThrownBy(() -> SegmentHeader.parse(new byte[SegmentHeader.LENGTH - 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("39 bytes");
    assertThatThrownBy(() -> SegmentHeader.parse(new byte[8192]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0x0000");
  }

  @Test
  void constructorChecksConsistency() {
    assertThatThrownBy(
            () -> new SegmentHeader(0xD110, 16, 1, Lsn.ZERO, 1, WalSegmentSize.DEFAULT, 8192))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PostgreSQL 15");
    assertThat(
            new SegmentHeader(0xD110, 15, 1, Lsn.ZERO, 1, WalSegmentSize.DEFAULT, 8192).timeline())
        .isEqualTo(1);
  }
}
