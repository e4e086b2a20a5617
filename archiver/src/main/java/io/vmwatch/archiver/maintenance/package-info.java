/**
 * The background jobs that keep the archive in shape: daily partitions and retention ({@link
 * io.vmwatch.archiver.maintenance.PartitionMaintenance}, through {@link
 * io.vmwatch.archiver.maintenance.ShortLockDdl} so DDL never stalls writers), 5-minute rollups
 * ({@link io.vmwatch.archiver.maintenance.RollupJob}) and removal of series no longer written
 * ({@link io.vmwatch.archiver.maintenance.StaleSeriesRemoval}).
 */
package io.vmwatch.archiver.maintenance;
