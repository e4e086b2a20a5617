package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.chunk.XorChunk;
import io.vmwatch.archiver.chunk.XorChunkEncoder;
import io.vmwatch.archiver.chunk.XorChunkIterator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
  public static int deleteDay(Connection connection, long firstId, long lastId, long day)
      throws SQLException {
    try (PreparedStatement delete =
        prepareForDay(connection, "DELETE FROM sample_chunks", "", firstId, lastId, day)) {
      return delete.executeUpdate();
    }
  }

  /** The decoded chunks of series firstId..lastId that start in the day, by series id. */
  public static Map<Long, SeriesSamples> readDay(
      Connection connection, long firstId, long lastId, long day) throws SQLException {
    Map<Long, SeriesSamples> bySeries = new LinkedHashMap<>();
    try (PreparedStatement select =
        prepareForDay(
            connection,
            "SELECT series_id, chunk FROM sample_chunks",
            " ORDER BY series_id, min_ts",
            firstId,
            lastId,
            day)) {
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          long id = rs.getLong(1);
          decodeInto(rs.getBytes(2), bySeries.computeIfAbsent(id, SeriesSamples::new));
        }
      }
    }
    return bySeries;
  }

  /** head, the condition "chunks of series firstId..lastId that start in the day", tail, bound. */
  private static PreparedStatement prepareForDay(
      Connection connection, String head, String tail, long firstId, long lastId, long day)
      throws SQLException {
    PreparedStatement statement =
        connection.prepareStatement(
            head + " WHERE series_id BETWEEN ? AND ? AND min_ts >= ? AND min_ts < ?" + tail);
    try {
      statement.setLong(1, firstId);
      statement.setLong(2, lastId);
      statement.setLong(3, day);
      statement.setLong(4, day + DAY_MS);
      return statement;
    } catch (SQLException | RuntimeException e) {
      statement.close();
      throw e;
    }
  }
}
