package io.vmwatch.archiver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.vmwatch.archiver.codec.RemoteReadDecoder;
import io.vmwatch.archiver.codec.RemoteWriteDecoder;
import io.vmwatch.archiver.http.BoundedWork;
import io.vmwatch.archiver.http.HttpServers;
import io.vmwatch.archiver.http.ReadHandler;
import io.vmwatch.archiver.http.RequestBudget;
import io.vmwatch.archiver.http.WriteHandler;
import io.vmwatch.archiver.maintenance.CompactionJob;
import io.vmwatch.archiver.maintenance.PartitionMaintenance;
import io.vmwatch.archiver.maintenance.RollupJob;
import io.vmwatch.archiver.maintenance.ShortLockDdl;
import io.vmwatch.archiver.maintenance.StaleSeriesRemoval;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.Database;
import io.vmwatch.archiver.storage.Ingester;
import io.vmwatch.archiver.storage.RemoteReader;
import io.vmwatch.archiver.storage.SampleWriter;
import io.vmwatch.archiver.storage.SeriesDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The running archiver: HTTP server, database, and the background jobs (schema migration until it
 * succeeds, then partition maintenance and rollups on their intervals).
 */
public final class Archiver implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Archiver.class.getName());

  private final ArchiverConfig config;
  private final Clock clock;
  private final ArchiverMetrics metrics = new ArchiverMetrics();
  private final Database database;
  private final SeriesDirectory directory;
  private final PartitionMaintenance rawPartitions;
  private final PartitionMaintenance rollupPartitions;
  private final PartitionMaintenance chunkPartitions;
  private final CompactionJob compaction;
  private final RollupJob rollups;
  private final StaleSeriesRemoval staleSeries;
  private final HttpServer server;
  private final ThreadPoolExecutor httpExecutor;
  private final ScheduledExecutorService jobs;

  public Archiver(ArchiverConfig config, Clock clock) throws IOException {
    this.config = config;
    this.clock = clock;
    this.database =
        new Database(config.dbUrl(), config.dbUser(), config.dbPassword(), config.dbPoolSize());
    this.directory =
        new SeriesDirectory(
            database.jdbi(), config.seriesCacheMaxEntries(), clock, metrics::databaseChanged);
    ShortLockDdl ddl =
        new ShortLockDdl(config.ddlLockWait(), 5, Duration.ofSeconds(1), metrics::ddlLockTimeout);
    this.rawPartitions =
        new PartitionMaintenance(
            database.jdbi(),
            "samples",
            config.rawRetention().toMillis(),
            config.partitionDaysAhead(),
            ddl);
    this.rollupPartitions =
        new PartitionMaintenance(
            database.jdbi(),
            "samples_5m",
            config.rollupRetention().toMillis(),
            config.partitionDaysAhead(),
            ddl);
    this.chunkPartitions =
        new PartitionMaintenance(
            database.jdbi(),
            "sample_chunks",
            config.rawRetention().toMillis(),
            config.partitionDaysAhead(),
            ddl);
    this.compaction =
        new CompactionJob(
            database.jdbi(),
            CompactionJob.Settings.of(config.compactAfter()),
            ddl,
            CompactionJob.Checkpoint.NONE);
    this.rollups = new RollupJob(database.jdbi());
    this.staleSeries = new StaleSeriesRemoval(database.jdbi(), config.rawRetention().toMillis());
    metrics.seriesCacheSize(directory::cacheSize);
    metrics.ready(() -> database.isMigrated() ? 1 : 0);

    Ingester ingester =
        new Ingester(
            directory, new SampleWriter(database.jdbi(), config.rowsPerStatement()), metrics);
    RemoteWriteDecoder.Limits limits =
        RequestBudget.limits(config, Runtime.getRuntime().maxMemory());
    LOG.info(
        "limits of one write request: "
            + Math.min(config.maxBodyBytes(), limits.heapBudgetBytes())
            + " bytes of body, "
            + limits.maxDecodedBytes()
            + " decoded, "
            + limits.maxSeries()
            + " series, "
            + limits.maxSamples()
            + " samples, "
            + limits.heapBudgetBytes()
            + " bytes of heap; "
            + config.httpThreads()
            + " at once");
    WriteHandler write =
        new WriteHandler(
            new RemoteWriteDecoder(limits),
            ingester,
            database::isMigrated,
            config.writeAuth(),
            config.maxBodyBytes(),
            metrics);
    RemoteReader reader =
        new RemoteReader(
            new RemoteReader.Limits(
                config.readMaxSeries(), config.readMaxSamples(), RequestBudget.READ_SERIES_BYTES));
    ReadHandler read =
        new ReadHandler(
            new RemoteReadDecoder(
                RequestBudget.READ_DECODED_BYTES,
                RequestBudget.READ_BODY_BYTES + RequestBudget.READ_DECODED_BYTES),
            reader,
            database.jdbi(),
            database::isMigrated,
            config.writeAuth(),
            RequestBudget.READ_BODY_BYTES,
            metrics);
    LOG.info(
        "limits of one remote read: "
            + config.readMaxSeries()
            + " series, "
            + config.readMaxSamples()
            + " samples; "
            + config.readThreads()
            + " at once");
    // Slow or idle clients hold connection threads only; the write path and /metrics take one of
    // their few workers once the request head is in, and answer 503 when none frees up within a
    // second (remote reads have --read.threads workers of their own). /-/healthy and /-/ready take
    // none.
    this.server =
        HttpServers.create(
            config.listenAddress(),
            config.maxConnections(),
            config.requestTimeout(),
            "archiver-http");
    this.httpExecutor = (ThreadPoolExecutor) server.getExecutor();
    Runnable busy = () -> metrics.requestRejected("busy");
    HttpServers.route(
        server,
        "/api/v1/write",
        new BoundedWork(config.httpThreads(), Duration.ofSeconds(1), write, busy));
    HttpServers.route(
        server,
        "/api/v1/read",
        new BoundedWork(
            config.readThreads(), Duration.ofSeconds(1), read, () -> metrics.readRejected("busy")));
    HttpServers.route(
        server,
        "/metrics",
        new BoundedWork(2, Duration.ofSeconds(1), text(200, metrics::scrape), busy));
    HttpServers.route(server, "/-/healthy", text(200, () -> "vmwatch archiver is healthy.\n"));
    HttpServers.route(
        server,
        "/-/ready",
        exchange -> {
          boolean ready = database.isReady();
          reply(
              exchange,
              ready ? 200 : 503,
              ready
                  ? "vmwatch archiver is ready.\n"
                  : "vmwatch archiver is not ready: MySQL unreachable or not migrated yet.\n");
        });
    this.jobs =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "archiver-jobs");
              t.setDaemon(true);
              return t;
            });
  }

  public void start() {
    server.start();
    LOG.info("listening on " + server.getAddress());
    jobs.execute(this::migrateThenSchedule);
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  public Database database() {
    return database;
  }

  public ArchiverMetrics metrics() {
    return metrics;
  }

  private void migrateThenSchedule() {
    if (jobs.isShutdown()) {
      return;
    }
    if (!database.migrate()) {
      jobs.schedule(this::migrateThenSchedule, 2, TimeUnit.SECONDS);
      return;
    }
    LOG.info("schema migrated; MySQL ready");
    maintainPartitions();
    long maintenance = config.maintenanceInterval().toMillis();
    long rollup = config.rollupInterval().toMillis();
    jobs.scheduleWithFixedDelay(
        this::maintainPartitions, maintenance, maintenance, TimeUnit.MILLISECONDS);
    jobs.scheduleWithFixedDelay(this::rollUp, rollup, rollup, TimeUnit.MILLISECONDS);
    jobs.scheduleWithFixedDelay(this::compact, rollup, rollup, TimeUnit.MILLISECONDS);
  }

  private void maintainPartitions() {
    try {
      rawPartitions.run(clock.instant());
      rollupPartitions.run(clock.instant());
      chunkPartitions.run(clock.instant());
    } catch (RuntimeException e) {
      metrics.maintenanceError("partitions");
      LOG.warning("partition maintenance failed, will retry: " + e.getMessage());
    }
    try {
      metrics.staleSeriesRemoved(staleSeries.run(clock.instant()));
    } catch (RuntimeException e) {
      metrics.maintenanceError("stale_series");
      LOG.warning("removing stale series failed, will retry: " + e.getMessage());
    }
  }

  private void rollUp() {
    try {
      long start = System.nanoTime();
      RollupJob.Result result = rollups.run(clock.instant());
      metrics.rollup(result, Duration.ofNanos(System.nanoTime() - start));
    } catch (RuntimeException e) {
      metrics.maintenanceError("rollup");
      LOG.warning("rollup failed, will retry: " + e.getMessage());
    }
  }

  private void compact() {
    try {
      CompactionJob.Result result = compaction.run(clock.instant());
      metrics.compaction(result.samplesChunked(), result.daysDrained(), result.seriesMerged());
    } catch (RuntimeException e) {
      metrics.maintenanceError("compaction");
      LOG.warning("compaction failed, will retry: " + e.getMessage());
    }
  }

  /** Stops accepting, lets running requests finish (up to the grace period), then closes MySQL. */
  @Override
  public void close() {
    jobs.shutdownNow();
    server.stop(5);
    httpExecutor.shutdown();
    try {
      if (!httpExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
        httpExecutor.shutdownNow();
      }
      jobs.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    database.close();
  }

  private static HttpHandler text(int code, Supplier<String> body) {
    return exchange -> reply(exchange, code, body.get());
  }

  private static void reply(HttpExchange exchange, int code, String body) throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
