package io.vmwatch.exporter.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * Serves the registry in the format the {@code Accept} header asks for (text 0.0.4 or OpenMetrics,
 * simpleclient's {@link TextFormat}), gzip-compressed when the client accepts it.
 *
 * <p>The body is built in a buffer of this request only. simpleclient_httpserver's own handler
 * keeps a 1 MiB buffer per serving thread for the life of the thread, which a heap of 32 MB cannot
 * afford for a pool of dozens of threads.
 */
final class MetricsHandler implements HttpHandler {
  private static final int INITIAL_BUFFER = 16 * 1024;

  private final CollectorRegistry registry;
  private final ScrapesInFlight inFlight;

  MetricsHandler(CollectorRegistry registry, ScrapesInFlight inFlight) {
    this.registry = registry;
    this.inFlight = inFlight;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    inFlight.enter();
    try {
      serve(exchange);
    } finally {
      inFlight.leave();
    }
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String contentType =
          TextFormat.chooseContentType(exchange.getRequestHeaders().getFirst("Accept"));
      ByteArrayOutputStream body = new ByteArrayOutputStream(INITIAL_BUFFER);
      try (Writer writer = new OutputStreamWriter(body, StandardCharsets.UTF_8)) {
        TextFormat.writeFormat(contentType, writer, registry.metricFamilySamples());
      }
      exchange.getResponseHeaders().set("Content-Type", contentType);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      if (acceptsGzip(exchange) && !head) {
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = new GZIPOutputStream(exchange.getResponseBody())) {
          body.writeTo(out);
        }
        return;
      }
      exchange.sendResponseHeaders(200, head ? -1 : body.size());
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          body.writeTo(out);
        }
      }
    }
  }

  private static boolean acceptsGzip(HttpExchange exchange) {
    for (String header : exchange.getRequestHeaders().getOrDefault("Accept-Encoding", List.of())) {
      for (String coding : header.split(",")) {
        if (coding.trim().toLowerCase(Locale.ROOT).startsWith("gzip")) {
          return true;
        }
      }
    }
    return false;
  }
}
