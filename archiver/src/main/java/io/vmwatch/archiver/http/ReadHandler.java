package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.vmwatch.archiver.chunk.ChunkedReadResponseWriter;
import io.vmwatch.archiver.codec.ReadRequest;
import io.vmwatch.archiver.codec.RemoteReadDecoder;
import io.vmwatch.archiver.http.RemoteEndpoint.Reply;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.ReadLimitException;
import io.vmwatch.archiver.storage.RemoteReader;
import io.vmwatch.archiver.storage.StreamedRead;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
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

  /** Bytes of a streamed answer held back before its status is sent. */
  static final int DEFERRED_BYTES = 64 << 10;

  private final RemoteReader reader;
  private final Jdbi jdbi;
  private final BooleanSupplier migrated;
  private final ArchiverMetrics metrics;
  private final RemoteEndpoint<ReadRequest> endpoint;

  public ReadHandler(
      RemoteReadDecoder decoder,
      RemoteReader reader,
      Jdbi jdbi,
      BooleanSupplier migrated,
      WriteAuth auth,
      long maxBodyBytes,
      ArchiverMetrics metrics) {
    this.reader = reader;
    this.jdbi = jdbi;
    this.migrated = migrated;
    this.metrics = metrics;
    this.endpoint =
        new RemoteEndpoint<>(
            RemoteEndpoint.Protocol.READ,
            auth,
            maxBodyBytes,
            decoder::decodeBody,
            metrics::readRequest,
            metrics::readRejected);
  }

  @Override
  public void handle(HttpExchange exchange) {
    endpoint.serve(exchange, this::process);
  }

  private Reply process(HttpExchange exchange, ReadRequest request) throws IOException {
    int responseType = request.responseType();
    if (responseType == ReadRequest.NO_SUPPORTED_TYPE) {
      return endpoint.refuse(
          400,
          "unsupported_type",
          "the request accepts only response types "
              + request.acceptedResponseTypes()
              + "; this archiver answers SAMPLES (0) and STREAMED_XOR_CHUNKS (1)");
    }
    if (!migrated.getAsBoolean()) {
      return endpoint.refuse(503, "database", "database not ready");
    }
    try (Handle handle = jdbi.open()) {
      RemoteReader.beginSnapshot(handle);
      try {
        if (responseType == ReadRequest.STREAMED_XOR_CHUNKS) {
          return stream(exchange, handle, request);
        }
        RemoteReader.Plan plan;
        try {
          plan = reader.plan(handle, request);
        } catch (ReadLimitException e) {
          return endpoint.refuse(422, e.reason(), e.getMessage());
        }
        exchange.getResponseHeaders().set("Content-Type", MEDIA_TYPE);
        exchange.getResponseHeaders().set("Content-Encoding", "snappy");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
          plan.write(handle, request, out);
        }
        metrics.read(plan.series(), plan.samples());
        return new Reply(200, null, null);
      } finally {
        RemoteReader.endSnapshot(handle);
      }
    } catch (SQLException | JdbiException e) {
      LOG.warning("remote read from MySQL failed: " + e.getMessage());
      if (exchange.getResponseCode() != -1) {
        throw new IOException("remote read failed after the answer started", e);
      }
      return endpoint.refuse(503, "database", "database read failed; retry later");
    }
  }

  /** A STREAMED_XOR_CHUNKS answer, inside the read's snapshot. */
  private Reply stream(HttpExchange exchange, Handle handle, ReadRequest request)
      throws IOException, SQLException {
    StreamedRead read;
    try {
      read = reader.planStreamed(handle, request);
    } catch (ReadLimitException e) {
      return endpoint.refuse(422, e.reason(), e.getMessage());
    }
    exchange.getResponseHeaders().set("Content-Type", ChunkedReadResponseWriter.CONTENT_TYPE);
    DeferredBody body = new DeferredBody(exchange, DEFERRED_BYTES);
    ChunkedReadResponseWriter frames = new ChunkedReadResponseWriter(body);
    try {
      read.write(handle, request, frames);
    } catch (ReadLimitException e) {
      if (!body.committed()) {
        return endpoint.refuse(422, e.reason(), e.getMessage());
      }
      metrics.readRejected(e.reason());
      frames.abort(e.getMessage());
      body.close();
      return new Reply(200, null, null);
    } catch (IOException | SQLException | RuntimeException e) {
      if (body.committed()) {
        abortQuietly(frames, body);
      }
      throw e;
    }
    body.close();
    metrics.read(read.series(), read.samples());
    return new Reply(200, null, null);
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
}
