package io.vmwatch.archiver.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vmwatch.archiver.maintenance.CompactionJob;
import io.vmwatch.archiver.maintenance.RollupJob;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
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
 * _read_series_total, _read_samples_total; the counters of {@link Count}.
 */
public final class ArchiverMetrics {
  private static final String PREFIX = "vmwatch.archiver.";

  /** The counters without labels: name (after {@code vmwatch.archiver.}) and help. */
  public enum Count {
    SAMPLES_RECEIVED("samples.received", "Samples in decoded write requests, retries included"),
    SAMPLES_WRITTEN("samples.written", "Samples committed to MySQL"),
    STALE_MARKERS("stale.markers", "Prometheus stale markers received and deliberately not stored"),
    DB_ERRORS("db.errors", "Failed database operations"),
    READ_SERIES("read.series", "Series returned by remote reads"),
    READ_SAMPLES("read.samples", "Samples returned by remote reads"),
    ROLLUP_RUNS("rollup.runs", "Completed rollup runs"),
    ROLLUP_ROWS_READ("rollup.rows.read", "Raw sample rows read by rollup runs"),
    ROLLUP_SERIES_BUCKETS("rollup.series.buckets", "(series, 5-minute bucket) rollups recomputed"),
    DDL_LOCK_TIMEOUTS(
        "ddl.lock.timeouts",
        "Partition ALTERs that gave up waiting for their table lock (tried again)"),
    DATABASE_CHANGES(
        "database.changes",
        "Times the database was found replaced or restored; the series cache was emptied"),
    STALE_SERIES_REMOVED(
        "stale.series.removed",
        "Series removed, with their rollups, after no write for longer than the raw retention"),
    COMPACTED_SAMPLES(
        "compaction.samples", "Raw samples the compaction job put into XOR chunk rows"),
    COMPACTION_DAYS_DRAINED(
        "compaction.days.drained",
        "Days whose raw partition the compaction job emptied (again for late samples)"),
    COMPACTION_SERIES_MERGED(
        "compaction.series.merged", "Series whose chunks of a compacted day took late samples");

    private final String name;
    private final String help;

    Count(String name, String help) {
      this.name = name;
      this.help = help;
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

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<Count, Counter> counts = new EnumMap<>(Count.class);

  // the write path
  private final Timer batchDuration =
      histogram(
          "batch.duration", "Time to resolve series and commit the samples of one write request");
  private final Labelled<Counter> rejected =
      counters("samples.rejected", "Samples not stored, by reason", "reason")
          .with("native_histogram", "label_too_long");
  private final Labelled<Timer> requestDurations =
      histograms("request.duration", "Write requests by HTTP status", "code");
  private final Labelled<Counter> rejectedRequests =
      counters("requests.rejected", "Requests refused whole, by reason", "reason")
          .with(
              "malformed",
              "too_large",
              "busy",
              "data",
              "constraint",
              "no_partition",
              "packet_too_large");

  // remote read
  private final Labelled<Timer> readDurations =
      histograms("read.request.duration", "Remote reads by HTTP status", "code");
  private final Labelled<Counter> rejectedReads =
      counters("read.requests.rejected", "Remote reads refused or failed, by reason", "reason")
          .with(READ_REJECTION_REASONS);

  // maintenance jobs
  private final Labelled<Counter> maintenanceErrors =
      counters("maintenance.errors", "Failed retention or rollup runs", "job");
  private final Timer rollupDuration =
      Timer.builder(PREFIX + "rollup.duration")
          .description("Duration of rollup runs")
          .register(registry);
  private final AtomicLong lastRollupRowsRead = new AtomicLong();
  private final AtomicLong lastRollupMillis = new AtomicLong();

  public ArchiverMetrics() {
    for (Count count : Count.values()) {
      counts.put(count, counter(count.name, count.help));
    }
    Gauge.builder(PREFIX + "rollup.last.run.rows.read", lastRollupRowsRead, Number::doubleValue)
        .description("Raw sample rows read by the latest rollup run")
        .register(registry);
    Gauge.builder(PREFIX + "rollup.last.run.seconds", lastRollupMillis, m -> m.get() / 1000.0)
        .description("Duration of the latest rollup run")
        .register(registry);
  }

  /** Adds {@code n} to a counter without labels. */
  public void count(Count count, long n) {
    counts.get(count).increment(n);
  }

  public void seriesCacheSize(Supplier<Number> size) {
    Gauge.builder(PREFIX + "series.cache.size", size)
        .description("Series ids held in memory")
        .register(registry);
  }

  public void ready(Supplier<Number> ready) {
    Gauge.builder(PREFIX + "ready", ready)
        .description("1 once MySQL is reachable and migrated")
        .register(registry);
  }

  public void rejected(String reason, long samples) {
    rejected.of(reason).increment(samples);
  }

  public void batch(Duration duration) {
    batchDuration.record(duration);
  }

  public void request(int code, Duration duration) {
    requestDurations.of(Integer.toString(code)).record(duration);
  }

  /**
   * A request refused whole: malformed or too large, all workers busy, or refused by MySQL for
   * good.
   */
  public void requestRejected(String reason) {
    rejectedRequests.of(reason).increment();
  }

  public void readRequest(int code, Duration duration) {
    readDurations.of(Integer.toString(code)).record(duration);
  }

  /** A remote read refused or failed, by reason. */
  public void readRejected(String reason) {
    rejectedReads.of(reason).increment();
  }

  /** A remote read answered: the series and samples it returned. */
  public void read(long series, long samples) {
    count(Count.READ_SERIES, series);
    count(Count.READ_SAMPLES, samples);
  }

  public void maintenanceError(String job) {
    maintenanceErrors.of(job).increment();
  }

  public void rollup(RollupJob.Result result, Duration duration) {
    count(Count.ROLLUP_RUNS, 1);
    count(Count.ROLLUP_ROWS_READ, result.rowsRead());
    count(Count.ROLLUP_SERIES_BUCKETS, result.seriesBuckets());
    rollupDuration.record(duration);
    lastRollupRowsRead.set(result.rowsRead());
    lastRollupMillis.set(duration.toMillis());
  }

  /** What a compaction run did: samples put into chunks, days drained, series merged. */
  public void compaction(CompactionJob.Result result) {
    count(Count.COMPACTED_SAMPLES, result.samplesChunked());
    count(Count.COMPACTION_DAYS_DRAINED, result.daysDrained());
    count(Count.COMPACTION_SERIES_MERGED, result.seriesMerged());
  }

  public String scrape() {
    return registry.scrape();
  }

  /** A counter named {@code vmwatch.archiver.<name>}; tags are name, value pairs. */
  private Counter counter(String name, String help, String... tags) {
    return Counter.builder(PREFIX + name).description(help).tags(tags).register(registry);
  }

  /** A timer with a Prometheus histogram; tags are name, value pairs. */
  private Timer histogram(String name, String help, String... tags) {
    return Timer.builder(PREFIX + name)
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
