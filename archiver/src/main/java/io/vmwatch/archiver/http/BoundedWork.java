package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Lets at most {@code workers} requests into a handler at once. A request that finds every worker
 * busy waits at most {@code wait}, then gets 503 with {@code Retry-After}; it never queues without
 * bound and never blocks the thread that accepts connections.
 */
public final class BoundedWork implements HttpHandler {
  private final Semaphore workers;
  private final int workerCount;
  private final Duration wait;
  private final HttpHandler handler;
  private final Runnable onBusy;

  public BoundedWork(int workers, Duration wait, HttpHandler handler, Runnable onBusy) {
    this.workers = new Semaphore(workers);
    this.workerCount = workers;
    this.wait = wait;
    this.handler = handler;
    this.onBusy = onBusy;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    boolean admitted;
    try {
      admitted = workers.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      admitted = false;
    }
    if (!admitted) {
      onBusy.run();
      busy(exchange);
      return;
    }
    try {
      handler.handle(exchange);
    } finally {
      workers.release();
    }
  }

  private void busy(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body =
          ("busy: all " + workerCount + " workers are serving other requests; retry later\n")
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.getResponseHeaders().set("Retry-After", "1");
      exchange.sendResponseHeaders(503, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
