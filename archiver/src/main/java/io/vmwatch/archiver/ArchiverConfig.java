package io.vmwatch.archiver;

import io.vmwatch.archiver.http.WriteAuth;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Everything the archiver is started with; see {@link Flags} for the command line. */
public record ArchiverConfig(
    InetSocketAddress listenAddress,
    long maxBodyBytes,
    long maxDecodedBytes,
    int httpThreads,
    long maxSeriesPerRequest,
    long maxSamplesPerRequest,
    Duration requestTimeout,
    int maxConnections,
    WriteAuth writeAuth,
    int readThreads,
    int readMaxSeries,
    int readMaxSamples,
    String dbUrl,
    String dbUser,
    String dbPassword,
    int dbPoolSize,
    int rowsPerStatement,
    int seriesCacheMaxEntries,
    Duration rawRetention,
    Duration rollupRetention,
    int partitionDaysAhead,
    Duration maintenanceInterval,
    Duration rollupInterval,
    Duration ddlLockWait,
    Duration compactAfter) {}
