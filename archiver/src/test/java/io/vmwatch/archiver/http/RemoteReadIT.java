package io.vmwatch.archiver.http;

import static io.vmwatch.archiver.TestResources.closeAll;
import static io.vmwatch.archiver.TestResources.deleting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.vmwatch.archiver.ArchiverFixture;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.PrometheusServer;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/**
 * PromQL over the archive: samples written three days in the past through remote write come back
 * through a real Prometheus (fresh, scraping nothing, so everything it answers came by remote read
 * with read_recent: false) from a real MariaDB; plus the archiver's own answers to bad and
 * oversized reads. Read limits: 4 series, 8,000 samples a request.
 */
class RemoteReadIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final int MAX_SERIES = 4;
  private static final int MAX_SAMPLES = 8000;

  /**
   * One hour of samples, one a second: 3,601 a series, about 80 KB of answer, several snappy
   * pieces.
   */
  private static final int SAMPLES = 3601;

  private static final String TOKEN = "read-token-for-the-test";

  private static MariaDbServer db;
  private static ArchiverFixture archiver;
  private static ArchiverFixture guarded;
  private static Path work;
  private static PrometheusServer prometheus;

  /** First sample, three days ago on a whole hour (ms). */
  private static long base;

  private static final Map<String, double[]> WRITTEN = new TreeMap<>();

  @BeforeAll
  static void start() throws Exception {
    MariaDbServer.which("prometheus"); // fails early when Prometheus is missing
    work = Files.createTempDirectory("vmwatch-remote-read-it-");
    db = MariaDbServer.start();
    archiver = new ArchiverFixture(db, WriteAuth.none(), MAX_SERIES, MAX_SAMPLES);
    guarded = new ArchiverFixture(db, WriteAuth.bearer(TOKEN), MAX_SERIES, MAX_SAMPLES);
    base = (System.currentTimeMillis() / 3_600_000 - 72) * 3_600_000;

    Random random = new Random(13);
    List<TimeSeries> series = new ArrayList<>();
    String[][] gauges = {
      {"vm-1:9717", "vmwatch", "user"},
      {"vm-2:9717", "vmwatch", "system"},
      {"vm-3:9717", "other", "idle"}
    };
    for (String[] g : gauges) {
      double[] values = new double[SAMPLES];
      for (int i = 0; i < SAMPLES; i++) {
        values[i] = random.nextDouble() * Math.PI * 1e3; // every bit of the mantissa in use
      }
      series.add(series("rr_gauge", values, "instance", g[0], "job", g[1], "mode", g[2]));
    }
    double[] counter = new double[SAMPLES];
    counter[0] = 1000 + random.nextDouble();
    for (int i = 1; i < SAMPLES; i++) {
      counter[i] =
          i == 1500 ? random.nextDouble() : counter[i - 1] + random.nextDouble() * 10; // a reset
    }
    series.add(series("rr_counter_total", counter, "instance", "vm-1:9717", "job", "vmwatch"));
    double[] odd = new double[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      odd[i] =
          switch (i % 4) {
            case 1 -> Double.NaN;
            case 2 -> Double.POSITIVE_INFINITY;
            case 3 -> Double.NEGATIVE_INFINITY;
            default -> i + 0.25;
          };
    }
    series.add(series("rr_odd", odd, "instance", "vm-1:9717"));
    for (TimeSeries s : series) {
      assertEquals(204, archiver.write(RemoteWriteEncoder.snappy(new WriteRequest(List.of(s)))));
    }

    prometheus =
        PrometheusServer.start(
            work,
            MariaDbServer.freePort(),
            String.join(
                "\n",
                "global:",
                "  scrape_interval: 15s",
                "remote_read:",
                "  - url: " + archiver.baseUrl() + "/api/v1/read",
                "    read_recent: false",
                "    remote_timeout: 30s",
                ""));
  }

  private static TimeSeries series(String name, double[] values, String... labels) {
    List<Label> list = new ArrayList<>();
    list.add(new Label("__name__", name));
    for (int i = 0; i < labels.length; i += 2) {
      list.add(new Label(labels[i], labels[i + 1]));
    }
    long[] timestamps = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      timestamps[i] = base + i * 1000L;
    }
    StringBuilder key = new StringBuilder(name);
    for (int i = 0; i < labels.length; i += 2) {
      key.append(i == 0 ? "{" : ",")
          .append(labels[i])
          .append("=\"")
          .append(labels[i + 1])
          .append('"');
    }
    WRITTEN.put(labels.length == 0 ? name : key.append('}').toString(), values);
    return new TimeSeries(list, timestamps, values, 0);
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(prometheus, guarded, archiver, db, deleting(work));
  }

  @Test
  void everyWrittenSampleComesBackThroughPromQlBitForBit() throws Exception {
    double samplesBefore = archiver.metric("vmwatch_archiver_read_samples_total");
    long end = base + (SAMPLES - 1) * 1000L;
    for (Map.Entry<String, double[]> written : WRITTEN.entrySet()) {
      JsonNode data = query(written.getKey() + "[1h]", end);
      assertEquals(1, data.path("result").size(), written.getKey() + ": " + brief(data));
      JsonNode values = data.path("result").get(0).path("values");
      assertEquals(SAMPLES, values.size(), written.getKey());
      for (int i = 0; i < SAMPLES; i++) {
        assertEquals(
            base + i * 1000L, Math.round(values.get(i).get(0).asDouble() * 1000), written.getKey());
        double expected = written.getValue()[i];
        double actual = parse(values.get(i).get(1).asText());
        if (Double.isFinite(expected)) {
          assertEquals(
              Double.doubleToLongBits(expected),
              Double.doubleToLongBits(actual),
              written.getKey() + " @" + i + ": " + expected + " came back as " + actual);
        } else {
          // NaN and +-Inf are stored as NULL and come back as NaN
          assertTrue(Double.isNaN(actual), written.getKey() + " @" + i + ": " + actual);
        }
      }
    }
    assertEquals(
        samplesBefore + WRITTEN.size() * SAMPLES,
        archiver.metric("vmwatch_archiver_read_samples_total"));

    // query_range over 10 minutes at the samples' own times: the raw values themselves
    String selector = "rr_gauge{instance=\"vm-1:9717\",job=\"vmwatch\",mode=\"user\"}";
    double[] gauge = WRITTEN.get(selector);
    JsonNode range =
        get(
            "/api/v1/query_range?query="
                + encode(selector)
                + "&start="
                + (base + 600_000) / 1000.0
                + "&end="
                + (base + 1_200_000) / 1000.0
                + "&step=15");
    JsonNode points = range.path("data").path("result").get(0).path("values");
    assertEquals(41, points.size(), brief(range));
    for (int p = 0; p < points.size(); p++) {
      int i = 600 + 15 * p;
      assertEquals(base + i * 1000L, Math.round(points.get(p).get(0).asDouble() * 1000));
      assertEquals(
          Double.doubleToLongBits(gauge[i]),
          Double.doubleToLongBits(parse(points.get(p).get(1).asText())),
          "query_range point " + p);
    }
  }

  @Test
  void rateOfACounterEqualsTheRateOfTheRawSamples() throws Exception {
    double[] counter = WRITTEN.get("rr_counter_total{instance=\"vm-1:9717\",job=\"vmwatch\"}");
    int last = 1800;
    int first = last - 600; // [t - 10m, t] holds samples on both ends: no extrapolation
    double increase = counter[last] - counter[first];
    double previous = 0;
    int resets = 0;
    for (int i = first; i <= last; i++) {
      if (counter[i] < previous) {
        increase += previous;
        resets++;
      }
      previous = counter[i];
    }
    assertEquals(1, resets, "the window should hold the counter reset");
    double expected = increase * rateFactor();
    JsonNode data = query("rate(rr_counter_total[10m])", base + last * 1000L);
    double actual = parse(data.path("result").get(0).path("value").get(1).asText());
    // the same operations in the same order as Prometheus' extrapolatedRate: equal to the bit
    assertEquals(expected, actual, "rate() over the archive");
    // and over a range: one point a minute, each the raw samples' rate
    JsonNode range =
        get(
            "/api/v1/query_range?query="
                + encode("rate(rr_counter_total[10m])")
                + "&start="
                + (base + 900_000) / 1000.0
                + "&end="
                + (base + 3_600_000) / 1000.0
                + "&step=60");
    JsonNode points = range.path("data").path("result").get(0).path("values");
    assertEquals(46, points.size());
    for (JsonNode point : points) {
      int t = (int) ((Math.round(point.get(0).asDouble() * 1000) - base) / 1000);
      double sum = counter[t] - counter[t - 600];
      double prev = 0;
      for (int i = t - 600; i <= t; i++) {
        if (counter[i] < prev) {
          sum += prev;
        }
        prev = counter[i];
      }
      assertEquals(sum * rateFactor(), parse(point.get(1).asText()), "rate at " + t);
    }
  }

  @Test
  void pastTheRawSamplesEachBucketsLastSampleAnswersAndRateStaysRight() throws Exception {
    // A counter every 15 s for two hours, a day before the other series, with a reset in its sixth
    // 5-minute bucket; rolled up, then its first hour of raw samples dropped as the raw retention
    // would drop them.
    long start = base - 86_400_000L;
    int n = 480;
    double[] counter = new double[n];
    long[] timestamps = new long[n];
    Random random = new Random(29);
    counter[0] = 500 + random.nextDouble();
    for (int i = 0; i < n; i++) {
      timestamps[i] = start + i * 15_000L;
      if (i > 0) {
        counter[i] = i == 100 ? random.nextDouble() : counter[i - 1] + random.nextDouble() * 10;
      }
    }
    List<Label> labels =
        List.of(
            new Label("__name__", "rr_rolled_total"),
            new Label("instance", "vm-9:9717"),
            new Label("job", "vmwatch"));
    assertEquals(
        204,
        archiver.write(
            RemoteWriteEncoder.snappy(
                new WriteRequest(List.of(new TimeSeries(labels, timestamps, counter, 0))))));
    assertEquals(240, archiver.rollUpThenDeleteRaw("rr_rolled_total", start + 3_600_000L));
    // what remote read must give: the last sample of each bucket of the first hour, then every
    // raw sample
    List<Integer> points = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i >= 240 || i % 20 == 19) {
        points.add(i);
      }
    }
    long end = timestamps[n - 1];
    JsonNode data = query("rr_rolled_total[3h]", end);
    JsonNode values = data.path("result").get(0).path("values");
    assertEquals(points.size(), values.size(), brief(data));
    for (int p = 0; p < points.size(); p++) {
      int i = points.get(p);
      assertEquals(timestamps[i], Math.round(values.get(p).get(0).asDouble() * 1000), "point " + p);
      assertEquals(
          Double.doubleToLongBits(counter[i]),
          Double.doubleToLongBits(parse(values.get(p).get(1).asText())),
          "point " + p + " (sample " + i + ")");
    }
    // rate() from the first rollup point to the last raw sample: the increase over the points,
    // the reset between two rollup points included, in Prometheus' order of operations
    int first = points.get(0);
    double increase = counter[n - 1] - counter[first];
    double previous = 0;
    int resets = 0;
    for (int i : points) {
      if (counter[i] < previous) {
        increase += previous;
        resets++;
      }
      previous = counter[i];
    }
    assertEquals(1, resets, "the range should hold the counter reset");
    long rangeSeconds = (end - timestamps[first]) / 1000;
    double sampled = rangeSeconds;
    double expected = increase * ((sampled / sampled) / rangeSeconds);
    JsonNode rate = query("rate(rr_rolled_total[" + rangeSeconds + "s])", end);
    assertEquals(
        expected,
        parse(rate.path("result").get(0).path("value").get(1).asText()),
        "rate() across rollups and raw samples");
  }

  /**
   * What Prometheus' extrapolatedRate multiplies the increase with when samples sit on both ends of
   * a 10-minute range: the extrapolation factor (600 s / 600 s) divided by the range in seconds.
   */
  private static double rateFactor() {
    double sampledInterval = 600;
    double factor = sampledInterval / sampledInterval;
    return factor / 600;
  }

  @Test
  void everyMatcherTypeSelectsAsPromQlDoes() throws Exception {
    long t = base + 1_800_000;
    assertEquals(List.of("vm-2:9717"), instances("rr_gauge{instance=\"vm-2:9717\"}", t));
    assertEquals(
        List.of("vm-1:9717", "vm-3:9717"), instances("rr_gauge{instance!=\"vm-2:9717\"}", t));
    assertEquals(
        List.of("vm-2:9717"), instances("rr_gauge{mode=~\"s.*\"}", t), "anchored: not user");
    assertEquals(List.of("vm-1:9717", "vm-3:9717"), instances("rr_gauge{mode=~\"us.*|idle\"}", t));
    assertEquals(List.of("vm-3:9717"), instances("rr_gauge{job!~\"vm.*\"}", t));
    assertEquals(
        List.of("vm-1:9717", "vm-2:9717"),
        instances("rr_gauge{mode!~\"idle\",job=\"vmwatch\"}", t));
    assertEquals(
        List.of("vm-1:9717", "vm-2:9717", "vm-3:9717"), instances("rr_gauge{missing=\"\"}", t));
    assertEquals(List.of(), instances("rr_gauge{instance=\"\"}", t));
    JsonNode byName = query("{__name__=~\"rr_(gauge|counter_total)\",instance=\"vm-1:9717\"}", t);
    TreeSet<String> names = new TreeSet<>();
    byName.path("result").forEach(r -> names.add(r.path("metric").path("__name__").asText()));
    assertEquals(new TreeSet<>(List.of("rr_gauge", "rr_counter_total")), names);
    // the value at t is the sample at t
    JsonNode one = query("rr_gauge{instance=\"vm-3:9717\"}", t);
    assertEquals(
        Double.doubleToLongBits(
            WRITTEN.get("rr_gauge{instance=\"vm-3:9717\",job=\"other\",mode=\"idle\"}")[1800]),
        Double.doubleToLongBits(parse(one.path("result").get(0).path("value").get(1).asText())));
  }

  @Test
  void anEmptyResultIsNoError() throws Exception {
    JsonNode response =
        get(
            "/api/v1/query?query="
                + encode("rr_gauge{instance=\"nope\"}")
                + "&time="
                + (base + 1_800_000) / 1000.0);
    assertEquals(0, response.path("data").path("result").size(), brief(response));
    assertTrue(response.path("warnings").isMissingNode(), brief(response));
    // a range with nothing in it, straight from the archiver: one empty QueryResult
    HttpResponse<byte[]> answer =
        read(
            request(base - 7_200_000, base - 3_600_000, "__name__", "rr_gauge"),
            "application/x-protobuf",
            null);
    assertEquals(200, answer.statusCode());
    assertEquals(List.of(List.of()), decodeResponse(answer.body()));
  }

  @Test
  void aReadOverTheLimitsIsAWarningInPrometheusAndA422() throws Exception {
    long t = base + 1_800_000;
    double series =
        archiver.metric(
            "vmwatch_archiver_read_requests_rejected_total{reason=\"too_many_series\"}");
    JsonNode tooManySeries =
        get("/api/v1/query?query=" + encode("{__name__=~\"rr_.*\"}") + "&time=" + t / 1000.0);
    assertEquals("success", tooManySeries.path("status").asText(), brief(tooManySeries));
    assertTrue(
        tooManySeries.path("warnings").toString().contains("match more than 4 series"),
        brief(tooManySeries));
    assertEquals(
        series + 1,
        archiver.metric(
            "vmwatch_archiver_read_requests_rejected_total{reason=\"too_many_series\"}"));

    JsonNode tooManySamples =
        get(
            "/api/v1/query?query="
                + encode("rr_gauge[1h]")
                + "&time="
                + (base + 3_600_000) / 1000.0);
    assertTrue(
        tooManySamples.path("warnings").toString().contains("more than 8000 samples"),
        brief(tooManySamples));

    HttpResponse<byte[]> direct =
        read(
            request(base, base + 3_600_000, "__name__", "rr_gauge"),
            "application/x-protobuf",
            null);
    assertEquals(422, direct.statusCode());
    assertTrue(new String(direct.body(), StandardCharsets.UTF_8).contains("--read.max-samples"));
    // 2 of the 3 series (7,202 samples) fit
    HttpResponse<byte[]> fits =
        read(
            request(base, base + 3_600_000, "__name__", "rr_gauge", "mode", "user|idle"),
            "application/x-protobuf",
            null);
    assertEquals(200, fits.statusCode());
    assertEquals(List.of(List.of(SAMPLES, SAMPLES)), decodeResponse(fits.body()));
  }

  @Test
  void badRequestsAreRefusedClearly() throws Exception {
    byte[] good = request(base, base + 60_000, "__name__", "rr_gauge");
    double malformed =
        archiver.metric("vmwatch_archiver_read_requests_rejected_total{reason=\"malformed\"}");
    HttpResponse<byte[]> notSnappy =
        read("not snappy at all".getBytes(StandardCharsets.UTF_8), "application/x-protobuf", null);
    assertEquals(400, notSnappy.statusCode());
    assertTrue(new String(notSnappy.body(), StandardCharsets.UTF_8).contains("snappy"));
    assertEquals(
        400,
        read(
                RemoteWriteEncoder.compress(new byte[] {0x0A, 0x7F, 0x08}),
                "application/x-protobuf",
                null)
            .statusCode());
    assertEquals(
        malformed + 2,
        archiver.metric("vmwatch_archiver_read_requests_rejected_total{reason=\"malformed\"}"));

    HttpResponse<byte[]> text = read(good, "text/plain", null);
    assertEquals(415, text.statusCode());
    assertTrue(new String(text.body(), StandardCharsets.UTF_8).contains("remote read 1.0"));
    assertEquals(
        415,
        read(good, "application/x-protobuf;proto=io.prometheus.read.v2.Request", null)
            .statusCode());
    assertEquals(
        415, read(good, "application/x-protobuf;proto=prometheus.WriteRequest", null).statusCode());
    assertEquals(
        200, read(good, "application/x-protobuf;proto=prometheus.ReadRequest", null).statusCode());

    byte[] unknownOnly =
        RemoteWriteEncoder.compress(new byte[] {0x10, 0x07}); // accepted_response_types [7]
    HttpResponse<byte[]> unknown = read(unknownOnly, "application/x-protobuf", null);
    assertEquals(400, unknown.statusCode());
    assertTrue(new String(unknown.body(), StandardCharsets.UTF_8).contains("SAMPLES"));
  }

  @Test
  void theWritePathsCredentialsAreRequired() throws Exception {
    byte[] good = request(base, base + 60_000, "__name__", "rr_gauge");
    assertEquals(401, read(guarded, good, "application/x-protobuf", null).statusCode());
    assertEquals(401, read(guarded, good, "application/x-protobuf", "Bearer wrong").statusCode());
    HttpResponse<byte[]> ok = read(guarded, good, "application/x-protobuf", "Bearer " + TOKEN);
    assertEquals(200, ok.statusCode());
    assertEquals("application/x-protobuf", ok.headers().firstValue("Content-Type").orElse(""));
    assertEquals("snappy", ok.headers().firstValue("Content-Encoding").orElse(""));
    assertEquals(List.of(List.of(61, 61, 61)), decodeResponse(ok.body()));
  }

  // --- helpers ---

  /**
   * A snappy ReadRequest of one query, an EQ matcher, and optionally an RE matcher, encoded here.
   */
  private static byte[] request(long start, long end, String name, String value, String... regex)
      throws IOException {
    ByteArrayOutputStream query = new ByteArrayOutputStream();
    CodedOutputStream q = CodedOutputStream.newInstance(query);
    q.writeInt64(1, start);
    q.writeInt64(2, end);
    q.writeByteArray(3, matcher(0, name, value));
    if (regex.length == 2) {
      q.writeByteArray(3, matcher(2, regex[0], regex[1]));
    }
    q.flush();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    CodedOutputStream r = CodedOutputStream.newInstance(request);
    r.writeByteArray(1, query.toByteArray());
    r.writeEnum(2, 0);
    r.flush();
    return Snappy.compress(request.toByteArray());
  }

  /** A LabelMatcher message (type 0 EQ, 1 NEQ, 2 RE, 3 NRE); StreamedReadIT uses it too. */
  static byte[] matcher(int type, String name, String value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(out);
    m.writeEnum(1, type);
    m.writeString(2, name);
    m.writeString(3, value);
    m.flush();
    return out.toByteArray();
  }

  /** Per QueryResult, the sample count of each of its series. */
  private static List<List<Integer>> decodeResponse(byte[] body) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(Snappy.uncompress(body));
    List<List<Integer>> results = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      assertEquals(1, WireFormat.getTagFieldNumber(tag));
      CodedInputStream result = CodedInputStream.newInstance(in.readByteArray());
      List<Integer> counts = new ArrayList<>();
      for (int t = result.readTag(); t != 0; t = result.readTag()) {
        CodedInputStream series = CodedInputStream.newInstance(result.readByteArray());
        int samples = 0;
        for (int s = series.readTag(); s != 0; s = series.readTag()) {
          if (WireFormat.getTagFieldNumber(s) == 2) {
            samples++;
          }
          series.skipField(s);
        }
        counts.add(samples);
      }
      results.add(counts);
    }
    return results;
  }

  private static HttpResponse<byte[]> read(byte[] body, String contentType, String authorization)
      throws IOException, InterruptedException {
    return read(archiver, body, contentType, authorization);
  }

  private static HttpResponse<byte[]> read(
      ArchiverFixture target, byte[] body, String contentType, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(target.baseUrl() + "/api/v1/read"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Type", contentType)
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Read-Version", "0.1.0");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static List<String> instances(String selector, long t) throws Exception {
    List<String> instances = new ArrayList<>();
    query(selector, t)
        .path("result")
        .forEach(r -> instances.add(r.path("metric").path("instance").asText()));
    instances.sort(null);
    return instances;
  }

  /** An instant query that must succeed without warnings. */
  private static JsonNode query(String promql, long timeMs) throws Exception {
    JsonNode response = get("/api/v1/query?query=" + encode(promql) + "&time=" + timeMs / 1000.0);
    assertEquals("success", response.path("status").asText(), brief(response));
    assertTrue(response.path("warnings").isMissingNode(), promql + ": " + brief(response));
    return response.path("data");
  }

  /** An answer of Prometheus for a failure message: its warnings and its start. */
  private static String brief(JsonNode answer) {
    String text = answer.toString();
    return "warnings "
        + answer.path("warnings")
        + ", answer "
        + (text.length() > 400 ? text.substring(0, 400) + "..." : text);
  }

  private static double parse(String value) {
    return Double.parseDouble(value.replace("Inf", "Infinity"));
  }

  private static String encode(String promql) {
    return URLEncoder.encode(promql, StandardCharsets.UTF_8);
  }

  private static JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = prometheus.get(path);
    if (response.statusCode() != 200) {
      throw new IOException(path + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }
}
