package io.vmwatch.archiver;

import static io.vmwatch.archiver.TestResources.closeAll;
import static io.vmwatch.archiver.TestResources.deleting;
import static io.vmwatch.archiver.TestResources.stopping;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.http.WriteAuth;
import io.vmwatch.archiver.storage.SeriesKey;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus scrapes a real exporter (over this machine's /proc), itself, and evaluates the
 * project's recording rules; it remote-writes to the archiver. Every sample Prometheus holds for
 * the test window must be in MySQL with the same value, also after MariaDB was shut down for 60 s.
 */
class PrometheusIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Path ROOT =
      Path.of(System.getProperty("vmwatch.root", "..")).toAbsolutePath().normalize();

  private static MariaDbServer db;
  private static ArchiverFixture archiver;
  private static Path work;
  private static Process exporter;
  private static PrometheusServer prometheus;
  private static long startedMs;

  @BeforeAll
  static void start() throws Exception {
    Path exporterJar =
        Path.of(
            System.getProperty(
                "vmwatch.exporter.jar",
                ROOT.resolve("exporter/target/vmwatch-exporter.jar").toString()));
    if (!Files.isRegularFile(exporterJar)) {
      throw new IllegalStateException(
          exporterJar
              + " is missing: build the exporter first (mvn -B verify"
              + " from the repository root builds it before the archiver)");
    }
    Path rules = ROOT.resolve("prometheus/rules/vmwatch-recording.yml");
    if (!Files.isRegularFile(rules)) {
      throw new IllegalStateException(rules + " is missing");
    }
    MariaDbServer.which("prometheus"); // fails early when Prometheus is missing
    work = Files.createTempDirectory("vmwatch-prometheus-it-");
    db = MariaDbServer.start();
    archiver = new ArchiverFixture(db, WriteAuth.none());

    int exporterPort = MariaDbServer.freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path jvmOptions = ROOT.resolve("exporter/jvm.options");
    if (Files.isRegularFile(jvmOptions)) {
      for (String line : Files.readAllLines(jvmOptions)) {
        if (!line.isBlank() && !line.trim().startsWith("#")) {
          command.add(line.trim());
        }
      }
    }
    command.addAll(
        List.of("-jar", exporterJar.toString(), "--web.listen-address=127.0.0.1:" + exporterPort));
    exporter =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("exporter.log").toFile())
            .start();
    waitFor(
        "exporter",
        "http://127.0.0.1:" + exporterPort + "/metrics",
        exporter,
        work.resolve("exporter.log"));

    int prometheusPort = MariaDbServer.freePort();
    startedMs = System.currentTimeMillis();
    prometheus =
        PrometheusServer.start(
            work,
            prometheusPort,
            String.join(
                "\n",
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "rule_files:",
                "  - " + rules,
                "scrape_configs:",
                "  - job_name: vmwatch",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + exporterPort + "']",
                "  - job_name: prometheus",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + prometheusPort + "']",
                "remote_write:",
                "  - url: " + archiver.baseUrl() + "/api/v1/write",
                "    remote_timeout: 10s",
                "    queue_config:",
                "      batch_send_deadline: 1s",
                "      min_backoff: 100ms",
                "      max_backoff: 2s",
                // Prometheus' default send: true, sent every 2 s instead of every minute so that
                // metadata requests reach the archiver within the test
                "    metadata_config:",
                "      send: true",
                "      send_interval: 2s",
                ""));
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(prometheus, stopping(exporter, 20), archiver, db, deleting(work));
  }

  @Test
  void everyScrapedSampleReachesMySqlEvenAcrossA60SecondDatabaseOutage() throws Exception {
    sleepWithProgress("scraping before the outage", 25);
    long firstEnd = secondsAgo(3);
    long from = (startedMs / 1000 + 3) * 1000;
    Comparison before = awaitEqual(from, firstEnd);
    System.out.println("before the outage: " + before);
    assertTrue(before.series() > 100, "too few series: " + before);
    assertTrue(before.metrics().contains("vmwatch_process_info"), before.metrics().toString());
    assertTrue(
        before.metrics().contains("vmwatch_memory_total_bytes"), before.metrics().toString());
    assertTrue(
        before.metrics().contains("instance:vmwatch_cpu_utilisation:ratio"),
        before.metrics().toString());
    assertTrue(
        before.metrics().contains("instance:vmwatch_memory_utilisation:ratio"),
        before.metrics().toString());
    // metadata (WriteRequest field 3, in requests of their own) was sent and accepted
    assertTrue(
        prometheusMetric("prometheus_remote_storage_metadata_total") > 0, "no metadata sent");
    assertEquals(
        0.0,
        prometheusMetric("prometheus_remote_storage_metadata_failed_total"),
        "metadata refused");

    double unavailableBefore =
        archiver.metric("vmwatch_archiver_request_duration_seconds_count{code=\"503\"}");
    long outageStart = System.currentTimeMillis();
    db.shutdown();
    try {
      sleepWithProgress("MariaDB is shut down", 60);
      double unavailable =
          archiver.metric("vmwatch_archiver_request_duration_seconds_count{code=\"503\"}");
      assertTrue(
          (Double.isNaN(unavailableBefore) ? 0 : unavailableBefore) < unavailable,
          "the archiver answered no 503 during the outage");
      assertTrue(
          prometheusMetric("prometheus_remote_storage_samples_retried_total") > 0,
          "Prometheus retried nothing during the outage");
    } finally {
      db.restart();
    }
    long outageEnd = System.currentTimeMillis();
    sleepWithProgress("scraping after the outage", 15);
    long end = secondsAgo(3);
    Comparison all = awaitEqual(from, end);
    System.out.println("whole window: " + all);

    // No gap: the exporter's own up series has a sample for (nearly) every second of the outage.
    try (Connection c = db.connect();
        PreparedStatement q =
            c.prepareStatement(
                "SELECT x.ts FROM samples x JOIN series s ON s.id = x.series_id"
                    + " WHERE s.metric = 'up' AND s.labels LIKE '%\"job\":\"vmwatch\"%' AND x.ts BETWEEN ? AND ?"
                    + " ORDER BY x.ts")) {
      q.setLong(1, outageStart);
      q.setLong(2, outageEnd);
      List<Long> ts = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          ts.add(rs.getLong(1));
        }
      }
      assertTrue(
          ts.size() >= 50, "only " + ts.size() + " samples of up stored for the 60 s outage");
    }
  }

  /** What one comparison saw. */
  record Comparison(int series, long samples, TreeSet<String> metrics) {
    @Override
    public String toString() {
      return series + " series, " + samples + " samples, " + metrics.size() + " metric names";
    }
  }

  /** Compares until equal (remote write lags a little behind) or 120 s have passed. */
  private static Comparison awaitEqual(long fromMs, long toMs) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    String difference;
    while (true) {
      Map<String, TreeMap<Long, Double>> expected = fromPrometheus(fromMs, toMs);
      Map<String, TreeMap<Long, Double>> actual = fromMySql(fromMs, toMs);
      difference = difference(expected, actual);
      if (difference == null) {
        long samples = expected.values().stream().mapToLong(Map::size).sum();
        TreeSet<String> metrics = new TreeSet<>();
        try (Connection c = db.connect()) {
          for (List<String> row : ArchiverFixture.rows(c, "SELECT DISTINCT metric FROM series")) {
            metrics.add(row.get(0));
          }
        }
        return new Comparison(expected.size(), samples, metrics);
      }
      if (!difference.contains("missing") || System.nanoTime() > deadline) {
        // a wrong or extra value is never lag: fail at once
        fail("MySQL differs from Prometheus over [" + fromMs + ", " + toMs + "]: " + difference);
      }
      System.out.println("waiting for remote write to catch up: " + difference);
      Thread.sleep(3000);
    }
  }

  private static String difference(
      Map<String, TreeMap<Long, Double>> expected, Map<String, TreeMap<Long, Double>> actual) {
    if (expected.isEmpty()) {
      return "Prometheus has no samples in the window";
    }
    int missingSeries = 0;
    long missingSamples = 0;
    String example = null;
    for (Map.Entry<String, TreeMap<Long, Double>> e : expected.entrySet()) {
      TreeMap<Long, Double> stored = actual.get(e.getKey());
      if (stored == null) {
        missingSeries++;
        example = example == null ? "series " + e.getKey() + " missing" : example;
        continue;
      }
      for (Map.Entry<Long, Double> sample : e.getValue().entrySet()) {
        Double value = stored.get(sample.getKey());
        if (!stored.containsKey(sample.getKey())) {
          missingSamples++;
          example =
              example == null
                  ? "sample " + e.getKey() + " @" + sample.getKey() + " missing"
                  : example;
        } else if (!sameValue(sample.getValue(), value)) {
          return "value of "
              + e.getKey()
              + " @"
              + sample.getKey()
              + " is "
              + value
              + ", Prometheus has "
              + sample.getValue();
        }
      }
      if (stored.size() > e.getValue().size()) {
        return "MySQL has samples of "
            + e.getKey()
            + " that Prometheus does not: "
            + stored.keySet()
            + " vs "
            + e.getValue().keySet();
      }
    }
    if (actual.size() > expected.size()) {
      return "MySQL has " + (actual.size() - expected.size()) + " series more than Prometheus";
    }
    return missingSeries + missingSamples == 0
        ? null
        : missingSeries + " series and " + missingSamples + " samples missing, e.g. " + example;
  }

  private static boolean sameValue(Double prometheus, Double mysql) {
    if (prometheus == null) { // NaN or +-Inf, stored as NULL
      return mysql == null;
    }
    return mysql != null && Double.doubleToLongBits(prometheus) == Double.doubleToLongBits(mysql);
  }

  /** Every raw sample Prometheus has in [from, to], by series fingerprint; null for non-finite. */
  private static Map<String, TreeMap<Long, Double>> fromPrometheus(long fromMs, long toMs)
      throws Exception {
    long rangeSeconds = (toMs - fromMs) / 1000;
    String query = "{__name__=~\".+\"}[" + rangeSeconds + "s]";
    String url =
        "http://127.0.0.1:"
            + prometheus.port()
            + "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8)
            + "&time="
            + (toMs / 1000.0);
    JsonNode response = JSON.readTree(get(url));
    if (!"success".equals(response.path("status").asText())) {
      throw new IllegalStateException("Prometheus query failed: " + response);
    }
    Map<String, TreeMap<Long, Double>> result = new HashMap<>();
    for (JsonNode series : response.path("data").path("result")) {
      List<Label> labels = new ArrayList<>();
      for (Map.Entry<String, JsonNode> f : series.path("metric").properties()) {
        labels.add(new Label(f.getKey(), f.getValue().asText()));
      }
      TreeMap<Long, Double> samples = new TreeMap<>();
      for (JsonNode point : series.path("values")) {
        long ts = Math.round(point.get(0).asDouble() * 1000);
        double value = Double.parseDouble(point.get(1).asText().replace("Inf", "Infinity"));
        samples.put(ts, Double.isFinite(value) ? value : null);
      }
      result.put(SeriesKey.of(labels).fingerprint().toString(), samples);
    }
    return result;
  }

  private static Map<String, TreeMap<Long, Double>> fromMySql(long fromMs, long toMs)
      throws Exception {
    Map<String, TreeMap<Long, Double>> result = new HashMap<>();
    try (Connection c = db.connect();
        PreparedStatement q =
            c.prepareStatement(
                "SELECT s.fingerprint, x.ts, x.value FROM samples x"
                    + " JOIN series s ON s.id = x.series_id WHERE x.ts BETWEEN ? AND ?")) {
      q.setLong(1, fromMs);
      q.setLong(2, toMs);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          double value = rs.getDouble(3);
          Double stored = rs.wasNull() ? null : value;
          result
              .computeIfAbsent(
                  new SeriesKey.Fingerprint(rs.getBytes(1)).toString(), k -> new TreeMap<>())
              .put(rs.getLong(2), stored);
        }
      }
    }
    return result;
  }

  private static double prometheusMetric(String name) throws Exception {
    double total = 0;
    boolean found = false;
    for (String line : get("http://127.0.0.1:" + prometheus.port() + "/metrics").split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    if (!found) {
      throw new IllegalStateException(name + " not found in Prometheus' own metrics");
    }
    return total;
  }

  private static long secondsAgo(int seconds) {
    return (System.currentTimeMillis() / 1000 - seconds) * 1000;
  }

  private static void sleepWithProgress(String what, int seconds) throws InterruptedException {
    for (int elapsed = 0; elapsed < seconds; elapsed += 10) {
      System.out.println(what + ": " + elapsed + " s of " + seconds + " s");
      Thread.sleep(Math.min(10, seconds - elapsed) * 1000L);
    }
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  private static void waitFor(String what, String url, Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            what + " exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        get(url);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              what + " not ready within 60 s: " + Files.readString(log), e);
        }
        Thread.sleep(500);
      }
    }
  }
}
