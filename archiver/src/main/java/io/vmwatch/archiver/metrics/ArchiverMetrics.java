package io.vmwatch.archiver.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vmwatch.archiver.maintenance.RollupJob;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
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
      Counter.builder("vmwatch.archiver.samples.received")
          .description("Samples in decoded write requests, retries included")
          .register(registry);
  private final Counter written =
      Counter.builder("vmwatch.archiver.samples.written")
          .description("Samples committed to MySQL")
          .register(registry);
  private final Counter staleMarkers =
      Counter.builder("vmwatch.archiver.stale.markers")
          .description("Prometheus stale markers received and deliberately not stored")
          .register(registry);
  private final Counter dbErrors =
      Counter.builder("vmwatch.archiver.db.errors")
          .description("Failed database operations")
          .register(registry);
  private final Timer batchDuration =
      Timer.builder("vmwatch.archiver.batch.duration")
          .description("Time to resolve series and commit the samples of one write request")
          .publishPercentileHistogram()
          .register(registry);
  private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Timer> requestDurations = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> maintenanceErrors = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> rejectedRequests = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Timer> readDurations = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> rejectedReads = new ConcurrentHashMap<>();
  private final Counter readSeries =
      Counter.builder("vmwatch.archiver.read.series")
          .description("Series returned by remote reads")
          .register(registry);
  private final Counter readSamples =
      Counter.builder("vmwatch.archiver.read.samples")
          .description("Samples returned by remote reads")
          .register(registry);

  public ArchiverMetrics() {
    for (String reason : new String[] {"native_histogram", "label_too_long"}) {
      rejectedCounter(reason);
    }
    for (String reason :
        new String[] {
          "malformed", "too_large", "busy", "data", "constraint", "no_partition", "packet_too_large"
        }) {
      rejectedRequestCounter(reason);
    }
    for (String reason : READ_REJECTION_REASONS) {
      rejectedReadCounter(reason);
    }
  }

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
    rejectedReadCounter(reason).increment();
  }

  private Counter rejectedReadCounter(String reason) {
    return rejectedReads.computeIfAbsent(
        reason,
        r ->
            Counter.builder("vmwatch.archiver.read.requests.rejected")
                .description("Remote reads refused or failed, by reason")
                .tag("reason", r)
                .register(registry));
  }

  public void readRequest(int code, Duration duration) {
    readDurations
        .computeIfAbsent(
            Integer.toString(code),
            c ->
                Timer.builder("vmwatch.archiver.read.request.duration")
                    .description("Remote reads by HTTP status")
                    .tag("code", c)
                    .publishPercentileHistogram()
                    .register(registry))
        .record(duration);
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
    rejectedRequestCounter(reason).increment();
  }

  private Counter rejectedRequestCounter(String reason) {
    return rejectedRequests.computeIfAbsent(
        reason,
        r ->
            Counter.builder("vmwatch.archiver.requests.rejected")
                .description("Requests refused whole, by reason")
                .tag("reason", r)
                .register(registry));
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
    rejectedCounter(reason).increment(samples);
  }

  public void dbError() {
    dbErrors.increment();
  }

  public void batch(Duration duration) {
    batchDuration.record(duration);
  }

  public void request(int code, Duration duration) {
    requestDurations
        .computeIfAbsent(
            Integer.toString(code),
            c ->
                Timer.builder("vmwatch.archiver.request.duration")
                    .description("Write requests by HTTP status")
                    .tag("code", c)
                    .publishPercentileHistogram()
                    .register(registry))
        .record(duration);
  }

  public void maintenanceError(String job) {
    maintenanceErrors
        .computeIfAbsent(
            job,
            j ->
                Counter.builder("vmwatch.archiver.maintenance.errors")
                    .description("Failed retention or rollup runs")
                    .tag("job", j)
                    .register(registry))
        .increment();
  }

  public String scrape() {
    return registry.scrape();
  }

  private final Counter rollupRuns =
      Counter.builder("vmwatch.archiver.rollup.runs")
          .description("Completed rollup runs")
          .register(registry);
  private final Counter rollupRowsRead =
      Counter.builder("vmwatch.archiver.rollup.rows.read")
          .description("Raw sample rows read by rollup runs")
          .register(registry);
  private final Counter rollupSeriesBuckets =
      Counter.builder("vmwatch.archiver.rollup.series.buckets")
          .description("(series, 5-minute bucket) rollups recomputed")
          .register(registry);
  private final Timer rollupDuration =
      Timer.builder("vmwatch.archiver.rollup.duration")
          .description("Duration of rollup runs")
          .register(registry);
  private final AtomicLong lastRollupRowsRead = new AtomicLong();
  private final AtomicLong lastRollupMillis = new AtomicLong();
  private final Counter ddlLockTimeouts =
      Counter.builder("vmwatch.archiver.ddl.lock.timeouts")
          .description("Partition ALTERs that gave up waiting for their table lock (tried again)")
          .register(registry);
  private final Counter databaseChanges =
      Counter.builder("vmwatch.archiver.database.changes")
          .description(
              "Times the database was found replaced or restored; the series cache was emptied")
          .register(registry);
  private final Counter staleSeriesRemoved =
      Counter.builder("vmwatch.archiver.stale.series.removed")
          .description(
              "Series removed, with their rollups, after no write for longer than the raw retention")
          .register(registry);

  private final Counter compactedSamples =
      Counter.builder("vmwatch.archiver.compaction.samples")
          .description("Raw samples the compaction job put into XOR chunk rows")
          .register(registry);
  private final Counter compactionDaysDrained =
      Counter.builder("vmwatch.archiver.compaction.days.drained")
          .description(
              "Days whose raw partition the compaction job emptied (again for late samples)")
          .register(registry);
  private final Counter compactionSeriesMerged =
      Counter.builder("vmwatch.archiver.compaction.series.merged")
          .description("Series whose chunks of a compacted day took late samples")
          .register(registry);

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
  public void compaction(long samples, long daysDrained, long seriesMerged) {
    compactedSamples.increment(samples);
    compactionDaysDrained.increment(daysDrained);
    compactionSeriesMerged.increment(seriesMerged);
  }

  public void staleSeriesRemoved(long series) {
    staleSeriesRemoved.increment(series);
  }

  private Counter rejectedCounter(String reason) {
    return rejected.computeIfAbsent(
        reason,
        r ->
            Counter.builder("vmwatch.archiver.samples.rejected")
                .description("Samples not stored, by reason")
                .tag("reason", r)
                .register(registry));
  }
}
