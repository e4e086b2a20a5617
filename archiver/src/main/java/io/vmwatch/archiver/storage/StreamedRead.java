package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.chunk.ChunkedReadResponseWriter;
import io.vmwatch.archiver.chunk.XorChunk;
import io.vmwatch.archiver.codec.ReadRequest;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * A remote read answered with STREAMED_XOR_CHUNKS, planned by {@link RemoteReader#planStreamed}:
 * per query in order, its selected series sorted by labels, and of each series exactly the samples
 * a SAMPLES answer holds (its rollup points older than its raw samples, then its raw samples; NULL
 * values as Prometheus' ordinary NaN), encoded into XOR chunks as the rows come from MySQL (a
 * streaming result set) and sent in frames ({@link SeriesChunker}, {@link
 * ChunkedReadResponseWriter}). Nothing is counted beforehand: samples are counted as they go, and
 * past {@code --read.max-samples} {@link #write} throws {@link ReadLimitException}; the caller then
 * ends the stream with {@link ChunkedReadResponseWriter#abort} (or answers 422 if nothing was
 * sent). Memory: one frame's chunks (at most 1 MiB) and one open chunk, whatever the answer's size.
 */
public final class StreamedRead {
  private final List<List<RemoteReader.Selected>> results;
  private final List<List<RemoteReader.Segment>> segments;
  private final long maxSamples;
  private long series;
  private long samples;

  StreamedRead(
      List<List<RemoteReader.Selected>> results,
      List<List<RemoteReader.Segment>> segments,
      long maxSamples) {
    this.results = results;
    this.segments = segments;
    this.maxSamples = maxSamples;
  }

  /** Streams every frame of the answer, then finishes it; reads through the planning snapshot. */
  public void write(Connection connection, ReadRequest request, ChunkedReadResponseWriter frames)
      throws IOException, SQLException, ReadLimitException {
    SeriesChunker chunker = new SeriesChunker(frames, maxSamples);
    try (PreparedStatement rollups =
            RemoteReader.streaming(connection, RemoteReader.SERIES_ROLLUP_POINTS);
        PreparedStatement raw =
            RemoteReader.streaming(connection, RemoteReader.SERIES_RAW_SAMPLES);
        PreparedStatement chunks = RemoteReader.streaming(connection, RemoteReader.SERIES_CHUNKS)) {
      for (int i = 0; i < results.size(); i++) {
        ReadRequest.Query query = request.queries().get(i);
        for (RemoteReader.Selected s : results.get(i)) {
          chunker.startSeries(i, s.labels());
          rollups.setLong(
              RemoteReader.bindRollupRange(rollups, 1, query.startMs(), query.endMs()), s.id());
          sendRows(rollups, chunker);
          // then, stretch after stretch of the range, the stored chunks of compacted days (one
          // lying wholly in the range is sent as it is) or the raw rows of the others
          for (RemoteReader.Segment segment : segments.get(i)) {
            if (segment.chunks()) {
              RemoteReader.bindChunks(chunks, 1, segment);
              chunks.setLong(1, s.id());
              sendChunks(chunks, chunker, segment);
            } else {
              raw.setLong(1, s.id());
              raw.setLong(2, segment.from());
              raw.setLong(3, segment.to());
              sendRows(raw, chunker);
            }
          }
          samples = chunker.samples();
          series = chunker.series();
        }
      }
      chunker.endSeries();
    }
    frames.finish();
  }

  /** Series sent with at least one sample. */
  public long series() {
    return series;
  }

  /** Samples sent. */
  public long samples() {
    return samples;
  }

  /** Stored chunks (min_ts, max_ts, chunk), each sent as it is when it lies in the segment. */
  private static void sendChunks(
      PreparedStatement q, SeriesChunker chunker, RemoteReader.Segment segment)
      throws IOException, SQLException, ReadLimitException {
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        chunker.storedChunk(
            new XorChunk(rs.getLong(1), rs.getLong(2), rs.getBytes(3)),
            segment.from(),
            segment.to());
      }
    }
  }

  private static void sendRows(PreparedStatement q, SeriesChunker chunker)
      throws IOException, SQLException, ReadLimitException {
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        long ts = rs.getLong(1);
        double value = rs.getDouble(2);
        long bits = rs.wasNull() ? RemoteReader.NORMAL_NAN_BITS : Double.doubleToRawLongBits(value);
        chunker.sample(ts, bits);
      }
    }
  }
}
