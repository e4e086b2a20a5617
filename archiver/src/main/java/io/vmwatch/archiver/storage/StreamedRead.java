package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.chunk.ChunkedReadResponseWriter;
import io.vmwatch.archiver.chunk.XorChunk;
import io.vmwatch.archiver.codec.ReadRequest;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

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
  public void write(Handle handle, ReadRequest request, ChunkedReadResponseWriter frames)
      throws IOException, SQLException, ReadLimitException {
    SeriesChunker chunker = new SeriesChunker(frames, maxSamples);
    for (int i = 0; i < results.size(); i++) {
      ReadRequest.Query query = request.queries().get(i);
      for (RemoteReader.Selected s : results.get(i)) {
        chunker.startSeries(i, s.labels());
        try (Query rollups =
            RemoteReader.seriesRollupPoints(handle, s.id(), query.startMs(), query.endMs())) {
          sendRows(QueryRows.of(rollups), chunker);
        }
        // then, stretch after stretch of the range, the stored chunks of compacted days (one
        // lying wholly in the range is sent as it is) or the raw rows of the others
        for (RemoteReader.Segment segment : segments.get(i)) {
          if (segment.chunks()) {
            try (Query chunks = RemoteReader.seriesChunks(handle, s.id(), segment)) {
              sendChunks(QueryRows.of(chunks), chunker, segment);
            }
          } else {
            try (Query raw = RemoteReader.seriesRawSamples(handle, s.id(), segment)) {
              sendRows(QueryRows.of(raw), chunker);
            }
          }
        }
        samples = chunker.samples();
        series = chunker.series();
      }
    }
    chunker.endSeries();
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
  private static void sendChunks(ResultSet rs, SeriesChunker chunker, RemoteReader.Segment segment)
      throws IOException, SQLException, ReadLimitException {
    while (rs.next()) {
      chunker.storedChunk(
          new XorChunk(rs.getLong(1), rs.getLong(2), rs.getBytes(3)), segment.from(), segment.to());
    }
  }

  /** Rows (ts, value) into the series' chunks; a NULL value as Prometheus' ordinary NaN. */
  private static void sendRows(ResultSet rs, SeriesChunker chunker)
      throws IOException, SQLException, ReadLimitException {
    while (rs.next()) {
      long ts = rs.getLong(1);
      double value = rs.getDouble(2);
      long bits = rs.wasNull() ? RemoteReader.NORMAL_NAN_BITS : Double.doubleToRawLongBits(value);
      chunker.sample(ts, bits);
    }
  }
}
