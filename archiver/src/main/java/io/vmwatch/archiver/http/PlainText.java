package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Plain-text answers: the status pages, /metrics, and the refusals of the endpoints. */
public final class PlainText {
  /** Prometheus' text exposition format; also what the status pages are served as. */
  static final String EXPOSITION = "text/plain; version=0.0.4; charset=utf-8";

  static final String UTF8 = "text/plain; charset=utf-8";

  private PlainText() {}

  /** Answers every request with {@code code} and the text {@code body} gives at that moment. */
  static HttpHandler handler(int code, Supplier<String> body) {
    return exchange -> {
      try (exchange) {
        send(exchange, code, EXPOSITION, body.get());
      }
    };
  }

  /** Sends the status line and {@code body}; the exchange stays open. */
  static void send(HttpExchange exchange, int code, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
