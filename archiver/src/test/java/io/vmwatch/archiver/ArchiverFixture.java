package io.vmwatch.archiver;

import io.vmwatch.archiver.http.WriteAuth;
import io.vmwatch.archiver.maintenance.RollupJob;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** An archiver running in this JVM against a {@link MariaDbServer}, on a free loopback port. */
public final class ArchiverFixture implements AutoCloseable {
  public static final long MAX_BODY = 1 << 20;
  public static final long MAX_DECODED = 8 << 20;

  private final Archiver archiver;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public ArchiverFixture(MariaDbServer db, WriteAuth auth)
      throws IOException, InterruptedException {
    this(db, auth, 10_000, 10_000_000);
  }

  /** With the limits of one remote read (--read.max-series, --read.max-samples). */
  public ArchiverFixture(MariaDbServer db, WriteAuth auth, int readMaxSeries, int readMaxSamples)
      throws IOException, InterruptedException {
    ArchiverConfig config =
        new ArchiverConfig(
            new InetSocketAddress("127.0.0.1", 0),
            MAX_BODY,
            MAX_DECODED,
            4,
            100_000,
            100_000,
            Duration.ofSeconds(30),
            512,
            auth,
            2,
            readMaxSeries,
            readMaxSamples,
            db.jdbcUrl(),
            MariaDbServer.USER,
            db.password(),
            4,
            1000,
            1_000_000,
            Duration.ofDays(30),
            Duration.ofDays(400),
            3,
            Duration.ofHours(1),
            Duration.ofMinutes(1),
            Duration.ofSeconds(1),
            Duration.ofDays(3650)); // no compaction: tests run the job themselves
    archiver = new Archiver(config, Clock.systemUTC());
    archiver.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (get("/-/ready").statusCode() != 200) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("archiver not ready within 60 s");
      }
      Thread.sleep(200);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + archiver.address().getPort();
  }

  public Archiver archiver() {
    return archiver;
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs a body with the remote-write 1.0 headers. */
  public int write(byte[] body) throws IOException, InterruptedException {
    return post(body, "application/x-protobuf", "snappy", "0.1.0", null).statusCode();
  }

  public HttpResponse<String> post(
      byte[] body, String contentType, String encoding, String version, String authorization)
      throws IOException, InterruptedException {
    return post(body, contentType, encoding, version, authorization, "/api/v1/write");
  }

  public HttpResponse<String> post(
      byte[] body,
      String contentType,
      String encoding,
      String version,
      String authorization,
      String path)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (encoding != null) {
      request.header("Content-Encoding", encoding);
    }
    if (version != null) {
      request.header("X-Prometheus-Remote-Write-Version", version);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs a snappy ReadRequest to /api/v1/read with the remote-read 1.0 headers. */
  public HttpResponse<String> read(byte[] body) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1/read"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Type", "application/x-protobuf")
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Read-Version", "0.1.0")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Value of one line of /metrics (name with labels as printed), or NaN when absent. */
  public double metric(String series) throws IOException, InterruptedException {
    for (String line : get("/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  /** Rows of a query, each column as a string (SQL NULL as null). */
  /**
   * Runs the rollup job over what was written, then deletes the metric's raw rows older than
   * beforeMs, so that reads of that stretch are answered from the rollups; the rows deleted.
   */
  public int rollUpThenDeleteRaw(String metric, long beforeMs) {
    new RollupJob(archiver.database().jdbi()).run(Instant.now());
    return archiver
        .database()
        .jdbi()
        .withHandle(
            handle ->
                handle
                    .createUpdate(
                        "DELETE FROM samples WHERE series_id ="
                            + " (SELECT id FROM series WHERE metric = :metric) AND ts < :before")
                    .bind("metric", metric)
                    .bind("before", beforeMs)
                    .execute());
  }

  public static List<List<String>> rows(Connection connection, String sql) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  public static long count(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() {
    archiver.close();
  }
}
