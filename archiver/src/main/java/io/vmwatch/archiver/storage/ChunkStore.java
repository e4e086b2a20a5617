package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.chunk.XorChunk;
import io.vmwatch.archiver.chunk.XorChunkEncoder;
import io.vmwatch.archiver.chunk.XorChunkIterator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The compact tier, table {@code sample_chunks}: per series, Prometheus XOR chunks of up to {@value
 * XorChunkEncoder#SAMPLES_PER_CHUNK} samples, one row per chunk keyed (series, first sample's
 * time), a chunk never spanning two UTC days. Writes and reads the rows of one day for a range of
 * series.
 */
public final class ChunkStore {
  /** Prometheus' value.NormalNaN: what a raw row's NULL is stored as in a chunk. */
  public static final long NORMAL_NAN_BITS = RemoteReader.NORMAL_NAN_BITS;

  public static final long DAY_MS = 86_400_000L;

  /** The chunks of series :first..:last that start in the day [:from, :to). */
  private static final String IN_DAY =
      "series_id BETWEEN :first AND :last AND min_ts >= :from AND min_ts < :to";

  /** Chunk rows per multi-row INSERT (four placeholders each). */
  private static final int ROWS_PER_INSERT = 500;

  private ChunkStore() {}

  /** A chunk of a series. */
  public record ChunkRow(long seriesId, XorChunk chunk) {}

  /** Cuts a series' samples (time order, one day) into chunks of up to 120 samples. */
  public static List<ChunkRow> encode(SeriesSamples samples) {
    List<ChunkRow> rows = new ArrayList<>();
    XorChunkEncoder encoder = new XorChunkEncoder();
    for (int i = 0; i < samples.size(); i++) {
      encoder.appendBits(samples.timestamp(i), samples.valueBits(i));
      if (encoder.isFull()) {
        rows.add(new ChunkRow(samples.seriesId(), encoder.toChunk()));
        encoder = new XorChunkEncoder();
      }
    }
    if (!encoder.isEmpty()) {
      rows.add(new ChunkRow(samples.seriesId(), encoder.toChunk()));
    }
    return rows;
  }

  /** Appends every sample of a stored chunk to into. */
  public static void decodeInto(byte[] chunk, SeriesSamples into) {
    XorChunkIterator samples = new XorChunkIterator(chunk);
    while (samples.next()) {
      into.add(samples.timestampMs(), samples.valueBits());
    }
  }

  /** Inserts chunk rows (in the caller's transaction). */
  public static void insert(Connection connection, List<ChunkRow> rows) throws SQLException {
    MultiRowSql.insert(
        connection,
        "INSERT INTO sample_chunks (series_id, min_ts, max_ts, chunk) VALUES ",
        "(?, ?, ?, ?)",
        ROWS_PER_INSERT,
        rows,
        (insert, position, row) -> {
          insert.setLong(position, row.seriesId());
          insert.setLong(position + 1, row.chunk().minTimeMs());
          insert.setLong(position + 2, row.chunk().maxTimeMs());
          insert.setBytes(position + 3, row.chunk().data());
          return position + 4;
        });
  }

  /** Deletes the chunks of series firstId..lastId that start in the day. */
  public static int deleteDay(Handle handle, long firstId, long lastId, long day) {
    return inDay(
            handle.createUpdate("DELETE FROM sample_chunks WHERE " + IN_DAY), firstId, lastId, day)
        .execute();
  }

  /** The decoded chunks of series firstId..lastId that start in the day, by series id. */
  public static Map<Long, SeriesSamples> readDay(Handle handle, long firstId, long lastId, long day)
      throws SQLException {
    Map<Long, SeriesSamples> bySeries = new LinkedHashMap<>();
    try (Query select =
        inDay(
            handle.createQuery(
                "SELECT series_id, chunk FROM sample_chunks WHERE "
                    + IN_DAY
                    + " ORDER BY series_id, min_ts"),
            firstId,
            lastId,
            day)) {
      ResultSet rs = QueryRows.of(select);
      while (rs.next()) {
        long id = rs.getLong(1);
        decodeInto(rs.getBytes(2), bySeries.computeIfAbsent(id, SeriesSamples::new));
      }
    }
    return bySeries;
  }

  /** statement with {@link #IN_DAY} bound. */
  private static <S extends SqlStatement<S>> S inDay(
      S statement, long firstId, long lastId, long day) {
    return statement
        .bind("first", firstId)
        .bind("last", lastId)
        .bind("from", day)
        .bind("to", day + DAY_MS);
  }
}
