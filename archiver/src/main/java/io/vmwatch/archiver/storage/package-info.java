/**
 * Everything that reads or writes the archive's tables on the request path: the connection pool and
 * migrations ({@link io.vmwatch.archiver.storage.Database}), series identity and the series-id
 * cache, writing samples ({@link io.vmwatch.archiver.storage.Ingester}, {@link
 * io.vmwatch.archiver.storage.SampleWriter}), answering remote read ({@link
 * io.vmwatch.archiver.storage.RemoteReader}), and the classification of database errors into
 * retryable and permanent.
 *
 * <p>One database API: Jdbi opens every connection and transaction. Three loops then use the JDBC
 * statement of the Jdbi handle's connection directly, because they bind or read primitive values in
 * bulk, where Jdbi would make an object per bound value or mapped row: {@link
 * io.vmwatch.archiver.storage.SampleWriter}'s multi-row INSERT (three values per sample), {@link
 * io.vmwatch.archiver.storage.RemoteReader}'s streamed SELECTs (rows go straight into the protobuf
 * answer) and the rollup job's scan and insert. A deadlock is retried in one place, {@code
 * Deadlocks.retried}.
 */
package io.vmwatch.archiver.storage;
