package io.vmwatch.archiver.maintenance;

import io.vmwatch.archiver.maintenance.JobScheduler.Job;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.metrics.ArchiverMetrics.Count;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The archiver's maintenance jobs, each reporting what it did to the metrics. */
public final class MaintenanceJobs {
  private MaintenanceJobs() {}

  /** Partitions of every table (created ahead, dropped after retention), then stale series. */
  public static List<Job> partitionsAndStaleSeries(
      Duration interval,
      Clock clock,
      List<PartitionMaintenance> tables,
      StaleSeriesRemoval staleSeries,
      ArchiverMetrics metrics) {
    return List.of(
        new Job(
            "partitions",
            "partition maintenance",
            interval,
            true,
            () -> tables.forEach(table -> table.run(clock.instant()))),
        new Job(
            "stale_series",
            "removing stale series",
            interval,
            true,
            () -> metrics.count(Count.STALE_SERIES_REMOVED, staleSeries.run(clock.instant()))));
  }

  /** The rollup of completed buckets, first one interval after the migration. */
  public static Job rollup(
      Duration interval, Clock clock, RollupJob rollups, ArchiverMetrics metrics) {
    return firstAfterOneInterval(
        "rollup",
        interval,
        () -> {
          long start = System.nanoTime();
          RollupJob.Result result = rollups.run(clock.instant());
          metrics.rollup(result, Duration.ofNanos(System.nanoTime() - start));
        });
  }

  /**
   * The compact tier: whole days older than {@code --compact.after} into chunk rows, on the rollup
   * interval (after the rollup: the jobs run one at a time).
   */
  public static Job compaction(
      Duration interval, Clock clock, CompactionJob compaction, ArchiverMetrics metrics) {
    return firstAfterOneInterval(
        "compaction", interval, () -> metrics.compaction(compaction.run(clock.instant())));
  }

  /** A job named as it is logged that first runs one interval after the migration. */
  private static Job firstAfterOneInterval(String name, Duration interval, Runnable task) {
    return new Job(name, name, interval, false, task);
  }
}
