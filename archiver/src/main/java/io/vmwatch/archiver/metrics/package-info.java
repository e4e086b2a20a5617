/**
 * The archiver's own metrics, served on {@code /metrics} ({@link
 * io.vmwatch.archiver.metrics.ArchiverMetrics}).
 */
package io.vmwatch.archiver.metrics;
