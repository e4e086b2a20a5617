package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.vmwatch.archiver.codec.RemoteWriteDecoder;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.http.RemoteEndpoint.Reply;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.DbErrors;
import io.vmwatch.archiver.storage.Ingester;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
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
  private static final int LOGGED_MESSAGE_CHARS = 300;

  private final Ingester ingester;
  private final BooleanSupplier migrated;
  private final RemoteEndpoint<WriteRequest> endpoint;

  public WriteHandler(
      RemoteWriteDecoder decoder,
      Ingester ingester,
      BooleanSupplier migrated,
      WriteAuth auth,
      long maxBodyBytes,
      ArchiverMetrics metrics) {
    this.ingester = ingester;
    this.migrated = migrated;
    this.endpoint =
        new RemoteEndpoint<>(
            RemoteEndpoint.Protocol.WRITE,
            auth,
            Math.min(maxBodyBytes, decoder.limits().heapBudgetBytes()),
            decoder::decodeBody,
            metrics::request,
            metrics::requestRejected);
  }

  @Override
  public void handle(HttpExchange exchange) {
    endpoint.serve(exchange, this::process);
  }

  private Reply process(HttpExchange exchange, WriteRequest request) {
    if (!migrated.getAsBoolean()) {
      return new Reply(503, null, "database not ready");
    }
    try {
      ingester.ingest(request);
      return new Reply(204, null, null);
    } catch (SQLException | JdbiException e) {
      String reason = DbErrors.permanentReason(e);
      String message = String.valueOf(e.getMessage());
      message =
          message.length() > LOGGED_MESSAGE_CHARS
              ? message.substring(0, LOGGED_MESSAGE_CHARS) + "..."
              : message;
      if (reason != null) {
        LOG.warning("MySQL refused the batch (" + reason + "), answering 400: " + message);
        return endpoint.refuse(
            400,
            reason,
            "the database refused this batch (" + reason + "); a retry would fail alike");
      }
      LOG.warning("write to MySQL failed, answering 503: " + message);
      return new Reply(503, null, "database write failed; retry later");
    }
  }
}
