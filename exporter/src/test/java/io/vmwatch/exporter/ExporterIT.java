package io.vmwatch.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.exporter.collect.CollectorsTestView;
import java.io.ByteArrayInputStream;
import java.net.URI;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fat jar, started as operators start it, scraped over HTTP. */
class ExporterIT {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void fixtureProcfsServesEveryMetric(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    try (ExporterProcess exporter =
        ExporterProcess.start(
            "--path.procfs=" + procfs,
            "--path.passwd=" + TestFiles.fixturePasswd(),
            "--collector.processes.top=100")) {
      HttpResponse<String> metrics = get(exporter.port(), "/metrics");
      assertEquals(200, metrics.statusCode());
      assertTrue(
          metrics
              .headers()
              .firstValue("Content-Type")
              .orElse("")
              .startsWith("text/plain; version=0.0.4"));
      Map<String, Double> samples = Scrapes.samples(metrics.body());
      for (String series : CollectorsTestView.everyMetric()) {
        String expected = series.replace("version=\"test\"", "version=\"" + Main.version() + "\"");
        assertTrue(samples.containsKey(expected), "missing " + expected);
      }
      Promtool.assertCleanMetrics(metrics.body());

      HttpResponse<String> landing = get(exporter.port(), "/");
      assertEquals(200, landing.statusCode());
      assertTrue(landing.body().contains("href=\"/metrics\""), landing.body());
      assertEquals("Healthy\n", get(exporter.port(), "/-/healthy").body());
      assertEquals(404, get(exporter.port(), "/nothing-here").statusCode());

      // unload the cpu module while running: the next scrape reads procfs, counters hold
      Files.delete(procfs.resolve("vmwatch_cpu"));
      Map<String, Double> after = Scrapes.samples(get(exporter.port(), "/metrics").body());
      assertEquals(
          1.0, after.get("vmwatch_collector_source_info{collector=\"cpu\",source=\"procfs\",}"));
      String user = "vmwatch_cpu_seconds_total{cpu=\"0\",mode=\"user\",}";
      assertTrue(after.get(user) >= samples.get(user), after.get(user) + " < " + samples.get(user));
    }
  }

  private static final Pattern SAMPLE_LINE =
      Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})? \\S+");

  /** Every line is a comment or one whole sample: no label value spilled onto the next line. */
  private static void assertOneSamplePerLine(String body) {
    for (String line : body.split("\n")) {
      assertTrue(
          line.startsWith("#") || SAMPLE_LINE.matcher(line).matches(),
          "not a sample line: '" + line + "'");
    }
  }

  @Test
  void hostileNamesAreEscapedInTextAndOpenMetrics(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    try (ExporterProcess exporter =
        ExporterProcess.start(
            "--path.procfs=" + procfs,
            "--path.passwd=" + TestFiles.fixturePasswd(),
            "--collector.processes.top=100")) {
      String text = get(exporter.port(), "/metrics").body();
      assertOneSamplePerLine(text);
      assertTrue(
          text.contains(
              "vmwatch_process_info{pid=\"902\",ppid=\"812\",name=\"q\\\"x\\\\y\",user=\"4242\",state=\"Z\",} 1.0\n"),
          text);
      assertTrue(
          text.contains("vmwatch_process_threads{pid=\"900\",name=\"a) (b\\nc\",} 2.0\n"), text);
      assertTrue(
          text.contains("vmwatch_process_threads{pid=\"901\",name=\"\uFFFD(bad\uFFFD\",} 1.0\n"),
          text);

      HttpResponse<String> om =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exporter.port() + "/metrics"))
                  .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, om.statusCode());
      assertTrue(
          om.headers()
              .firstValue("Content-Type")
              .orElse("")
              .startsWith("application/openmetrics-text"),
          om.headers().toString());
      String body = om.body();
      assertTrue(body.endsWith("# EOF\n"), body);
      assertOneSamplePerLine(body);
      assertTrue(
          body.contains(
              "vmwatch_process_info{pid=\"902\",ppid=\"812\",name=\"q\\\"x\\\\y\",user=\"4242\",state=\"Z\"} 1.0\n"),
          body);
      assertTrue(
          body.contains(
              "vmwatch_process_cpu_seconds_total{pid=\"900\",name=\"a) (b\\nc\"} 51.205\n"),
          body);
      assertTrue(body.contains("# TYPE vmwatch_process_cpu_seconds counter\n"), body);

      HttpResponse<byte[]> gzip =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exporter.port() + "/metrics"))
                  .header("Accept-Encoding", "gzip")
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals("gzip", gzip.headers().firstValue("Content-Encoding").orElse(""));
      try (GZIPInputStream unzipped = new GZIPInputStream(new ByteArrayInputStream(gzip.body()))) {
        String unzippedText = new String(unzipped.readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(
            unzippedText.contains("vmwatch_process_threads{pid=\"900\",name=\"a) (b\\nc\",} 2.0\n"),
            unzippedText);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 64})
  void metricsAreBuiltByAtMostMaxThreadsUnderConcurrentScrapes(int maxThreads) throws Exception {
    try (ExporterProcess exporter =
        ExporterProcess.start(
            "--path.procfs=" + TestFiles.fixtureProcfs(),
            "--path.passwd=" + TestFiles.fixturePasswd(),
            "--web.max-threads=" + maxThreads)) {
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        inFlight.add(
            http.sendAsync(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + exporter.port() + "/metrics"))
                    .timeout(Duration.ofSeconds(60))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      // each answer counts the scrapes being built at the moment it was built, itself included
      double mostSeen = 0;
      for (CompletableFuture<HttpResponse<String>> response : inFlight) {
        HttpResponse<String> answer = response.get(90, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode());
        double seen = Scrapes.samples(answer.body()).get("vmwatch_exporter_scrapes_in_flight");
        assertTrue(
            seen >= 1 && seen <= maxThreads,
            seen + " scrapes built at once with --web.max-threads=" + maxThreads);
        mostSeen = Math.max(mostSeen, seen);
      }
      // the peak counts every request that entered the metrics handler, also between the answers'
      // samples
      Map<String, Double> after = Scrapes.samples(get(exporter.port(), "/metrics").body());
      double peak = after.get("vmwatch_exporter_scrapes_in_flight_peak");
      assertTrue(
          peak >= mostSeen && peak <= maxThreads,
          "peak "
              + peak
              + " (most seen in an answer "
              + mostSeen
              + ") with --web.max-threads="
              + maxThreads);
      assertFalse(exporter.stderr().contains("Exception in thread"), exporter.stderr());
    }
  }

  @Test
  void realProcInProcfsModeIsPromtoolClean() throws Exception {
    try (ExporterProcess exporter = ExporterProcess.start("--web.telemetry-path=/m")) {
      get(exporter.port(), "/m");
      HttpResponse<String> metrics = get(exporter.port(), "/m");
      assertEquals(200, metrics.statusCode());
      Promtool.assertCleanMetrics(metrics.body());
      Map<String, Double> samples = Scrapes.samples(metrics.body());
      for (String collector : List.of("cpu", "memory", "processes")) {
        assertEquals(
            1.0,
            samples.get("vmwatch_scrape_collector_success{collector=\"" + collector + "\",}"),
            collector);
      }
      assertTrue(samples.get("vmwatch_threads") > 10);
      assertTrue(
          samples.keySet().stream().anyMatch(k -> k.startsWith("vmwatch_process_info{")),
          "per-process series present");
      assertEquals(404, get(exporter.port(), "/metrics").statusCode());
    }
  }

  @Test
  void badFlagsExitTwoWithOneLine() throws Exception {
    for (String flag :
        List.of(
            "--bogus",
            "--collector.processes.top=many",
            "--web.listen-address=nowhere",
            "--web.listen-address=[::1:9717",
            "--path.procfs=/no/such")) {
      ExporterProcess.Result result = ExporterProcess.run(flag);
      assertEquals(2, result.exitCode(), flag + ": " + result.stderr());
      assertEquals(1, result.stderr().lines().count(), flag + ": " + result.stderr());
      assertTrue(result.stderr().startsWith("vmwatch-exporter: error: "), result.stderr());
    }
    ExporterProcess.Result help = ExporterProcess.run("--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.stdout().contains("--collector.processes.top"));
    ExporterProcess.Result version = ExporterProcess.run("--version");
    assertEquals(0, version.exitCode());
    assertEquals("vmwatch-exporter " + Main.version(), version.stdout().trim());
  }
}
