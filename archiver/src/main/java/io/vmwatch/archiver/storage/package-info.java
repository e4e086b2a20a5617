/**
 * Everything that reads or writes the archive's tables on the request path: the connection pool and
 * migrations ({@link io.vmwatch.archiver.storage.Database}), series identity and the series-id
 * cache, writing samples ({@link io.vmwatch.archiver.storage.Ingester}, {@link
 * io.vmwatch.archiver.storage.SampleWriter}), answering remote read ({@link
 * io.vmwatch.archiver.storage.RemoteReader}), and the classification of database errors into
 * retryable and permanent.
 *
 * <p>One database API: Jdbi opens every connection and transaction, and runs every read: {@link
 * io.vmwatch.archiver.storage.RemoteReader}'s streamed SELECTs, the chunk store's and the
 * maintenance jobs' scans are Jdbi {@code Query}s, whose rows the hot loops read as primitives
 * through {@link io.vmwatch.archiver.storage.QueryRows} (no object per row) while they write into
 * the answer. The bulk writes, {@link io.vmwatch.archiver.storage.SampleWriter}'s multi-row INSERT
 * (three values per sample), the chunk store's INSERT and the rollup upsert ({@link
 * io.vmwatch.archiver.storage.MultiRowSql}), bind primitives on the JDBC statement of the Jdbi
 * handle's connection: through Jdbi's binding they took a fifth more time and twice the garbage
 * ({@code bench/archiver/db-api}). A deadlock is retried in one place, {@code Deadlocks.retried}.
 */
package io.vmwatch.archiver.storage;
