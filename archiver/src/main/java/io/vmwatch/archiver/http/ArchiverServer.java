package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpServer;
import io.vmwatch.archiver.ArchiverConfig;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * The archiver's HTTP server and its routes: /api/v1/write, /api/v1/read, /metrics, /-/healthy and
 * /-/ready. Slow or idle clients hold connection threads only ({@link HttpServers}); the write path
 * and /metrics take one of their few workers once the request head is in, and answer 503 when none
 * frees up within a second (remote reads have --read.threads workers of their own). /-/healthy and
 * /-/ready take none.
 */
public final class ArchiverServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ArchiverServer.class.getName());
  private static final Duration WORKER_WAIT = Duration.ofSeconds(1);

  private final HttpServer server;
  private final ThreadPoolExecutor connections;

  /** {@code ready} answers whether MySQL is reachable and migrated. */
  public ArchiverServer(
      ArchiverConfig config,
      WriteHandler write,
      ReadHandler read,
      BooleanSupplier ready,
      ArchiverMetrics metrics)
      throws IOException {
    this.server =
        HttpServers.create(
            config.listenAddress(),
            config.maxConnections(),
            config.requestTimeout(),
            "archiver-http");
    this.connections = (ThreadPoolExecutor) server.getExecutor();
    Runnable busy = () -> metrics.requestRejected("busy");
    HttpServers.route(
        server, "/api/v1/write", new BoundedWork(config.httpThreads(), WORKER_WAIT, write, busy));
    HttpServers.route(
        server,
        "/api/v1/read",
        new BoundedWork(
            config.readThreads(), WORKER_WAIT, read, () -> metrics.readRejected("busy")));
    HttpServers.route(
        server,
        "/metrics",
        new BoundedWork(2, WORKER_WAIT, PlainText.handler(200, metrics::scrape), busy));
    HttpServers.route(
        server, "/-/healthy", PlainText.handler(200, () -> "vmwatch archiver is healthy.\n"));
    HttpServers.route(
        server,
        "/-/ready",
        exchange -> {
          try (exchange) {
            boolean isReady = ready.getAsBoolean();
            PlainText.send(
                exchange,
                isReady ? 200 : 503,
                PlainText.EXPOSITION,
                isReady
                    ? "vmwatch archiver is ready.\n"
                    : "vmwatch archiver is not ready: MySQL unreachable or not migrated yet.\n");
          }
        });
  }

  public void start() {
    server.start();
    LOG.info("listening on " + server.getAddress());
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops accepting and lets running requests finish (up to 5 s, then 10 s for the threads). */
  @Override
  public void close() {
    server.stop(5);
    connections.shutdown();
    try {
      if (!connections.awaitTermination(10, TimeUnit.SECONDS)) {
        connections.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
