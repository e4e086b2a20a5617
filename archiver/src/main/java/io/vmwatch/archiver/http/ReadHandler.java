package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.vmwatch.archiver.codec.ReadRequest;
import io.vmwatch.archiver.codec.RemoteReadDecoder;
import io.vmwatch.archiver.http.RemoteEndpoint.Reply;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.ReadLimitException;
import io.vmwatch.archiver.storage.RemoteReader;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * {@code POST /api/v1/read}, remote read 1.0 answered with SAMPLES from the raw samples ({@link
 * RemoteReader}). 200 with a snappy {@code ReadResponse}; 400 for a body that does not decode, a
 * bad regular expression, or a request that accepts only STREAMED_XOR_CHUNKS; 401 without the write
 * path's credentials; 405 for another method; 413 for a body above its limit; 415 for anything but
 * {@code application/x-protobuf} with snappy encoding (remote read 2.0 included); 422 when the
 * answer would pass {@code --read.max-series} or {@code --read.max-samples} (Prometheus shows the
 * text as a warning on the query); 503 while MySQL is unreachable or not migrated. Database error
 * text stays in the log.
 */
public final class ReadHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(ReadHandler.class.getName());
  private static final String MEDIA_TYPE = "application/x-protobuf";

  private final RemoteReadDecoder decoder;
  private final RemoteReader reader;
  private final Jdbi jdbi;
  private final BooleanSupplier migrated;
  private final long maxBodyBytes;
  private final ArchiverMetrics metrics;
  private final RemoteEndpoint endpoint;

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
    this.maxBodyBytes = maxBodyBytes;
    this.metrics = metrics;
    this.endpoint =
        new RemoteEndpoint(
            "remote read",
            "prometheus.ReadRequest",
            "X-Prometheus-Remote-Read-Version",
            auth,
            metrics::readRequest,
            metrics::readRejected);
  }

  @Override
  public void handle(HttpExchange exchange) {
    endpoint.serve(exchange, this::process);
  }

  private Reply process(HttpExchange exchange) throws IOException {
    ReadRequest request;
    try {
      request = endpoint.admit(exchange, maxBodyBytes, decoder::decodeBody);
    } catch (RemoteEndpoint.Refused refused) {
      return refused.reply();
    }
    if (!request.acceptsSamples()) {
      return endpoint.refuse(
          400,
          "unsupported_type",
          "the request accepts only response types "
              + request.acceptedResponseTypes()
              + "; this archiver answers SAMPLES (0) only");
    }
    if (!migrated.getAsBoolean()) {
      return endpoint.refuse(503, "database", "database not ready");
    }
    try (Handle handle = jdbi.open()) {
      Connection connection = handle.getConnection();
      RemoteReader.beginSnapshot(connection);
      try {
        RemoteReader.Plan plan;
        try {
          plan = reader.plan(connection, request);
        } catch (ReadLimitException e) {
          return endpoint.refuse(422, e.reason(), e.getMessage());
        }
        exchange.getResponseHeaders().set("Content-Type", MEDIA_TYPE);
        exchange.getResponseHeaders().set("Content-Encoding", "snappy");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
          plan.write(connection, request, out);
        }
        metrics.read(plan.series(), plan.samples());
        return new Reply(200, null, null);
      } finally {
        RemoteReader.endSnapshot(connection);
      }
    } catch (SQLException | JdbiException e) {
      LOG.warning("remote read from MySQL failed: " + e.getMessage());
      if (exchange.getResponseCode() != -1) {
        throw new IOException("remote read failed after the answer started", e);
      }
      return endpoint.refuse(503, "database", "database read failed; retry later");
    }
  }
}
