import io.vmwatch.archiver.storage.Database;
import io.vmwatch.archiver.storage.QueryRows;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.Update;

/**
 * The archiver's bulk statements several ways on the same Jdbi handle: through the handle's JDBC
 * statement, binding and reading primitive values (as {@code SampleWriter} writes), through Jdbi's
 * own binding ({@code Update.bind}) and row mapping ({@code Query.map} with a row mapper), and, for
 * the reads, through a Jdbi {@code Query} whose rows are read as primitives in a plain loop ({@code
 * QueryRows}, as {@code RemoteReader} and the maintenance jobs read). Writes: ROWS raw samples in
 * multi-row INSERTs of 2,000 rows, one transaction, into the archiver's {@code samples} table
 * (emptied before each). Reads: the same rows streamed back in key order, in one SELECT and in one
 * SELECT per series. Each run measures every variant once, in an order that turns from run to run;
 * it prints the median time and the median bytes allocated by the measuring thread, per row, and
 * their ratio to the JDBC statement.
 *
 * <p>usage: DbApi JDBC_URL USER ROWS RUNS (the password in $VMWATCH_DB_PASSWORD)
 */
public final class DbApi {
  private static final int ROWS_PER_STATEMENT = 2000;
  private static final int SAMPLES_PER_SERIES = 240;
  private static final String SELECT =
      "SELECT series_id, ts, value FROM samples ORDER BY series_id, ts";
  private static final String SELECT_SERIES =
      "SELECT ts, value FROM samples WHERE series_id = ? ORDER BY ts";

  private record Row(long seriesId, long timestamp, double value) {}

  /** One measured call: its time and the bytes the calling thread allocated. */
  private record Measure(double millis, double bytesPerRow) {}

  private interface Body {
    long run(Handle handle) throws SQLException;
  }

  /** What the reads sum up, kept so that no read is optimised away. */
  private static volatile long checksum;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      throw new IllegalArgumentException("usage: DbApi JDBC_URL USER ROWS RUNS");
    }
    int rowCount = Integer.parseInt(args[2]);
    int runs = Integer.parseInt(args[3]);
    Row[] rows = rows(rowCount);
    try (Database database =
        new Database(args[0], args[1], System.getenv("VMWATCH_DB_PASSWORD"), 2)) {
      if (!database.migrate()) {
        throw new IllegalStateException("the archiver's schema could not be created");
      }
      Jdbi jdbi = database.jdbi();
      Map<String, Body> writes = new LinkedHashMap<>();
      writes.put("write, JDBC statement", handle -> insertWithStatement(handle, rows));
      writes.put("write, Jdbi Update.bind", handle -> insertWithJdbi(handle, rows));
      Map<String, Body> reads = new LinkedHashMap<>();
      reads.put("read, JDBC statement", DbApi::readWithStatement);
      reads.put("read, Jdbi Query.map", DbApi::readWithJdbi);
      reads.put("read, Jdbi Query, QueryRows loop", DbApi::readWithQueryRows);
      reads.put("read, JDBC prepared statement, the QueryRows loop", DbApi::readWithStatementLoop);
      int seriesCount = (rowCount + SAMPLES_PER_SERIES - 1) / SAMPLES_PER_SERIES;
      reads.put(
          "read by series, one JDBC statement executed again",
          handle -> readSeriesWithStatement(handle, seriesCount));
      reads.put(
          "read by series, a Jdbi Query each", handle -> readSeriesWithJdbi(handle, seriesCount));
      reads.put(
          "read by series, a Jdbi Query each, QueryRows loop",
          handle -> readSeriesWithQueryRows(handle, seriesCount));
      Map<String, List<Measure>> measures = new LinkedHashMap<>();
      for (int run = 0; run < runs; run++) {
        System.err.printf(Locale.ROOT, "run %d of %d%n", run + 1, runs);
        for (Map.Entry<String, Body> write : turned(writes, run)) {
          jdbi.useHandle(handle -> handle.execute("TRUNCATE TABLE samples"));
          measures
              .computeIfAbsent(write.getKey(), k -> new ArrayList<>())
              .add(measure(jdbi, write.getValue(), rowCount));
        }
        for (Map.Entry<String, Body> read : turned(reads, run)) {
          measures
              .computeIfAbsent(read.getKey(), k -> new ArrayList<>())
              .add(measure(jdbi, read.getValue(), rowCount));
        }
      }
      print(measures, rowCount, runs);
    }
  }

  /** The entries in turned order: run 0 as given, run 1 rotated by one, and so on. */
  private static List<Map.Entry<String, Body>> turned(Map<String, Body> bodies, int run) {
    List<Map.Entry<String, Body>> entries = new ArrayList<>(bodies.entrySet());
    java.util.Collections.rotate(entries, run);
    return entries;
  }

  private static Measure measure(Jdbi jdbi, Body body, int rowCount) throws SQLException {
    return jdbi.inTransaction(
        handle -> {
          long thread = Thread.currentThread().getId();
          long allocatedBefore = THREADS.getThreadAllocatedBytes(thread);
          long start = System.nanoTime();
          long done = body.run(handle);
          double millis = (System.nanoTime() - start) / 1e6;
          long allocated = THREADS.getThreadAllocatedBytes(thread) - allocatedBefore;
          if (done != rowCount) {
            throw new IllegalStateException(done + " rows instead of " + rowCount);
          }
          return new Measure(millis, (double) allocated / rowCount);
        });
  }

  private static Row[] rows(int count) {
    SplittableRandom random = new SplittableRandom(42);
    Row[] rows = new Row[count];
    long start = 1_790_000_000_000L;
    for (int i = 0; i < count; i++) {
      long series = 1 + i / SAMPLES_PER_SERIES;
      long timestamp = start + (i % SAMPLES_PER_SERIES) * 15_000L;
      double value = i % 97 == 0 ? Double.NaN : Math.floor(random.nextDouble() * 1e6) / 100;
      rows[i] = new Row(series, timestamp, value);
    }
    return rows;
  }

  private static String insertSql(int count) {
    StringBuilder sql = new StringBuilder("INSERT INTO samples (series_id, ts, value) VALUES ");
    for (int i = 0; i < count; i++) {
      sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
    }
    return sql.append(" ON DUPLICATE KEY UPDATE value = VALUES(value)").toString();
  }

  private static long insertWithStatement(Handle handle, Row[] rows) throws SQLException {
    Connection connection = handle.getConnection();
    long written = 0;
    for (int from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
      int count = Math.min(ROWS_PER_STATEMENT, rows.length - from);
      try (PreparedStatement insert = connection.prepareStatement(insertSql(count))) {
        int position = 1;
        for (int i = from; i < from + count; i++) {
          insert.setLong(position++, rows[i].seriesId());
          insert.setLong(position++, rows[i].timestamp());
          if (Double.isFinite(rows[i].value())) {
            insert.setDouble(position++, rows[i].value());
          } else {
            insert.setNull(position++, Types.DOUBLE);
          }
        }
        written += insert.executeUpdate();
      }
    }
    return written;
  }

  private static long insertWithJdbi(Handle handle, Row[] rows) {
    long written = 0;
    for (int from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
      int count = Math.min(ROWS_PER_STATEMENT, rows.length - from);
      try (Update insert = handle.createUpdate(insertSql(count))) {
        int position = 0;
        for (int i = from; i < from + count; i++) {
          insert.bind(position++, rows[i].seriesId());
          insert.bind(position++, rows[i].timestamp());
          if (Double.isFinite(rows[i].value())) {
            insert.bind(position++, rows[i].value());
          } else {
            insert.bindNull(position++, Types.DOUBLE);
          }
        }
        written += insert.execute();
      }
    }
    return written;
  }

  private static long readWithStatement(Handle handle) throws SQLException {
    long sum = 0;
    long read = 0;
    try (PreparedStatement select = streamingSelect(handle, SELECT)) {
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          sum += rs.getLong(1) + rs.getLong(2) + (long) rs.getDouble(3);
          read++;
        }
      }
    }
    checksum += sum;
    return read;
  }

  private static long readWithJdbi(Handle handle) {
    long[] sumAndRead = new long[2];
    handle
        .createQuery(SELECT)
        .setFetchSize(Integer.MIN_VALUE)
        .map((rs, ctx) -> new Row(rs.getLong(1), rs.getLong(2), rs.getDouble(3)))
        .forEach(
            row -> {
              sumAndRead[0] += row.seriesId() + row.timestamp() + (long) row.value();
              sumAndRead[1]++;
            });
    checksum += sumAndRead[0];
    return sumAndRead[1];
  }

  /** A JDBC statement of the handle's connection whose rows Connector/J streams. */
  private static PreparedStatement streamingSelect(Handle handle, String sql) throws SQLException {
    PreparedStatement select =
        handle
            .getConnection()
            .prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    select.setFetchSize(Integer.MIN_VALUE);
    return select;
  }

  private static long readWithStatementLoop(Handle handle) throws SQLException {
    long[] sumAndRead = new long[2];
    try (PreparedStatement select = streamingSelect(handle, SELECT)) {
      try (ResultSet rs = select.executeQuery()) {
        sumRows(rs, 3, sumAndRead);
      }
    }
    checksum += sumAndRead[0];
    return sumAndRead[1];
  }

  private static long readWithQueryRows(Handle handle) throws SQLException {
    long[] sumAndRead = new long[2];
    try (Query select = QueryRows.streamed(handle, SELECT)) {
      sumRows(QueryRows.of(select), 3, sumAndRead);
    }
    checksum += sumAndRead[0];
    return sumAndRead[1];
  }

  /**
   * The row loop of the QueryRows variants, a method of its own as in the archiver (RemoteReader's
   * writeSamples, StreamedRead's sendRows); the variant "JDBC prepared statement, the QueryRows
   * loop" runs it over a JDBC statement's result set, to tell the cost of the loop's shape from
   * that of the query.
   */
  private static void sumRows(ResultSet rs, int columns, long[] sumAndRead) throws SQLException {
    long sum = 0;
    long read = 0;
    while (rs.next()) {
      // the BIGINT columns, then the DOUBLE, as the other variants read them
      for (int column = 1; column < columns; column++) {
        sum += rs.getLong(column);
      }
      sum += (long) rs.getDouble(columns);
      read++;
    }
    sumAndRead[0] += sum;
    sumAndRead[1] += read;
  }

  private static long readSeriesWithStatement(Handle handle, int seriesCount) throws SQLException {
    long sum = 0;
    long read = 0;
    try (PreparedStatement select = handle.getConnection().prepareStatement(SELECT_SERIES)) {
      select.setFetchSize(Integer.MIN_VALUE);
      for (long series = 1; series <= seriesCount; series++) {
        select.setLong(1, series);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            sum += rs.getLong(1) + (long) rs.getDouble(2);
            read++;
          }
        }
      }
    }
    checksum += sum;
    return read;
  }

  private static long readSeriesWithJdbi(Handle handle, int seriesCount) {
    long[] sumAndRead = new long[2];
    for (long series = 1; series <= seriesCount; series++) {
      handle
          .createQuery(SELECT_SERIES)
          .setFetchSize(Integer.MIN_VALUE)
          .bind(0, series)
          .map((rs, ctx) -> new Row(0, rs.getLong(1), rs.getDouble(2)))
          .forEach(
              row -> {
                sumAndRead[0] += row.timestamp() + (long) row.value();
                sumAndRead[1]++;
              });
    }
    checksum += sumAndRead[0];
    return sumAndRead[1];
  }

  private static long readSeriesWithQueryRows(Handle handle, int seriesCount) throws SQLException {
    long[] sumAndRead = new long[2];
    for (long series = 1; series <= seriesCount; series++) {
      try (Query select = QueryRows.streamed(handle, SELECT_SERIES).bind(0, series)) {
        sumRows(QueryRows.of(select), 2, sumAndRead);
      }
    }
    checksum += sumAndRead[0];
    return sumAndRead[1];
  }

  private static void print(Map<String, List<Measure>> measures, int rowCount, int runs) {
    System.out.printf(
        Locale.ROOT,
        "%,d rows, %d runs; medians, and the ratio to the JDBC statement%n",
        rowCount,
        runs);
    System.out.println();
    System.out.println(
        "| path | ms (median) | x JDBC | bytes allocated per row (median) | x JDBC |");
    System.out.println("|---|---|---|---|---|");
    Measure base = null;
    for (Map.Entry<String, List<Measure>> entry : measures.entrySet()) {
      Measure median = median(entry.getValue());
      if (entry.getKey().contains("JDBC statement")) {
        base = median;
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %.0f | %.2f | %.1f | %.2f |%n",
          entry.getKey(),
          median.millis(),
          median.millis() / base.millis(),
          median.bytesPerRow(),
          median.bytesPerRow() / base.bytesPerRow());
    }
  }

  private static Measure median(List<Measure> values) {
    double[] millis = values.stream().mapToDouble(Measure::millis).sorted().toArray();
    double[] bytes = values.stream().mapToDouble(Measure::bytesPerRow).sorted().toArray();
    return new Measure(middle(millis), middle(bytes));
  }

  private static double middle(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
