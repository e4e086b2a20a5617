package io.vmwatch.exporter.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Lets at most {@code workers} requests into a handler at once; one that finds them all busy for
 * {@code waitMillis} gets 503 with {@code Retry-After}, instead of queueing without bound or
 * blocking the thread that accepts connections.
 */
final class BoundedWork implements HttpHandler {
  private final Semaphore workers;
  private final int workerCount;
  private final long waitMillis;
  private final HttpHandler handler;

  BoundedWork(int workers, long waitMillis, HttpHandler handler) {
    this.workers = new Semaphore(workers);
    this.workerCount = workers;
    this.waitMillis = waitMillis;
    this.handler = handler;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    boolean admitted;
    try {
      admitted = workers.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      admitted = false;
    }
    if (!admitted) {
      try (exchange) {
        byte[] body =
            ("busy: all " + workerCount + " workers are serving other requests\n")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Retry-After", "1");
        exchange.sendResponseHeaders(503, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      return;
    }
    try {
      handler.handle(exchange);
    } finally {
      workers.release();
    }
  }
}
