package io.vmwatch.archiver.storage;

import static io.vmwatch.archiver.TestResources.closeAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.vmwatch.archiver.ArchiverFixture;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.http.WriteAuth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Database errors that no retry can fix answer 400 and are counted by reason, so Prometheus drops
 * the batch; transient ones (MariaDB down) stay 503. No SQL or label value reaches the client.
 */
class ErrorClassesIT {
  private static final long NOW = System.currentTimeMillis();
  private static MariaDbServer db;
  private static ArchiverFixture archiver;

  @BeforeAll
  static void start() throws Exception {
    db = MariaDbServer.start();
    archiver = new ArchiverFixture(db, WriteAuth.none());
    // the day partitions are created right after the migration, beside pmax
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (db.admin(
            "SELECT COUNT(*) FROM information_schema.partitions WHERE table_schema = 'vmwatch'"
                + " AND table_name = 'samples'")
        .get(0)
        .trim()
        .equals("1")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no day partitions within 60 s");
      }
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(archiver, db);
  }

  private static byte[] body(String name, String jobLabel, long ts) {
    return RemoteWriteEncoder.snappy(
        new WriteRequest(
            List.of(
                new TimeSeries(
                    List.of(
                        new Label("__name__", name),
                        new Label("instance", "vm-1"),
                        new Label("job", jobLabel)),
                    new long[] {ts},
                    new double[] {1.5},
                    0))));
  }

  private static double rejected(String reason) throws Exception {
    return archiver.metric("vmwatch_archiver_requests_rejected_total{reason=\"" + reason + "\"}");
  }

  private static HttpResponse<String> post(byte[] body) throws Exception {
    return archiver.post(body, "application/x-protobuf", "snappy", "0.1.0", null);
  }

  @Test
  void aSampleNoPartitionCoversAnswers400AndIsCounted() throws Exception {
    long future = NOW + 40L * 86_400_000;
    assertEquals(0.0, rejected("no_partition"));
    // pmax holds what lies beyond the days created; without it, nothing covers 40 days ahead
    db.admin("ALTER TABLE vmwatch.samples DROP PARTITION pmax");
    try {
      HttpResponse<String> response = post(body("uncovered_total", "secret-label-value", future));
      assertEquals(400, response.statusCode(), response.body());
      assertTrue(response.body().contains("no_partition"), response.body());
      assertFalse(
          response.body().contains("secret-label-value")
              || response.body().contains("INSERT")
              || response.body().contains("samples"),
          response.body());
      assertEquals(1.0, rejected("no_partition"));
    } finally {
      db.admin(
          "ALTER TABLE vmwatch.samples ADD PARTITION (PARTITION pmax VALUES LESS THAN MAXVALUE)");
    }
    // the same batch is fine once a partition covers it again
    assertEquals(204, archiver.write(body("uncovered_total", "secret-label-value", future)));
  }

  @Test
  void aDatabaseThatIsDownStays503AndIsNotCountedAsRejected() throws Exception {
    double before =
        rejected("data")
            + rejected("constraint")
            + rejected("no_partition")
            + rejected("packet_too_large");
    db.shutdown();
    try {
      HttpResponse<String> response = post(body("while_down", "j", NOW));
      assertEquals(503, response.statusCode(), response.body());
      assertFalse(
          response.body().contains("jdbc") || response.body().contains("Communications"),
          response.body());
      // a remote read too: 503, no database text, counted as reason="database"
      double readsBefore =
          archiver.metric("vmwatch_archiver_read_requests_rejected_total{reason=\"database\"}");
      HttpResponse<String> read = archiver.read(readRequest("while_down"));
      assertEquals(503, read.statusCode(), read.body());
      assertFalse(
          read.body().contains("jdbc") || read.body().contains("Communications"), read.body());
      assertEquals(
          readsBefore + 1,
          archiver.metric("vmwatch_archiver_read_requests_rejected_total{reason=\"database\"}"));
    } finally {
      db.restart();
    }
    double after =
        rejected("data")
            + rejected("constraint")
            + rejected("no_partition")
            + rejected("packet_too_large");
    assertEquals(before, after);
    long deadline = System.nanoTime() + 60_000_000_000L;
    int status;
    while ((status = archiver.write(body("while_down", "j", NOW))) != 204
        && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    assertEquals(204, status);
    assertEquals(200, archiver.read(readRequest("while_down")).statusCode());
  }

  /** A snappy ReadRequest of one query over the last day for the metric name. */
  private static byte[] readRequest(String metric) throws IOException {
    ByteArrayOutputStream matcher = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(matcher);
    m.writeEnum(1, 0);
    m.writeString(2, "__name__");
    m.writeString(3, metric);
    m.flush();
    ByteArrayOutputStream query = new ByteArrayOutputStream();
    CodedOutputStream q = CodedOutputStream.newInstance(query);
    q.writeInt64(1, NOW - 86_400_000);
    q.writeInt64(2, NOW + 60_000);
    q.writeByteArray(3, matcher.toByteArray());
    q.flush();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    CodedOutputStream r = CodedOutputStream.newInstance(request);
    r.writeByteArray(1, query.toByteArray());
    r.flush();
    return RemoteWriteEncoder.compress(request.toByteArray());
  }
}
