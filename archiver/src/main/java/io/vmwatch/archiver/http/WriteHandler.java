package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.vmwatch.archiver.codec.MalformedRequestException;
import io.vmwatch.archiver.codec.RemoteWriteDecoder;
import io.vmwatch.archiver.codec.TooLargeException;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.DbErrors;
import io.vmwatch.archiver.storage.Ingester;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jdbi.v3.core.JdbiException;

/**
 * {@code POST /api/v1/write}, remote write 1.0. 204 only after the samples are committed; 400 for a
 * body that does not decode, or that MySQL refuses in a way no retry can fix ({@link DbErrors}):
 * Prometheus drops it and does not retry; 401 without the configured credentials; 405 for another
 * method; 413 above a size, series, sample or heap limit (the reason in the body); 415 for anything
 * but {@code application/x-protobuf} with snappy encoding (so a remote-write 2.0 request never gets
 * a silent 2xx); 503 while MySQL is unreachable, not migrated yet, or a write fails in a way a
 * retry may fix (Prometheus retries). Database error text stays in the log, never in the answer.
 */
public final class WriteHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(WriteHandler.class.getName());
  private static final String MEDIA_TYPE = "application/x-protobuf";
  private static final String V1_PROTO = "prometheus.WriteRequest";
  private static final long DRAIN_LIMIT = 64L << 20;
  private static final int LOGGED_MESSAGE_CHARS = 300;

  private final RemoteWriteDecoder decoder;
  private final Ingester ingester;
  private final BooleanSupplier migrated;
  private final WriteAuth auth;
  private final long maxBodyBytes;
  private final ArchiverMetrics metrics;

  public WriteHandler(
      RemoteWriteDecoder decoder,
      Ingester ingester,
      BooleanSupplier migrated,
      WriteAuth auth,
      long maxBodyBytes,
      ArchiverMetrics metrics) {
    this.decoder = decoder;
    this.ingester = ingester;
    this.migrated = migrated;
    this.auth = auth;
    this.maxBodyBytes = maxBodyBytes;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    long start = System.nanoTime();
    int code = 500;
    try {
      Reply reply = process(exchange);
      code = reply.code();
      send(exchange, reply);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "write request failed", e);
      try {
        send(exchange, new Reply(500, "internal error"));
      } catch (IOException | RuntimeException alreadyAnswered) {
        // the client went away or the status line was already sent: nothing more to say
      }
    } finally {
      metrics.request(code, Duration.ofNanos(System.nanoTime() - start));
      exchange.close();
    }
  }

  private record Reply(int code, String message) {}

  private Reply process(HttpExchange exchange) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      return new Reply(405, "only POST is supported");
    }
    if (!auth.permits(exchange.getRequestHeaders().getFirst("Authorization"))) {
      exchange.getResponseHeaders().set("WWW-Authenticate", auth.challenge());
      return new Reply(401, "missing or wrong credentials");
    }
    String unsupported = unsupportedMediaType(exchange);
    if (unsupported != null) {
      return new Reply(415, unsupported);
    }
    long maxBody = Math.min(maxBodyBytes, decoder.limits().heapBudgetBytes());
    byte[] body;
    try {
      body = readAtMost(exchange, maxBody);
    } catch (MalformedRequestException e) {
      return rejected(400, "malformed", e.getMessage());
    }
    if (body == null) {
      return rejected(413, "too_large", "body is above the limit of " + maxBody + " bytes");
    }
    WriteRequest request;
    try {
      request = decoder.decodeBody(body);
    } catch (MalformedRequestException e) {
      return rejected(400, "malformed", e.getMessage());
    } catch (TooLargeException e) {
      return rejected(413, "too_large", e.getMessage());
    }
    body = null; // the decoded request no longer needs it
    if (!migrated.getAsBoolean()) {
      return new Reply(503, "database not ready");
    }
    try {
      ingester.ingest(request);
      return new Reply(204, null);
    } catch (SQLException | JdbiException e) {
      String reason = DbErrors.permanentReason(e);
      String message = String.valueOf(e.getMessage());
      message =
          message.length() > LOGGED_MESSAGE_CHARS
              ? message.substring(0, LOGGED_MESSAGE_CHARS) + "..."
              : message;
      if (reason != null) {
        LOG.warning("MySQL refused the batch (" + reason + "), answering 400: " + message);
        return rejected(
            400,
            reason,
            "the database refused this batch (" + reason + "); a retry would fail alike");
      }
      LOG.warning("write to MySQL failed, answering 503: " + message);
      return new Reply(503, "database write failed; retry later");
    }
  }

  private Reply rejected(int code, String reason, String message) {
    metrics.requestRejected(reason);
    return new Reply(code, message);
  }

  /** Null when the request is remote write 1.0; otherwise why not. */
  private static String unsupportedMediaType(HttpExchange exchange) {
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType == null) {
      return "Content-Type is missing; expected " + MEDIA_TYPE;
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase(MEDIA_TYPE)) {
      return "Content-Type " + contentType + " is not supported; expected " + MEDIA_TYPE;
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].split("=", 2);
      if (parameter[0].trim().equalsIgnoreCase("proto")
          && (parameter.length < 2 || !parameter[1].trim().replace("\"", "").equals(V1_PROTO))) {
        return "Content-Type "
            + contentType
            + " is not supported: only remote write 1.0 ("
            + V1_PROTO
            + ") is accepted";
      }
    }
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding == null || !encoding.trim().toLowerCase(Locale.ROOT).equals("snappy")) {
      return "Content-Encoding " + encoding + " is not supported; expected snappy";
    }
    String version = exchange.getRequestHeaders().getFirst("X-Prometheus-Remote-Write-Version");
    if (version != null && !version.trim().startsWith("0.1.")) {
      return "X-Prometheus-Remote-Write-Version " + version + " is not supported; expected 0.1.0";
    }
    return null;
  }

  /**
   * The whole body, or null when it is longer than limit. With a Content-Length (as Prometheus
   * sends) the body is read into one array of that size, never more. The rest of an oversized body
   * is read and discarded (up to {@link #DRAIN_LIMIT}) so that the client gets to read the 413
   * instead of a reset.
   */
  static byte[] readAtMost(HttpExchange exchange, long limit)
      throws IOException, MalformedRequestException {
    InputStream in = exchange.getRequestBody();
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw new MalformedRequestException("Content-Length is not a number");
      }
      if (length > limit) {
        if (length <= limit + DRAIN_LIMIT) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        return null;
      }
      byte[] body = in.readNBytes((int) length);
      if (body.length < length) {
        throw new MalformedRequestException(
            "body ended after " + body.length + " of " + length + " bytes");
      }
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      total += n;
      if (total > limit) {
        while (total <= limit + DRAIN_LIMIT && (n = in.read(buffer)) > 0) {
          total += n;
        }
        return null;
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    if (reply.message() == null) {
      exchange.sendResponseHeaders(reply.code(), -1);
      return;
    }
    byte[] body = (reply.message() + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(reply.code(), body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
