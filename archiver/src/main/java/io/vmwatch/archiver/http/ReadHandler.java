package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.vmwatch.archiver.chunk.ChunkedReadResponseWriter;
import io.vmwatch.archiver.codec.MalformedRequestException;
import io.vmwatch.archiver.codec.ReadRequest;
import io.vmwatch.archiver.codec.RemoteReadDecoder;
import io.vmwatch.archiver.codec.TooLargeException;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.ReadLimitException;
import io.vmwatch.archiver.storage.RemoteReader;
import io.vmwatch.archiver.storage.StreamedRead;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * {@code POST /api/v1/read}, remote read 1.0 from the archive ({@link RemoteReader}), answered with
 * the first response type of the request's list that the archiver implements: SAMPLES (200 with a
 * snappy {@code ReadResponse}) or STREAMED_XOR_CHUNKS (200 with frames of {@code
 * ChunkedReadResponse}, {@link StreamedRead}); an empty list means SAMPLES. 400 for a body that
 * does not decode, a bad regular expression, or a request that accepts neither type; 401 without
 * the write path's credentials; 405 for another method; 413 for a body above its limit; 415 for
 * anything but {@code application/x-protobuf} with snappy encoding (remote read 2.0 included); 422
 * when the answer would pass {@code --read.max-series} or {@code --read.max-samples} (Prometheus
 * shows the text as a warning on the query); 503 while MySQL is unreachable or not migrated.
 * Database error text stays in the log.
 *
 * <p>A streamed answer counts its samples as it goes. Its first {@link #DEFERRED_BYTES} are held
 * back, so a limit passed within them is still a 422; a limit passed (or a database error) after
 * frames went out ends the stream with an incomplete frame carrying the reason ({@link
 * ChunkedReadResponseWriter#abort}), which the client reports as an error.
 */
public final class ReadHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(ReadHandler.class.getName());
  private static final String MEDIA_TYPE = "application/x-protobuf";
  private static final String V1_PROTO = "prometheus.ReadRequest";

  /** Bytes of a streamed answer held back before its status is sent. */
  static final int DEFERRED_BYTES = 64 << 10;

  private final RemoteReadDecoder decoder;
  private final RemoteReader reader;
  private final Jdbi jdbi;
  private final BooleanSupplier migrated;
  private final WriteAuth auth;
  private final long maxBodyBytes;
  private final ArchiverMetrics metrics;

  public ReadHandler(
      RemoteReadDecoder decoder,
      RemoteReader reader,
      Jdbi jdbi,
      BooleanSupplier migrated,
      WriteAuth auth,
      long maxBodyBytes,
      ArchiverMetrics metrics) {
    this.decoder = decoder;
    this.reader = reader;
    this.jdbi = jdbi;
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
      if (reply.code() != 200) {
        send(exchange, reply);
      }
    } catch (IOException | RuntimeException e) {
      // Either before anything was sent (answered 500), or during the stream: the client then
      // gets a body shorter than its snappy header announces, which it refuses.
      LOG.log(Level.WARNING, "read request failed", e);
      metrics.readRejected("internal");
      try {
        send(exchange, new Reply(500, "internal error"));
      } catch (IOException | RuntimeException alreadyAnswered) {
        // the status line was already sent
      }
    } finally {
      metrics.readRequest(code, Duration.ofNanos(System.nanoTime() - start));
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
      return rejected(401, "unauthorized", "missing or wrong credentials");
    }
    String unsupported = unsupportedMediaType(exchange);
    if (unsupported != null) {
      return rejected(415, "unsupported_type", unsupported);
    }
    byte[] body;
    try {
      body = WriteHandler.readAtMost(exchange, maxBodyBytes);
    } catch (MalformedRequestException e) {
      return rejected(400, "malformed", e.getMessage());
    }
    if (body == null) {
      return rejected(413, "too_large", "body is above the limit of " + maxBodyBytes + " bytes");
    }
    ReadRequest request;
    try {
      request = decoder.decodeBody(body);
    } catch (MalformedRequestException e) {
      return rejected(400, "malformed", e.getMessage());
    } catch (TooLargeException e) {
      return rejected(413, "too_large", e.getMessage());
    }
    int responseType = request.responseType();
    if (responseType == ReadRequest.NO_SUPPORTED_TYPE) {
      return rejected(
          400,
          "unsupported_type",
          "the request accepts only response types "
              + request.acceptedResponseTypes()
              + "; this archiver answers SAMPLES (0) and STREAMED_XOR_CHUNKS (1)");
    }
    if (!migrated.getAsBoolean()) {
      return rejected(503, "database", "database not ready");
    }
    try (Handle handle = jdbi.open()) {
      Connection connection = handle.getConnection();
      RemoteReader.beginSnapshot(connection);
      try {
        if (responseType == ReadRequest.STREAMED_XOR_CHUNKS) {
          return stream(exchange, connection, request);
        }
        RemoteReader.Plan plan;
        try {
          plan = reader.plan(connection, request);
        } catch (ReadLimitException e) {
          return rejected(422, e.reason(), e.getMessage());
        }
        exchange.getResponseHeaders().set("Content-Type", MEDIA_TYPE);
        exchange.getResponseHeaders().set("Content-Encoding", "snappy");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
          plan.write(connection, request, out);
        }
        metrics.read(plan.series(), plan.samples());
        return new Reply(200, null);
      } finally {
        RemoteReader.endSnapshot(connection);
      }
    } catch (SQLException | JdbiException e) {
      LOG.warning("remote read from MySQL failed: " + e.getMessage());
      if (exchange.getResponseCode() != -1) {
        throw new IOException("remote read failed after the answer started", e);
      }
      return rejected(503, "database", "database read failed; retry later");
    }
  }

  /** A STREAMED_XOR_CHUNKS answer, inside the read's snapshot. */
  private Reply stream(HttpExchange exchange, Connection connection, ReadRequest request)
      throws IOException, SQLException {
    StreamedRead read;
    try {
      read = reader.planStreamed(connection, request);
    } catch (ReadLimitException e) {
      return rejected(422, e.reason(), e.getMessage());
    }
    exchange.getResponseHeaders().set("Content-Type", ChunkedReadResponseWriter.CONTENT_TYPE);
    DeferredBody body = new DeferredBody(exchange, DEFERRED_BYTES);
    ChunkedReadResponseWriter frames = new ChunkedReadResponseWriter(body);
    try {
      read.write(connection, request, frames);
    } catch (ReadLimitException e) {
      if (!body.committed()) {
        return rejected(422, e.reason(), e.getMessage());
      }
      metrics.readRejected(e.reason());
      frames.abort(e.getMessage());
      body.close();
      return new Reply(200, null);
    } catch (IOException | SQLException | RuntimeException e) {
      if (body.committed()) {
        abortQuietly(frames, body);
      }
      throw e;
    }
    body.close();
    metrics.read(read.series(), read.samples());
    return new Reply(200, null);
  }

  /** Ends a stream that failed after it started, so that the client does not take it as whole. */
  private static void abortQuietly(ChunkedReadResponseWriter frames, DeferredBody body) {
    try {
      frames.abort("the read failed after the answer started; see the archiver's log");
      body.close();
    } catch (IOException | RuntimeException e) {
      // the client is gone, or the stream broke: it cannot take the answer as complete either
    }
  }

  private Reply rejected(int code, String reason, String message) {
    metrics.readRejected(reason);
    return new Reply(code, message);
  }

  /** Null when the request is remote read 1.0; otherwise why not. */
  private static String unsupportedMediaType(HttpExchange exchange) {
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType == null) {
      return "Content-Type is missing; expected " + MEDIA_TYPE;
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase(MEDIA_TYPE)) {
      return "Content-Type "
          + contentType
          + " is not supported; expected "
          + MEDIA_TYPE
          + " (remote read 1.0)";
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].split("=", 2);
      if (parameter[0].trim().equalsIgnoreCase("proto")
          && (parameter.length < 2 || !parameter[1].trim().replace("\"", "").equals(V1_PROTO))) {
        return "Content-Type "
            + contentType
            + " is not supported: only remote read 1.0 ("
            + V1_PROTO
            + ") is accepted";
      }
    }
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding == null || !encoding.trim().toLowerCase(Locale.ROOT).equals("snappy")) {
      return "Content-Encoding " + encoding + " is not supported; expected snappy";
    }
    String version = exchange.getRequestHeaders().getFirst("X-Prometheus-Remote-Read-Version");
    if (version != null && !version.trim().startsWith("0.1.")) {
      return "X-Prometheus-Remote-Read-Version " + version + " is not supported; expected 0.1.0";
    }
    return null;
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    byte[] body = (reply.message() + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(reply.code(), body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
