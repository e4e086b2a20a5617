/**
 * Everything that reads or writes the archive's tables on the request path: the connection pool and
 * migrations ({@link io.vmwatch.archiver.storage.Database}), series identity and the series-id
 * cache, writing samples ({@link io.vmwatch.archiver.storage.Ingester}, {@link
 * io.vmwatch.archiver.storage.SampleWriter}), answering remote read ({@link
 * io.vmwatch.archiver.storage.RemoteReader}), and the classification of database errors into
 * retryable and permanent.
 */
package io.vmwatch.archiver.storage;
