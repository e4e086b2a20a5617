package io.vmwatch.archiver.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vmwatch.archiver.maintenance.CompactionJob;
import io.vmwatch.archiver.maintenance.RollupJob;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The archiver's own metrics, served on /metrics. Names as Prometheus sees them:
 * vmwatch_archiver_samples_received_total, _samples_written_total, _samples_rejected_total{reason},
 * _stale_markers_total, _db_errors_total, _request_duration_seconds{code}, _batch_duration_seconds,
 * _series_cache_size, _maintenance_errors_total{job}, _requests_rejected_total{reason}; of remote
 * read _read_request_duration_seconds{code}, _read_requests_rejected_total{reason},
 * _read_series_total, _read_samples_total.
 */
public final class ArchiverMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter received =
      counter(
          "vmwatch.archiver.samples.received",
          "Samples in decoded write requests, retries included");
  private final Counter written =
      counter("vmwatch.archiver.samples.written", "Samples committed to MySQL");
  private final Counter staleMarkers =
      counter(
          "vmwatch.archiver.stale.markers",
          "Prometheus stale markers received and deliberately not stored");
  private final Counter dbErrors =
      counter("vmwatch.archiver.db.errors", "Failed database operations");
  private final Timer batchDuration =
      histogram(
          "vmwatch.archiver.batch.duration",
          "Time to resolve series and commit the samples of one write request");
  private final Labelled<Counter> rejected =
      counters("vmwatch.archiver.samples.rejected", "Samples not stored, by reason", "reason")
          .with("native_histogram", "label_too_long");
  private final Labelled<Timer> requestDurations =
      histograms("vmwatch.archiver.request.duration", "Write requests by HTTP status", "code");
  private final Labelled<Counter> maintenanceErrors =
      counters("vmwatch.archiver.maintenance.errors", "Failed retention or rollup runs", "job");
  private final Labelled<Counter> rejectedRequests =
      counters("vmwatch.archiver.requests.rejected", "Requests refused whole, by reason", "reason")
          .with(
              "malformed",
              "too_large",
              "busy",
              "data",
              "constraint",
              "no_partition",
              "packet_too_large");
  private final Labelled<Timer> readDurations =
      histograms("vmwatch.archiver.read.request.duration", "Remote reads by HTTP status", "code");
  private final Labelled<Counter> rejectedReads =
      counters(
              "vmwatch.archiver.read.requests.rejected",
              "Remote reads refused or failed, by reason",
              "reason")
          .with(READ_REJECTION_REASONS);
  private final Counter readSeries =
      counter("vmwatch.archiver.read.series", "Series returned by remote reads");
  private final Counter readSamples =
      counter("vmwatch.archiver.read.samples", "Samples returned by remote reads");

  /** Why a remote read is refused: each a value of _read_requests_rejected_total{reason}. */
  static final String[] READ_REJECTION_REASONS = {
    "malformed",
    "too_large",
    "unsupported_type",
    "unauthorized",
    "too_many_series",
    "too_many_samples",
    "busy",
    "database",
    "internal"
  };

  /** A remote read refused or failed, by reason. */
  public void readRejected(String reason) {
    rejectedReads.of(reason).increment();
  }

  public void readRequest(int code, Duration duration) {
    readDurations.of(Integer.toString(code)).record(duration);
  }

  /** A remote read answered: the series and samples it returned. */
  public void read(long series, long samples) {
    readSeries.increment(series);
    readSamples.increment(samples);
  }

  /**
   * A request refused whole: malformed or too large, all workers busy, or refused by MySQL for
   * good.
   */
  public void requestRejected(String reason) {
    rejectedRequests.of(reason).increment();
  }

  public void seriesCacheSize(Supplier<Number> size) {
    Gauge.builder("vmwatch.archiver.series.cache.size", size)
        .description("Series ids held in memory")
        .register(registry);
  }

  public void ready(Supplier<Number> ready) {
    Gauge.builder("vmwatch.archiver.ready", ready)
        .description("1 once MySQL is reachable and migrated")
        .register(registry);
  }

  public void received(long samples) {
    received.increment(samples);
  }

  public void written(long samples) {
    written.increment(samples);
  }

  public void staleMarkers(long samples) {
    staleMarkers.increment(samples);
  }

  public void rejected(String reason, long samples) {
    rejected.of(reason).increment(samples);
  }

  public void dbError() {
    dbErrors.increment();
  }

  public void batch(Duration duration) {
    batchDuration.record(duration);
  }

  public void request(int code, Duration duration) {
    requestDurations.of(Integer.toString(code)).record(duration);
  }

  public void maintenanceError(String job) {
    maintenanceErrors.of(job).increment();
  }

  public String scrape() {
    return registry.scrape();
  }

  private final Counter rollupRuns =
      counter("vmwatch.archiver.rollup.runs", "Completed rollup runs");
  private final Counter rollupRowsRead =
      counter("vmwatch.archiver.rollup.rows.read", "Raw sample rows read by rollup runs");
  private final Counter rollupSeriesBuckets =
      counter(
          "vmwatch.archiver.rollup.series.buckets", "(series, 5-minute bucket) rollups recomputed");
  private final Timer rollupDuration =
      Timer.builder("vmwatch.archiver.rollup.duration")
          .description("Duration of rollup runs")
          .register(registry);
  private final AtomicLong lastRollupRowsRead = new AtomicLong();
  private final AtomicLong lastRollupMillis = new AtomicLong();
  private final Counter ddlLockTimeouts =
      counter(
          "vmwatch.archiver.ddl.lock.timeouts",
          "Partition ALTERs that gave up waiting for their table lock (tried again)");
  private final Counter databaseChanges =
      counter(
          "vmwatch.archiver.database.changes",
          "Times the database was found replaced or restored; the series cache was emptied");
  private final Counter staleSeriesRemoved =
      counter(
          "vmwatch.archiver.stale.series.removed",
          "Series removed, with their rollups, after no write for longer than the raw retention");

  private final Counter compactedSamples =
      counter(
          "vmwatch.archiver.compaction.samples",
          "Raw samples the compaction job put into XOR chunk rows");
  private final Counter compactionDaysDrained =
      counter(
          "vmwatch.archiver.compaction.days.drained",
          "Days whose raw partition the compaction job emptied (again for late samples)");
  private final Counter compactionSeriesMerged =
      counter(
          "vmwatch.archiver.compaction.series.merged",
          "Series whose chunks of a compacted day took late samples");

  // registered here, beside the fields it reads
  {
    Gauge.builder(
            "vmwatch.archiver.rollup.last.run.rows.read", lastRollupRowsRead, Number::doubleValue)
        .description("Raw sample rows read by the latest rollup run")
        .register(registry);
    Gauge.builder(
            "vmwatch.archiver.rollup.last.run.seconds", lastRollupMillis, m -> m.get() / 1000.0)
        .description("Duration of the latest rollup run")
        .register(registry);
  }

  public void rollup(RollupJob.Result result, Duration duration) {
    rollupRuns.increment();
    rollupRowsRead.increment(result.rowsRead());
    rollupSeriesBuckets.increment(result.seriesBuckets());
    rollupDuration.record(duration);
    lastRollupRowsRead.set(result.rowsRead());
    lastRollupMillis.set(duration.toMillis());
  }

  public void ddlLockTimeout() {
    ddlLockTimeouts.increment();
  }

  public void databaseChanged() {
    databaseChanges.increment();
  }

  /** What a compaction run did: samples put into chunks, days drained, series merged. */
  public void compaction(CompactionJob.Result result) {
    compactedSamples.increment(result.samplesChunked());
    compactionDaysDrained.increment(result.daysDrained());
    compactionSeriesMerged.increment(result.seriesMerged());
  }

  public void staleSeriesRemoved(long series) {
    staleSeriesRemoved.increment(series);
  }

  /** A counter; tags are name, value pairs. */
  private Counter counter(String name, String help, String... tags) {
    return Counter.builder(name).description(help).tags(tags).register(registry);
  }

  /** A timer with a Prometheus histogram; tags are name, value pairs. */
  private Timer histogram(String name, String help, String... tags) {
    return Timer.builder(name)
        .description(help)
        .tags(tags)
        .publishPercentileHistogram()
        .register(registry);
  }

  /** Counters with one label; each value's counter is registered on its first use. */
  private Labelled<Counter> counters(String name, String help, String label) {
    return new Labelled<>(value -> counter(name, help, label, value));
  }

  /** Histogram timers with one label; each value's timer is registered on its first use. */
  private Labelled<Timer> histograms(String name, String help, String label) {
    return new Labelled<>(value -> histogram(name, help, label, value));
  }

  /** A metric with one label: a child per label value, registered by {@code register}. */
  private static final class Labelled<M> {
    private final ConcurrentMap<String, M> children = new ConcurrentHashMap<>();
    private final Function<String, M> register;

    Labelled(Function<String, M> register) {
      this.register = register;
    }

    /** Registers these values now, so that they are scraped as 0 before their first use. */
    Labelled<M> with(String... values) {
      for (String value : values) {
        of(value);
      }
      return this;
    }

    M of(String value) {
      return children.computeIfAbsent(value, register);
    }
  }
}
