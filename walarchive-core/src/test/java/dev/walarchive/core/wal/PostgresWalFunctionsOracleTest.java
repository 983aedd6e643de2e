package dev.walarchive.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.walarchive.core.testing.PostgresServer;
import java.math.BigInteger;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Lsn} and {@link WalFileName} arithmetic against PostgreSQL itself as the oracle, for
 * clusters created with {@code initdb --wal-segsize} 1, 16 and 64.
 *
 * <p>What PostgreSQL's functions mean ({@code xlogfuncs.c}):
 *
 * <ul>
 *   <li>{@code pg_walfile_name(lsn)}, up to PostgreSQL 16, names the segment holding the byte
 *       <em>before</em> {@code lsn} ({@code XLByteToPrevSeg}): at a segment boundary it is the
 *       previous segment, and for 0/0 it wraps around to the very last segment. That is {@link
 *       WalFileName#ofEndLsn}. Later sources use {@code XLByteToSeg}, the segment holding the byte
 *       <em>at</em> {@code lsn}: {@link WalFileName#ofLsn}. The test expects what the running
 *       server's version does.
 *   <li>{@code pg_walfile_name_offset(lsn)} returns that same file name but the offset of {@code
 *       lsn} itself ({@code XLogSegmentOffset}), so up to 16, at a boundary, it says "previous
 *       segment, offset 0".
 *   <li>{@code pg_wal_lsn_diff(a, b)} is {@code a - b} as an exact numeric; {@link Lsn#minus}
 *       equals it whenever it fits in a {@code long} and throws otherwise.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresWalFunctionsOracleTest {
  private static final int[] SEGMENT_SIZES_MB = {1, 16, 64};
  private static final int RANDOM_LSNS = 1200;
  private static final int BOUNDARY_LSNS = 1200;
  private static final long SEED = Long.getLong("walarchive.test.seed", 20261121L);

  private final Map<Integer, PostgresServer> servers = new LinkedHashMap<>();

  @BeforeAll
  void startClusters() throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(SEGMENT_SIZES_MB.length);
    try {
      Map<Integer, Future<PostgresServer>> futures = new LinkedHashMap<>();
      for (int mb : SEGMENT_SIZES_MB) {
        futures.put(mb, executor.submit(() -> PostgresServer.initdb(mb).start()));
      }
      for (Map.Entry<Integer, Future<PostgresServer>> e : futures.entrySet()) {
        servers.put(e.getKey(), e.getValue().get());
      }
    } finally {
      executor.shutdown();
    }
  }

  @AfterAll
  void stopClusters() throws Exception {
    for (PostgresServer server : servers.values()) {
      server.close();
    }
  }

  @ParameterizedTest(name = "--wal-segsize={0}")
  @ValueSource(ints = {1, 16, 64})
  void clusterHasTheRequestedSegmentSize(int mb) throws Exception {
    PostgresServer pg = servers.get(mb);
    String bytes =
        pg.queryOne(
            "SELECT setting::bigint * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024"
                + " WHEN 'MB' THEN 1048576 END FROM pg_settings WHERE name = 'wal_segment_size'");
    assertThat(WalSegmentSize.of(Long.parseLong(bytes))).isEqualTo(WalSegmentSize.ofMegabytes(mb));
  }

  @ParameterizedTest(name = "--wal-segsize={0}")
  @ValueSource(ints = {1, 16, 64})
  void segmentNamesOffsetsAndDifferencesAgreeWithPostgres(int mb) throws Exception {
    PostgresServer pg = servers.get(mb);
    WalSegmentSize size = WalSegmentSize.ofMegabytes(mb);
    long timeline = Long.parseLong(pg.queryOne("SELECT timeline_id FROM pg_control_checkpoint()"));
    boolean namesTheByteBefore = Integer.parseInt(pg.queryOne("SHOW server_version_num")) < 170000;
    SplittableRandom random = new SplittableRandom(SEED + mb);
    List<Lsn> lsns = new ArrayList<>();
    List<Lsn> others = new ArrayList<>();
    for (int i = 0; i < RANDOM_LSNS; i++) {
      Lsn lsn = Lsn.of(random.nextLong());
      lsns.add(lsn);
      // half the partners anywhere (differences often overflow a long), half close by
      others.add(i % 2 == 0 ? Lsn.of(random.nextLong()) : near(lsn, random));
    }
    for (int i = 0; i < BOUNDARY_LSNS; i++) {
      Lsn lsn = nearBoundary(size, random);
      lsns.add(lsn);
      others.add(i % 2 == 0 ? nearBoundary(size, random) : Lsn.of(random.nextLong()));
    }
    for (long edge : new long[] {0, 1, -1, -2, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32}) {
      lsns.add(Lsn.of(edge));
      others.add(Lsn.of(0));
      lsns.add(Lsn.of(edge));
      others.add(Lsn.of(-1));
    }

    List<Row> rows = queryPostgres(pg, lsns, others);

    assertThat(rows).hasSize(lsns.size());
    int boundaries = 0;
    int overflows = 0;
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      Lsn lsn = lsns.get(i);
      Lsn other = others.get(i);
      String context = "lsn " + lsn + " (vs " + other + "), segment size " + mb + " MiB";

      assertThat(row.lsnText).as("PostgreSQL's text form of %s", context).isEqualTo(lsn.toString());
      assertThat(Lsn.parse(row.lsnText)).as(context).isEqualTo(lsn);

      WalFileName expectedName;
      if (!namesTheByteBefore) {
        expectedName = WalFileName.ofLsn(timeline, lsn, size);
      } else if (lsn.equals(Lsn.ZERO)) {
        expectedName = WalFileName.ofLsn(timeline, Lsn.of(-1), size); // wraps around at 0/0
      } else {
        expectedName = WalFileName.ofEndLsn(timeline, lsn, size);
      }
      assertThat(row.walfileName)
          .as("pg_walfile_name of %s", context)
          .isEqualTo(expectedName.name());
      WalFileName parsed = WalFileName.parse(row.walfileName);
      assertThat(parsed.timeline()).isEqualTo(timeline);
      if (lsn.segmentOffset(size) != 0) {
        assertThat(row.walfileName)
            .as(context)
            .isEqualTo(WalFileName.ofLsn(timeline, lsn, size).name())
            .isEqualTo(WalFileName.ofEndLsn(timeline, lsn, size).name());
        assertThat(parsed.segmentNumber(size)).as(context).isEqualTo(lsn.segmentNumber(size));
      } else {
        boundaries++;
        long previous =
            lsn.segmentNumber(size) == 0 ? size.segmentCount() - 1 : lsn.segmentNumber(size) - 1;
        assertThat(parsed.segmentNumber(size))
            .as(context)
            .isEqualTo(namesTheByteBefore ? previous : lsn.segmentNumber(size));
      }

      assertThat(row.offsetFileName)
          .as("pg_walfile_name_offset of %s", context)
          .isEqualTo(expectedName.name());
      assertThat((long) row.offset)
          .as("pg_walfile_name_offset of %s", context)
          .isEqualTo(lsn.segmentOffset(size));
      assertThat(Lsn.ofSegment(lsn.segmentNumber(size), lsn.segmentOffset(size), size))
          .isEqualTo(lsn);

      BigInteger difference = new BigInteger(row.difference);
      if (difference.bitLength() < 64) {
        assertThat(lsn.minus(other))
            .as("pg_wal_lsn_diff %s", context)
            .isEqualTo(difference.longValueExact());
        assertThat(other.plus(lsn.minus(other))).as(context).isEqualTo(lsn);
      } else {
        overflows++;
        assertThatThrownBy(() -> lsn.minus(other))
            .as(context)
            .isInstanceOf(ArithmeticException.class);
      }
    }
    assertThat(boundaries).as("LSNs exactly at a segment boundary").isGreaterThan(100);
    assertThat(overflows).as("differences beyond a long").isGreaterThan(100);
  }

  private static Lsn near(Lsn lsn, SplittableRandom random) {
    long delta = random.nextLong(-(1L << 40), 1L << 40);
    try {
      return lsn.plus(delta);
    } catch (ArithmeticException e) {
      return lsn;
    }
  }

  /** An LSN at, just before or just after a segment or xlogid boundary. */
  private static Lsn nearBoundary(WalSegmentSize size, SplittableRandom random) {
    long unit = random.nextInt(4) == 0 ? 1L << 32 : size.bytes();
    long boundary = random.nextLong() & -unit;
    long delta;
    switch (random.nextInt(4)) {
      case 0:
        delta = 0;
        break;
      case 1:
        delta = random.nextInt(1, 3);
        break;
      case 2:
        delta = -random.nextInt(1, 3);
        break;
      default:
        delta = random.nextInt(-8192, 8192);
        break;
    }
    return Lsn.of(boundary + delta);
  }

  private record Row(
      String lsnText, String walfileName, String offsetFileName, int offset, String difference) {}

  private static List<Row> queryPostgres(PostgresServer pg, List<Lsn> lsns, List<Lsn> others)
      throws Exception {
    String sql =
        "SELECT t.l::text, pg_walfile_name(t.l), o.file_name, o.file_offset,"
            + " pg_wal_lsn_diff(t.l, t.r)::text"
            + " FROM unnest(?::text[]::pg_lsn[], ?::text[]::pg_lsn[]) WITH ORDINALITY AS t(l, r, i)"
            + " CROSS JOIN LATERAL pg_walfile_name_offset(t.l) AS o"
            + " ORDER BY t.i";
    try (Connection connection = pg.connect();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      Array left = connection.createArrayOf("text", lsns.stream().map(Lsn::toString).toArray());
      Array right = connection.createArrayOf("text", others.stream().map(Lsn::toString).toArray());
      statement.setArray(1, left);
      statement.setArray(2, right);
      List<Row> rows = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new Row(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getInt(4),
                  rs.getString(5)));
        }
      }
      return rows;
    }
  }
}
