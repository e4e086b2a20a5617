package io.vmwatch.archiver;

import io.vmwatch.archiver.codec.RemoteReadDecoder;
import io.vmwatch.archiver.codec.RemoteWriteDecoder;
import io.vmwatch.archiver.http.ArchiverServer;
import io.vmwatch.archiver.http.ReadHandler;
import io.vmwatch.archiver.http.RequestBudget;
import io.vmwatch.archiver.http.WriteHandler;
import io.vmwatch.archiver.maintenance.CompactionJob;
import io.vmwatch.archiver.maintenance.JobScheduler;
import io.vmwatch.archiver.maintenance.JobScheduler.Job;
import io.vmwatch.archiver.maintenance.MaintenanceJobs;
import io.vmwatch.archiver.maintenance.PartitionMaintenance;
import io.vmwatch.archiver.maintenance.RollupJob;
import io.vmwatch.archiver.maintenance.ShortLockDdl;
import io.vmwatch.archiver.maintenance.StaleSeriesRemoval;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.metrics.ArchiverMetrics.Count;
import io.vmwatch.archiver.storage.Database;
import io.vmwatch.archiver.storage.Ingester;
import io.vmwatch.archiver.storage.RemoteReader;
import io.vmwatch.archiver.storage.SampleWriter;
import io.vmwatch.archiver.storage.SeriesDirectory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * The composition root: builds the database, the request path (codec, storage, HTTP) and the
 * background jobs (schema migration until it succeeds, then partition maintenance and rollups on
 * their intervals) from the configuration, and starts and stops them.
 */
public final class Archiver implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Archiver.class.getName());

  private final ArchiverMetrics metrics = new ArchiverMetrics();
  private final Database database;
  private final ArchiverServer server;
  private final JobScheduler jobs;

  public Archiver(ArchiverConfig config, Clock clock) throws IOException {
    this.database =
        new Database(config.dbUrl(), config.dbUser(), config.dbPassword(), config.dbPoolSize());
    SeriesDirectory directory =
        new SeriesDirectory(
            database.jdbi(),
            config.seriesCacheMaxEntries(),
            clock,
            () -> metrics.count(Count.DATABASE_CHANGES, 1));
    ShortLockDdl ddl =
        new ShortLockDdl(
            config.ddlLockWait(),
            5,
            Duration.ofSeconds(1),
            () -> metrics.count(Count.DDL_LOCK_TIMEOUTS, 1));
    BiFunction<String, Duration, PartitionMaintenance> partitions =
        (table, retention) ->
            new PartitionMaintenance(
                database.jdbi(), table, retention.toMillis(), config.partitionDaysAhead(), ddl);
    List<PartitionMaintenance> tables =
        List.of(
            partitions.apply("samples", config.rawRetention()),
            partitions.apply("samples_5m", config.rollupRetention()),
            partitions.apply("sample_chunks", config.rawRetention()));
    CompactionJob compaction =
        new CompactionJob(
            database.jdbi(),
            CompactionJob.Settings.of(config.compactAfter()),
            ddl,
            CompactionJob.Checkpoint.NONE);
    RollupJob rollups = new RollupJob(database.jdbi());
    StaleSeriesRemoval staleSeries =
        new StaleSeriesRemoval(database.jdbi(), config.rawRetention().toMillis());
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
    this.server = new ArchiverServer(config, write, read, database::isReady, metrics);
    List<Job> jobList = new ArrayList<>();
    jobList.addAll(
        MaintenanceJobs.partitionsAndStaleSeries(
            config.maintenanceInterval(), clock, tables, staleSeries, metrics));
    jobList.add(MaintenanceJobs.rollup(config.rollupInterval(), clock, rollups, metrics));
    jobList.add(MaintenanceJobs.compaction(config.rollupInterval(), clock, compaction, metrics));
    this.jobs = new JobScheduler(database::migrate, jobList, metrics);
  }

  public void start() {
    server.start();
    jobs.start();
  }

  public InetSocketAddress address() {
    return server.address();
  }

  public Database database() {
    return database;
  }

  public ArchiverMetrics metrics() {
    return metrics;
  }

  /** Stops accepting, lets running requests finish (up to the grace period), then closes MySQL. */
  @Override
  public void close() {
    jobs.stop();
    server.close();
    jobs.close();
    database.close();
  }
}
