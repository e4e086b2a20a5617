package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.maintenance.RollupJob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * Commits rows to {@code samples} in one transaction, with multi-row {@code INSERT ... ON DUPLICATE
 * KEY UPDATE} statements: a replayed sample overwrites itself with the same value, so a retry never
 * duplicates. Rows are sorted by primary key first, which keeps concurrent overlapping writes from
 * deadlocking each other; a deadlock is retried. The same transaction adds one {@code rollup_dirty}
 * row per 5-minute bucket written into, with the series written there, so the rollup job sees every
 * committed sample, late ones included.
 */
public final class SampleWriter {
  private static final int DIRTY_ROWS_PER_STATEMENT = 500;
  private final Jdbi jdbi;
  private final int rowsPerStatement;
  private final String fullInsertSql;

  public SampleWriter(Jdbi jdbi, int rowsPerStatement) {
    this.jdbi = jdbi;
    this.rowsPerStatement = rowsPerStatement;
    this.fullInsertSql = insertSql(rowsPerStatement);
  }

  /** One row of {@code samples}; a value that is not finite is stored as NULL. */
  public record Row(long seriesId, long timestamp, double value) {}

  /** Writes all rows or none; returns the number of rows written. */
  public int write(Row[] rows) throws SQLException {
    if (rows.length == 0) {
      return 0;
    }
    Row[] sorted = rows.clone();
    Arrays.sort(sorted, Comparator.comparingLong(Row::seriesId).thenComparingLong(Row::timestamp));
    return Deadlocks.retried(() -> writeOnce(sorted));
  }

  private int writeOnce(Row[] rows) throws SQLException {
    return jdbi.inTransaction(
        handle -> {
          Connection connection = handle.getConnection();
          for (int from = 0; from < rows.length; from += rowsPerStatement) {
            int count = Math.min(rowsPerStatement, rows.length - from);
            try (PreparedStatement insert =
                connection.prepareStatement(
                    count == rowsPerStatement ? fullInsertSql : insertSql(count))) {
              int position = 1;
              for (int i = from; i < from + count; i++) {
                insert.setLong(position++, rows[i].seriesId());
                insert.setLong(position++, rows[i].timestamp());
                double value = rows[i].value();
                if (Double.isFinite(value)) {
                  insert.setDouble(position++, value);
                } else {
                  insert.setNull(position++, Types.DOUBLE);
                }
              }
              insert.executeUpdate();
            }
          }
          markDirty(connection, rows);
          return rows.length;
        });
  }

  /** Rows sorted by series, then time: one rollup_dirty row per bucket with its series ids. */
  private static void markDirty(Connection connection, Row[] rows) throws SQLException {
    Map<Long, long[]> idsByBucket = new TreeMap<>();
    Map<Long, Integer> counts = new HashMap<>();
    for (Row row : rows) {
      long bucket = Math.floorDiv(row.timestamp(), RollupJob.BUCKET_MS) * RollupJob.BUCKET_MS;
      long[] ids = idsByBucket.computeIfAbsent(bucket, b -> new long[16]);
      int count = counts.getOrDefault(bucket, 0);
      if (count > 0 && ids[count - 1] == row.seriesId()) {
        continue;
      }
      if (count == ids.length) {
        ids = Arrays.copyOf(ids, count * 2);
        idsByBucket.put(bucket, ids);
      }
      ids[count] = row.seriesId();
      counts.put(bucket, count + 1);
    }
    List<Map.Entry<Long, long[]>> marks = new ArrayList<>(idsByBucket.entrySet());
    MultiRowSql.insert(
        connection,
        "INSERT INTO rollup_dirty (bucket, series_ids) VALUES ",
        "(?, ?)",
        DIRTY_ROWS_PER_STATEMENT,
        marks,
        (insert, position, mark) -> {
          insert.setLong(position, mark.getKey());
          insert.setBytes(
              position + 1, SeriesIdCodec.encode(mark.getValue(), counts.get(mark.getKey())));
          return position + 2;
        });
  }

  private static String insertSql(int rows) {
    StringBuilder sql =
        new StringBuilder(64 + rows * 10)
            .append("INSERT INTO samples (series_id, ts, value) VALUES ");
    sql.append(MultiRowSql.commaList("(?, ?, ?)", rows));
    return sql.append(" ON DUPLICATE KEY UPDATE value = VALUES(value)").toString();
  }
}
