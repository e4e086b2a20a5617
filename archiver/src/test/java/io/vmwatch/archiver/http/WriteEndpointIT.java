package io.vmwatch.archiver.http;

import static io.vmwatch.archiver.ArchiverFixture.count;
import static io.vmwatch.archiver.ArchiverFixture.rows;
import static io.vmwatch.archiver.TestResources.closeAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.ArchiverFixture;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.storage.Ingester;
import io.vmwatch.archiver.storage.SeriesKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The write endpoint against a real MariaDB: statuses, idempotence, atomicity, exact storage. */
class WriteEndpointIT {
  private static MariaDbServer db;
  private static ArchiverFixture archiver;
  private static final long NOW = System.currentTimeMillis();

  @BeforeAll
  static void start() throws Exception {
    db = MariaDbServer.start();
    archiver = new ArchiverFixture(db, WriteAuth.none());
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(archiver, db);
  }

  private static TimeSeries series(
      String name, String instance, long start, int samples, long seed) {
    Random random = new Random(seed);
    long[] ts = new long[samples];
    double[] values = new double[samples];
    for (int i = 0; i < samples; i++) {
      ts[i] = start + i * 1000L;
      values[i] = random.nextDouble() * 1e6 - 5e5;
    }
    return new TimeSeries(
        List.of(
            new Label("__name__", name), new Label("instance", instance), new Label("job", "it")),
        ts,
        values,
        0);
  }

  private static List<List<String>> snapshot(Connection c) throws Exception {
    return rows(c, "SELECT series_id, ts, value FROM samples ORDER BY series_id, ts");
  }

  private static long sampleCount() throws Exception {
    try (Connection c = db.connect()) {
      return count(c, "SELECT COUNT(*) FROM samples") * 1_000_000
          + count(c, "SELECT COUNT(*) FROM series");
    }
  }

  @Test
  void aReplayedRequestLeavesNoDuplicateAndNoChangedValue() throws Exception {
    WriteRequest request =
        new WriteRequest(
            List.of(
                series("replay_a", "vm-1", NOW - 600_000, 200, 1),
                series("replay_b", "vm-1", NOW - 600_000, 200, 2),
                series("replay_a", "vm-2", NOW - 600_000, 200, 3)));
    byte[] body = RemoteWriteEncoder.snappy(request);
    assertEquals(204, archiver.write(body));
    List<List<String>> first;
    try (Connection c = db.connect()) {
      first =
          rows(
              c,
              "SELECT x.series_id, x.ts, x.value FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric LIKE 'replay\\_%' ORDER BY 1, 2");
    }
    assertEquals(600, first.size());
    assertEquals(204, archiver.write(body));
    try (Connection c = db.connect()) {
      assertEquals(
          first,
          rows(
              c,
              "SELECT x.series_id, x.ts, x.value FROM samples x JOIN series s"
                  + " ON s.id = x.series_id WHERE s.metric LIKE 'replay\\_%' ORDER BY 1, 2"));
      assertEquals(3, count(c, "SELECT COUNT(*) FROM series WHERE metric LIKE 'replay\\_%'"));
      // every value exactly as sent
      try (PreparedStatement q =
          c.prepareStatement(
              "SELECT x.ts, x.value FROM samples x JOIN series s"
                  + " ON s.id = x.series_id WHERE s.fingerprint = ? ORDER BY x.ts")) {
        for (TimeSeries s : request.series()) {
          q.setBytes(1, SeriesKey.of(s.labels()).fingerprint().bytes());
          List<Long> ts = new ArrayList<>();
          List<Double> values = new ArrayList<>();
          try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
              ts.add(rs.getLong(1));
              values.add(rs.getDouble(2));
            }
          }
          assertArrayEquals(s.timestamps(), ts.stream().mapToLong(Long::longValue).toArray());
          assertArrayEquals(s.values(), values.stream().mapToDouble(Double::doubleValue).toArray());
        }
      }
    }
  }

  @Test
  void concurrentOverlappingWritesAllCommitWithoutDuplicates() throws Exception {
    List<byte[]> bodies = new ArrayList<>();
    for (int r = 0; r < 12; r++) {
      List<TimeSeries> list = new ArrayList<>();
      for (int s = 0; s < 20; s++) {
        // requests r and r+1 overlap on half their samples
        list.add(
            series("overlap_" + s, "vm-" + (s % 3), NOW - 3_600_000 + (r % 6) * 50_000L, 100, s));
      }
      bodies.add(RemoteWriteEncoder.snappy(new WriteRequest(list)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (byte[] body : bodies) {
        results.add(pool.submit(() -> archiver.write(body)));
      }
      for (Future<Integer> result : results) {
        assertEquals(204, result.get());
      }
    } finally {
      pool.shutdown();
    }
    try (Connection c = db.connect()) {
      // 20 series, timestamps from offset 0 to 5*50 s + 99 s, one per second
      assertEquals(
          20 * (5 * 50 + 100),
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s"
                  + " ON s.id = x.series_id WHERE s.metric LIKE 'overlap\\_%'"));
    }
  }

  @Test
  void badRequestsGetTheRightStatusWriteNothingAndTheServerKeepsServing() throws Exception {
    byte[] good =
        RemoteWriteEncoder.snappy(
            new WriteRequest(List.of(series("bad_then_good", "vm-1", NOW, 10, 9))));
    byte[] protobuf =
        RemoteWriteEncoder.protobuf(new WriteRequest(List.of(series("never", "vm-1", NOW, 10, 9))));
    byte[] notProtobuf = RemoteWriteEncoder.compress("this is not a protobuf message".getBytes());
    byte[] truncated = RemoteWriteEncoder.compress(Arrays.copyOf(protobuf, protobuf.length - 5));
    byte[] oversized = new byte[(int) ArchiverFixture.MAX_BODY + 1];
    new Random(1).nextBytes(oversized);
    byte[] decodesTooLarge =
        RemoteWriteEncoder.compress(new byte[(int) ArchiverFixture.MAX_DECODED + 1]);
    WriteRequest halfValid =
        new WriteRequest(
            List.of(
                series("never_half", "vm-1", NOW, 10, 1),
                new TimeSeries(
                    List.of(new Label("job", "nameless")), new long[] {NOW}, new double[] {1}, 0)));
    String proto = "application/x-protobuf";
    long before = sampleCount();

    assertEquals(
        400, archiver.post(protobuf, proto, "snappy", "0.1.0", null).statusCode(), "not snappy");
    assertEquals(
        400,
        archiver
            .post(new byte[] {(byte) 0xff, 0, 1, 2}, proto, "snappy", "0.1.0", null)
            .statusCode());
    assertEquals(
        400,
        archiver.post(notProtobuf, proto, "snappy", "0.1.0", null).statusCode(),
        "not protobuf");
    assertEquals(
        400, archiver.post(truncated, proto, "snappy", "0.1.0", null).statusCode(), "truncated");
    assertEquals(
        400, archiver.post(new byte[0], proto, "snappy", "0.1.0", null).statusCode(), "empty");
    assertEquals(
        400, archiver.write(RemoteWriteEncoder.snappy(halfValid)), "one series without a name");
    assertEquals(
        413, archiver.post(oversized, proto, "snappy", "0.1.0", null).statusCode(), "oversized");
    assertEquals(413, archiver.write(decodesTooLarge), "decodes above the limit");
    assertEquals(
        415, archiver.post(good, "application/json", "snappy", "0.1.0", null).statusCode());
    assertEquals(415, archiver.post(good, "text/plain", "snappy", null, null).statusCode());
    assertEquals(
        415, archiver.post(good, null, "snappy", "0.1.0", null).statusCode(), "no Content-Type");
    assertEquals(415, archiver.post(good, proto, "gzip", "0.1.0", null).statusCode(), "gzip");
    assertEquals(415, archiver.post(good, proto, null, "0.1.0", null).statusCode(), "no encoding");
    assertEquals(
        415,
        archiver
            .post(
                good,
                "application/x-protobuf;proto=io.prometheus.write.v2.Request",
                "snappy",
                "2.0.0",
                null)
            .statusCode(),
        "remote write 2.0");
    assertEquals(
        415,
        archiver
            .post(
                good,
                "application/x-protobuf;proto=io.prometheus.write.v2.Request",
                "snappy",
                null,
                null)
            .statusCode(),
        "remote write 2.0 without version header");
    assertEquals(405, archiver.get("/api/v1/write").statusCode());
    assertEquals(before, sampleCount(), "a rejected request wrote something");

    assertEquals(
        204,
        archiver
            .post(
                good,
                "application/x-protobuf;proto=prometheus.WriteRequest",
                "snappy",
                "0.1.0",
                null)
            .statusCode(),
        "1.0 named explicitly");
    try (Connection c = db.connect()) {
      assertEquals(
          10,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'bad_then_good'"));
      assertEquals(0, count(c, "SELECT COUNT(*) FROM series WHERE metric LIKE 'never%'"));
    }
    assertEquals(200, archiver.get("/-/healthy").statusCode());
  }

  @Test
  void awkwardLabelValuesAreStoredExactly() throws Exception {
    String[] values = {
      "quote \" inside",
      "back\\slash \\n not a newline",
      "new\nline and\ttab\r",
      "non-ASCII: é ü ß 中文 🚀",
      "'single' `back` ;DROP TABLE series;--",
      "{\"json\": [1]}",
      ""
    };
    List<TimeSeries> list = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      list.add(
          new TimeSeries(
              List.of(
                  new Label("__name__", "awkward"),
                  new Label("instance", values[i]),
                  new Label("v", values[i]),
                  new Label("i", Integer.toString(i))),
              new long[] {NOW},
              new double[] {i},
              0));
    }
    assertEquals(204, archiver.write(RemoteWriteEncoder.snappy(new WriteRequest(list))));
    try (Connection c = db.connect();
        PreparedStatement q =
            c.prepareStatement(
                "SELECT s.metric, s.instance,"
                    + " JSON_UNQUOTE(JSON_EXTRACT(s.labels, '$.v')), JSON_VALID(s.labels), x.value"
                    + " FROM series s JOIN samples x ON x.series_id = s.id WHERE s.fingerprint = ?")) {
      for (int i = 0; i < values.length; i++) {
        // remote write 1.0: a label with an empty value is no label (dropped before the
        // fingerprint)
        List<Label> sent = list.get(i).labels().stream().filter(l -> !l.value().isEmpty()).toList();
        q.setBytes(1, SeriesKey.of(sent).fingerprint().bytes());
        try (ResultSet rs = q.executeQuery()) {
          assertTrue(rs.next(), "series " + i + " missing");
          assertEquals("awkward", rs.getString(1));
          assertEquals(values[i], rs.getString(2));
          assertEquals(values[i].isEmpty() ? null : values[i], rs.getString(3));
          assertEquals(1, rs.getInt(4));
          assertEquals(i, rs.getDouble(5));
        }
      }
    }
  }

  @Test
  void staleMarkersAreSkippedAndNonFiniteValuesStoredAsNull() throws Exception {
    double stale = Double.longBitsToDouble(Ingester.STALE_NAN_BITS);
    double staleBefore = archiver.metric("vmwatch_archiver_stale_markers_total");
    TimeSeries s =
        new TimeSeries(
            List.of(new Label("__name__", "nonfinite"), new Label("instance", "vm-1")),
            new long[] {NOW, NOW + 1000, NOW + 2000, NOW + 3000, NOW + 4000},
            new double[] {
              1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, stale
            },
            0);
    assertEquals(204, archiver.write(RemoteWriteEncoder.snappy(new WriteRequest(List.of(s)))));
    try (Connection c = db.connect()) {
      List<List<String>> stored =
          rows(
              c,
              "SELECT x.ts - "
                  + NOW
                  + ", x.value FROM samples x JOIN series s"
                  + " ON s.id = x.series_id WHERE s.metric = 'nonfinite' ORDER BY x.ts");
      assertEquals(4, stored.size(), stored.toString());
      assertEquals(List.of("0", "1.5"), stored.get(0));
      for (int i = 1; i < 4; i++) {
        assertNull(stored.get(i).get(1));
      }
    }
    assertEquals(staleBefore + 1, archiver.metric("vmwatch_archiver_stale_markers_total"));
  }

  @Test
  void onlyTheExactPathsAreServed() throws Exception {
    byte[] body =
        RemoteWriteEncoder.snappy(
            new WriteRequest(List.of(series("exact_path", "vm-1", NOW, 3, 1))));
    for (String path :
        new String[] {
          "/api/v1/writex",
          "/api/v1/write/",
          "/api/v1/readx",
          "/metricsx",
          "/-/healthyx",
          "/-/ready/x",
          "/",
          "/api/v1"
        }) {
      assertEquals(404, archiver.get(path).statusCode(), "GET " + path);
    }
    assertEquals(
        404,
        archiver
            .post(body, "application/x-protobuf", "snappy", "0.1.0", null, "/api/v1/writex")
            .statusCode());
    try (Connection c = db.connect()) {
      assertEquals(0, count(c, "SELECT COUNT(*) FROM series WHERE metric = 'exact_path'"));
    }
    assertEquals(200, archiver.get("/-/healthy").statusCode());
    assertEquals(200, archiver.get("/metrics").statusCode());
  }

  @Test
  void metricsCountReceivedAndWrittenSamples() throws Exception {
    double received = archiver.metric("vmwatch_archiver_samples_received_total");
    double written = archiver.metric("vmwatch_archiver_samples_written_total");
    assertEquals(
        204,
        archiver.write(
            RemoteWriteEncoder.snappy(
                new WriteRequest(List.of(series("counted", "vm-1", NOW, 25, 4))))));
    assertEquals(received + 25, archiver.metric("vmwatch_archiver_samples_received_total"));
    assertEquals(written + 25, archiver.metric("vmwatch_archiver_samples_written_total"));
    String metrics = archiver.get("/metrics").body();
    for (String name :
        new String[] {
          "vmwatch_archiver_samples_rejected_total{reason=",
          "vmwatch_archiver_db_errors_total",
          "vmwatch_archiver_request_duration_seconds_bucket",
          "vmwatch_archiver_batch_duration_seconds_count",
          "vmwatch_archiver_series_cache_size"
        }) {
      assertTrue(metrics.contains(name), name + " missing from /metrics");
    }
  }

  @Test
  void answers503WhileMariaDbIsDownAndRecovers() throws Exception {
    byte[] body =
        RemoteWriteEncoder.snappy(
            new WriteRequest(List.of(series("outage_short", "vm-1", NOW, 30, 5))));
    // A series the archiver has seen, then gone from the database as if it had been restored from a
    // backup taken before: after the outage its id must be read again, not taken from memory.
    byte[] forgotten =
        RemoteWriteEncoder.snappy(
            new WriteRequest(List.of(series("forgotten", "vm-1", NOW, 7, 8))));
    assertEquals(204, archiver.write(forgotten));
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.executeUpdate(
          "DELETE x FROM samples x JOIN series s ON s.id = x.series_id WHERE s.metric = 'forgotten'");
      st.executeUpdate("DELETE FROM series WHERE metric = 'forgotten'");
    }
    double dbErrors = archiver.metric("vmwatch_archiver_db_errors_total");
    db.shutdown();
    try {
      assertEquals(503, archiver.write(body));
      assertEquals(503, archiver.get("/-/ready").statusCode());
      assertEquals(200, archiver.get("/-/healthy").statusCode());
      assertTrue(archiver.metric("vmwatch_archiver_db_errors_total") > dbErrors);
    } finally {
      db.restart();
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    int status;
    while ((status = archiver.write(body)) != 204 && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    assertEquals(204, status);
    assertEquals(200, archiver.get("/-/ready").statusCode());
    try (Connection c = db.connect()) {
      assertEquals(
          30,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'outage_short'"));
    }
    assertEquals(204, archiver.write(forgotten));
    try (Connection c = db.connect()) {
      assertEquals(
          7,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'forgotten'"));
      assertEquals(
          0,
          count(
              c,
              "SELECT COUNT(*) FROM samples x LEFT JOIN series s ON s.id = x.series_id"
                  + " WHERE s.id IS NULL"),
          "samples of a series id that names no series");
    }
  }

  @Test
  void aWriteThatFailsInItsSecondStatementLeavesNothingAndSucceedsOnRetry() throws Exception {
    // rows are written 1,000 per statement: 1,500 of the first series, then 10 of the second, whose
    // last sample the trigger refuses, so the second statement fails after the first succeeded
    long poisoned = NOW + 9 * 1000L;
    WriteRequest request =
        new WriteRequest(
            List.of(
                series("atomic_a", "vm-1", NOW - 2_000_000L, 1500, 10),
                series("atomic_b", "vm-1", NOW, 10, 11)));
    byte[] body = RemoteWriteEncoder.snappy(request);
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE TRIGGER refuse_poisoned BEFORE INSERT ON samples FOR EACH ROW BEGIN"
              + " IF NEW.ts = "
              + poisoned
              + " THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by test';"
              + " END IF; END");
    }
    try {
      assertEquals(503, archiver.write(body));
      try (Connection c = db.connect()) {
        assertEquals(
            0,
            count(
                c,
                "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                    + " WHERE s.metric LIKE 'atomic\\_%'"),
            "a failed request left samples behind");
      }
    } finally {
      try (Connection c = db.connect();
          Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER refuse_poisoned");
      }
    }
    assertEquals(204, archiver.write(body));
    try (Connection c = db.connect()) {
      assertEquals(
          1510,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric LIKE 'atomic\\_%'"));
      assertEquals(2, count(c, "SELECT COUNT(*) FROM series WHERE metric LIKE 'atomic\\_%'"));
    }
  }

  @Test
  void theWriteEndpointCanRequireABearerToken() throws Exception {
    try (ArchiverFixture guarded = new ArchiverFixture(db, WriteAuth.bearer("t0ken-for-test"))) {
      byte[] body =
          RemoteWriteEncoder.snappy(
              new WriteRequest(List.of(series("guarded", "vm-1", NOW, 3, 6))));
      String proto = "application/x-protobuf";
      assertEquals(401, guarded.post(body, proto, "snappy", "0.1.0", null).statusCode());
      assertEquals(401, guarded.post(body, proto, "snappy", "0.1.0", "Bearer wrong").statusCode());
      assertEquals(
          204, guarded.post(body, proto, "snappy", "0.1.0", "Bearer t0ken-for-test").statusCode());
      assertEquals(200, guarded.get("/metrics").statusCode());
    }
  }
}
