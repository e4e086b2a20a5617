package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.metrics.ArchiverMetrics.Count;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores one decoded write request: resolves its series, drops what is deliberately not stored
 * (stale markers, native histograms, series whose name or instance does not fit the schema, each
 * counted) and commits the rest. Returns only once the samples are committed.
 */
public final class Ingester {
  /** The NaN bit pattern Prometheus uses to mark a series as stale. */
  public static final long STALE_NAN_BITS = 0x7ff0000000000002L;

  /** Width of series.metric and series.instance, in characters. */
  public static final int MAX_NAME_LENGTH = 255;

  private final SeriesDirectory directory;
  private final SampleWriter writer;
  private final ArchiverMetrics metrics;

  public Ingester(SeriesDirectory directory, SampleWriter writer, ArchiverMetrics metrics) {
    this.directory = directory;
    this.writer = writer;
    this.metrics = metrics;
  }

  /** What happened to the samples of one request. */
  public record Outcome(int written, long staleMarkers, long rejected) {}

  public Outcome ingest(WriteRequest request) throws SQLException {
    metrics.count(Count.SAMPLES_RECEIVED, request.sampleCount() + request.histogramCount());
    metrics.rejected("native_histogram", request.histogramCount());
    List<SeriesKey> keys = new ArrayList<>();
    List<TimeSeries> kept = new ArrayList<>();
    long tooLong = 0;
    long stale = 0;
    int rowCount = 0;
    for (TimeSeries series : request.series()) {
      if (series.sampleCount() == 0) {
        continue;
      }
      SeriesKey key = SeriesKey.of(series.labels());
      if (key.metric().length() > MAX_NAME_LENGTH || key.instance().length() > MAX_NAME_LENGTH) {
        tooLong += series.sampleCount();
        continue;
      }
      for (double value : series.values()) {
        if (Double.doubleToRawLongBits(value) == STALE_NAN_BITS) {
          stale++;
        } else {
          rowCount++;
        }
      }
      keys.add(key);
      kept.add(series);
    }
    metrics.rejected("label_too_long", tooLong);
    metrics.count(Count.STALE_MARKERS, stale);
    if (rowCount == 0) {
      return new Outcome(0, stale, tooLong + request.histogramCount());
    }
    long start = System.nanoTime();
    SampleWriter.Row[] rows = new SampleWriter.Row[rowCount];
    try {
      long[] ids = directory.resolve(keys);
      int next = 0;
      for (int s = 0; s < kept.size(); s++) {
        TimeSeries series = kept.get(s);
        for (int i = 0; i < series.sampleCount(); i++) {
          double value = series.values()[i];
          if (Double.doubleToRawLongBits(value) != STALE_NAN_BITS) {
            rows[next++] = new SampleWriter.Row(ids[s], series.timestamps()[i], value);
          }
        }
      }
      int written = writer.write(rows);
      metrics.count(Count.SAMPLES_WRITTEN, written);
      return new Outcome(written, stale, tooLong + request.histogramCount());
    } catch (SQLException | RuntimeException e) {
      metrics.count(Count.DB_ERRORS, 1);
      directory.forget();
      throw e;
    } finally {
      metrics.batch(Duration.ofNanos(System.nanoTime() - start));
    }
  }
}
