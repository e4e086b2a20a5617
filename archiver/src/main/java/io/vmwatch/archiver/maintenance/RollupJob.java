package io.vmwatch.archiver.maintenance;

import io.vmwatch.archiver.storage.MultiRowSql;
import io.vmwatch.archiver.storage.QueryRows;
import io.vmwatch.archiver.storage.SampleWriter;
import io.vmwatch.archiver.storage.SeriesIdCodec;
import io.vmwatch.archiver.storage.SeriesIdUnion;
import io.vmwatch.archiver.storage.SeriesSamples;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.Update;

/**
 * Summarizes raw samples into 5-minute buckets of {@code samples_5m} (min, max, sum and count of
 * the finite values, and the bucket's last sample, which remote read serves once the raw samples
 * are gone). Every write transaction leaves, beside its samples, one {@code rollup_dirty} row per
 * bucket it wrote into, naming the series (see {@link SampleWriter}). A run takes the rows of the
 * completed buckets (those before the current one), recomputes exactly the named (series, bucket)
 * pairs from their raw samples with primary-key range reads, replaces their rollups and deletes the
 * rows it took. So a run reads the samples of the pairs that received data since the last run,
 * never a whole partition, and a late sample marks its bucket again, whatever its age. Recomputing
 * a pair replaces it, so a run is idempotent.
 *
 * <p>Nothing here locks what writers need: the pool runs READ COMMITTED, so the reads of {@code
 * samples} and {@code rollup_dirty} are non-locking snapshots; writers only insert new {@code
 * rollup_dirty} rows, and this job only deletes rows that were committed before it read them (a
 * sample committed after that read has its own, newer row, so it is never missed). Every statement
 * commits on its own, over at most {@value #SERIES_PER_STATEMENT} series. After each such statement
 * the job pauses as long as the statement took (at most a second), so a run leaves at least half of
 * a core's time to the writers on a small machine.
 */
public final class RollupJob {
  public static final long BUCKET_MS = 300_000L;
  private static final long SLICE_MS = 3_600_000L;
  private static final String STATE = "samples_5m";

  /** Written by the migration that introduced rollup_dirty: where the one-time catch-up starts. */
  private static final String CATCH_UP = "samples_5m_catch_up";

  /**
   * Below 1,000: MariaDB turns an IN list of 1,000 values or more into a join with a derived table
   * ({@code in_predicate_conversion_threshold}), which reads every row of each series instead of
   * the range of the bucket.
   */
  static final int SERIES_PER_STATEMENT = 500;

  /** A recomputed bucket replaces every column of the old one. */
  private static final String UPDATE_ALL =
      "min_value = VALUES(min_value), max_value = VALUES(max_value), sum_value = VALUES(sum_value),"
          + " count_value = VALUES(count_value), last_ts = VALUES(last_ts),"
          + " last_value = VALUES(last_value)";

  private static final int DIRTY_ROWS_PER_READ = 1000;

  /**
   * Dirty rows of one bucket taken by one pass; more (after an outage) are taken by the next pass.
   */
  private static final int DIRTY_ROWS_PER_PASS = 20_000;

  private final Jdbi jdbi;

  public RollupJob(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * What one run did: buckets and (series, bucket) pairs recomputed, the raw samples in those
   * pairs, the rollup_dirty rows taken, and the rows the server read for the run (its
   * Handler_read_* counters: every index and table row read, rollup_dirty and samples_5m included).
   */
  public record Result(
      long buckets, long seriesBuckets, long samplesAggregated, long dirtyRows, long rowsRead) {
    Result plus(Result other) {
      return new Result(
          buckets + other.buckets,
          seriesBuckets + other.seriesBuckets,
          samplesAggregated + other.samplesAggregated,
          dirtyRows + other.dirtyRows,
          rowsRead + other.rowsRead);
    }

    Result withRowsRead(long rows) {
      return new Result(buckets, seriesBuckets, samplesAggregated, dirtyRows, rows);
    }
  }

  /** Rolls up the dirty pairs of the completed buckets before {@code now}. */
  public Result run(Instant now) {
    long until = Math.floorDiv(now.toEpochMilli(), BUCKET_MS) * BUCKET_MS;
    return jdbi.withHandle(
        handle -> {
          long readBefore = rowsReadBySession(handle);
          catchUp(handle, until);
          Result total = new Result(0, 0, 0, 0, 0);
          List<Long> buckets =
              handle
                  .createQuery(
                      "SELECT DISTINCT bucket FROM rollup_dirty WHERE bucket < :until"
                          + " ORDER BY bucket")
                  .bind("until", until)
                  .mapTo(Long.class)
                  .list();
          for (long bucket : buckets) {
            Result pass;
            do {
              try {
                pass = rollUpBucket(handle, bucket);
              } catch (SQLException e) {
                throw new IllegalStateException(
                    "rollup of bucket " + bucket + " failed: " + e.getMessage(), e);
              }
              total = total.plus(pass);
            } while (pass.dirtyRows() >= DIRTY_ROWS_PER_PASS);
          }
          handle
              .createUpdate(
                  "INSERT INTO rollup_state (name, done_until) VALUES (:name, :until)"
                      + " ON DUPLICATE KEY UPDATE done_until = VALUES(done_until)")
              .bind("name", STATE)
              .bind("until", until)
              .execute();
          return total.withRowsRead(rowsReadBySession(handle) - readBefore);
        });
  }

  /** The rows this connection's session has read so far, by the server's handler counters. */
  private static long rowsReadBySession(Handle handle) {
    return handle
        .createQuery("SHOW SESSION STATUS LIKE 'Handler_read%'")
        .map(
            (rs, ctx) ->
                rs.getString(1).equalsIgnoreCase("Handler_read_rnd_deleted") ? 0L : rs.getLong(2))
        .list()
        .stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  /**
   * Takes up to DIRTY_ROWS_PER_PASS dirty rows of one bucket, recomputes their series, deletes the
   * rows.
   */
  private static Result rollUpBucket(Handle handle, long bucket) throws SQLException {
    SeriesIdUnion series = new SeriesIdUnion();
    long[] taken = new long[DIRTY_ROWS_PER_READ];
    int takenCount = 0;
    long afterId = Long.MIN_VALUE;
    while (takenCount < DIRTY_ROWS_PER_PASS) {
      int rows = 0;
      try (Query read =
          handle
              .createQuery(
                  "SELECT id, series_ids FROM rollup_dirty"
                      + " WHERE bucket = :bucket AND id > :after ORDER BY id LIMIT "
                      + DIRTY_ROWS_PER_READ)
              .bind("bucket", bucket)
              .bind("after", afterId)) {
        ResultSet rs = QueryRows.of(read);
        while (rs.next()) {
          afterId = rs.getLong(1);
          if (takenCount == taken.length) {
            taken = Arrays.copyOf(taken, taken.length * 2);
          }
          taken[takenCount++] = afterId;
          series.addAll(SeriesIdCodec.decode(rs.getBytes(2)));
          rows++;
        }
      }
      if (rows < DIRTY_ROWS_PER_READ) {
        break;
      }
    }
    long[] ids = series.toSortedArray();
    long samples = 0;
    long pairs = 0;
    for (int from = 0; from < ids.length; from += SERIES_PER_STATEMENT) {
      long[] chunk =
          Arrays.copyOfRange(ids, from, Math.min(ids.length, from + SERIES_PER_STATEMENT));
      long started = System.nanoTime();
      List<Aggregate> aggregates = aggregate(handle, bucket, chunk);
      for (Aggregate a : aggregates) {
        samples += a.rows();
      }
      pairs += aggregates.size();
      upsert(handle.getConnection(), aggregates);
      Pause.asLongAsStep("rollup", started);
    }
    for (int from = 0; from < takenCount; from += SERIES_PER_STATEMENT) {
      int count = Math.min(SERIES_PER_STATEMENT, takenCount - from);
      try (Update delete =
          handle.createUpdate(
              "DELETE FROM rollup_dirty WHERE id IN (" + MultiRowSql.commaList("?", count) + ")")) {
        for (int i = 0; i < count; i++) {
          delete.bind(i, taken[from + i]);
        }
        delete.execute();
      }
    }
    return new Result(takenCount == 0 ? 0 : 1, pairs, samples, takenCount, 0);
  }

  /**
   * One (series, bucket) summary; min, max and sum null when the bucket has no finite value; the
   * bucket's last raw sample (its value null when not finite).
   */
  private record Aggregate(
      long seriesId,
      long bucket,
      Double min,
      Double max,
      Double sum,
      int count,
      long rows,
      long lastTs,
      Double lastValue) {}

  /**
   * Reads the bucket's rows of the series in primary-key order (each row once, as the aggregate
   * functions would) and sums them up here, where the last sample of each series comes free.
   */
  private static List<Aggregate> aggregate(Handle handle, long bucket, long[] seriesIds)
      throws SQLException {
    List<Aggregate> result = new ArrayList<>(seriesIds.length);
    try (Query select =
        handle.createQuery(
            "SELECT series_id, ts, value FROM samples WHERE series_id IN ("
                + MultiRowSql.commaList("?", seriesIds.length)
                + ") AND ts >= ? AND ts < ? ORDER BY series_id, ts")) {
      int position = 0;
      for (long id : seriesIds) {
        select.bind(position++, id);
      }
      select.bind(position++, bucket);
      select.bind(position, bucket + BUCKET_MS);
      ResultSet rs = QueryRows.of(select);
      Summing sum = null;
      while (rs.next()) {
        long seriesId = rs.getLong(1);
        if (sum == null || sum.seriesId != seriesId) {
          if (sum != null) {
            result.add(sum.toAggregate(bucket));
          }
          sum = new Summing(seriesId);
        }
        sum.add(rs.getLong(2), nullableDouble(rs, 3));
      }
      if (sum != null) {
        result.add(sum.toAggregate(bucket));
      }
    }
    return result;
  }

  /**
   * Recomputes the given buckets of one series from its samples (time order; a value that is not
   * finite counts as the NULL of a raw row): the compaction job merging late samples into chunks,
   * whose raw rows are gone.
   */
  static void recompute(Connection connection, SeriesSamples samples, Set<Long> buckets)
      throws SQLException {
    List<Aggregate> aggregates = new ArrayList<>();
    int i = 0;
    for (long bucket : new TreeSet<>(buckets)) {
      while (i < samples.size() && samples.timestamp(i) < bucket) {
        i++;
      }
      Summing sum = new Summing(samples.seriesId());
      for (; i < samples.size() && samples.timestamp(i) < bucket + BUCKET_MS; i++) {
        sum.add(samples.timestamp(i), samples.finiteValue(i));
      }
      if (sum.rows > 0) {
        aggregates.add(sum.toAggregate(bucket));
      }
    }
    upsert(connection, aggregates);
  }

  /** The running summary of one series' rows in a bucket, in time order. */
  private static final class Summing {
    private final long seriesId;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double sum;
    private int count;
    private long rows;
    private long lastTs;
    private Double lastValue;

    Summing(long seriesId) {
      this.seriesId = seriesId;
    }

    void add(long ts, Double value) {
      rows++;
      lastTs = ts;
      lastValue = value;
      if (value != null) {
        min = Math.min(min, value);
        max = Math.max(max, value);
        sum += value;
        count++;
      }
    }

    Aggregate toAggregate(long bucket) {
      return count == 0
          ? new Aggregate(seriesId, bucket, null, null, null, 0, rows, lastTs, lastValue)
          : new Aggregate(seriesId, bucket, min, max, sum, count, rows, lastTs, lastValue);
    }
  }

  private static void upsert(Connection connection, List<Aggregate> aggregates)
      throws SQLException {
    if (aggregates.isEmpty()) {
      return;
    }
    StringBuilder sql =
        new StringBuilder(
            "INSERT INTO samples_5m (series_id, ts, min_value, max_value,"
                + " sum_value, count_value, last_ts, last_value) VALUES ");
    sql.append(MultiRowSql.commaList("(?, ?, ?, ?, ?, ?, ?, ?)", aggregates.size()));
    sql.append(" ON DUPLICATE KEY UPDATE ").append(UPDATE_ALL);
    try (PreparedStatement insert = connection.prepareStatement(sql.toString())) {
      int position = 1;
      for (Aggregate a : aggregates) {
        insert.setLong(position++, a.seriesId());
        insert.setLong(position++, a.bucket());
        setNullableDouble(insert, position++, a.min());
        setNullableDouble(insert, position++, a.max());
        setNullableDouble(insert, position++, a.sum());
        insert.setInt(position++, a.count());
        insert.setLong(position++, a.lastTs());
        setNullableDouble(insert, position++, a.lastValue());
      }
      insert.executeUpdate();
    }
  }

  /**
   * Once, after upgrading from the archiver that recomputed the last hours on every run: samples it
   * stored after its last run have no dirty row, so every bucket from the catch-up point on is
   * recomputed from the raw rows (one range read per hour), then the catch-up point is deleted.
   */
  private static void catchUp(Handle handle, long until) {
    Long from =
        handle
            .createQuery("SELECT done_until FROM rollup_state WHERE name = :name")
            .bind("name", CATCH_UP)
            .mapTo(Long.class)
            .findOne()
            .orElse(null);
    if (from == null) {
      return;
    }
    long start = Math.floorDiv(from, BUCKET_MS) * BUCKET_MS;
    for (long sliceStart = start; sliceStart < until; sliceStart += SLICE_MS) {
      rollup(handle, sliceStart, Math.min(until, sliceStart + SLICE_MS));
    }
    handle
        .createUpdate("DELETE FROM rollup_state WHERE name = :name")
        .bind("name", CATCH_UP)
        .execute();
  }

  /**
   * Recomputes every bucket of [from, to) from all raw rows of the range; both multiples of the
   * bucket width.
   */
  public static int rollup(Handle handle, long from, long to) {
    return handle
        .createUpdate(
            "INSERT INTO samples_5m (series_id, ts, min_value, max_value, sum_value, count_value,"
                + " last_ts, last_value) SELECT a.series_id, a.bucket, a.min_value, a.max_value,"
                + " a.sum_value, a.count_value, a.last_ts, s.value FROM (SELECT series_id, ts - MOD(ts, "
                + BUCKET_MS
                + ") AS bucket, MIN(value) AS min_value, MAX(value) AS max_value,"
                + " SUM(value) AS sum_value, COUNT(value) AS count_value, MAX(ts) AS last_ts"
                + " FROM samples WHERE ts >= :from AND ts < :to GROUP BY series_id, bucket) a"
                + " JOIN samples s ON s.series_id = a.series_id AND s.ts = a.last_ts"
                + " AND s.ts >= :from AND s.ts < :to"
                + " ON DUPLICATE KEY UPDATE "
                + UPDATE_ALL)
        .bind("from", from)
        .bind("to", to)
        .execute();
  }

  private static Double nullableDouble(ResultSet rs, int column) throws SQLException {
    double value = rs.getDouble(column);
    return rs.wasNull() ? null : value;
  }

  private static void setNullableDouble(PreparedStatement statement, int position, Double value)
      throws SQLException {
    if (value == null) {
      statement.setNull(position, Types.DOUBLE);
    } else {
      statement.setDouble(position, value);
    }
  }
}
