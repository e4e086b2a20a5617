package io.vmwatch.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.exporter.collect.CollectorsTestView;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fat jar, started as operators start it, scraped over HTTP. */
class ExporterIT {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void fixtureProcfsServesEveryMetric(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    try (ExporterProcess exporter = ExporterProcess.start("--path.procfs=" + procfs,
        "--path.passwd=" + TestFiles.fixturePasswd(), "--collector.processes.top=100")) {
      HttpResponse<String> metrics = get(exporter.port(), "/metrics");
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
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
      assertEquals(1.0, after.get("vmwatch_collector_source_info{collector=\"cpu\",source=\"procfs\",}"));
      String user = "vmwatch_cpu_seconds_total{cpu=\"0\",mode=\"user\",}";
      assertTrue(after.get(user) >= samples.get(user), after.get(user) + " < " + samples.get(user));
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
        assertEquals(1.0, samples.get("vmwatch_scrape_collector_success{collector=\"" + collector + "\",}"), collector);
      }
      assertTrue(samples.get("vmwatch_threads") > 10);
      assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("vmwatch_process_info{")), "per-process series present");
      assertEquals(404, get(exporter.port(), "/metrics").statusCode());
    }
  }

  @Test
  void badFlagsExitTwoWithOneLine() throws Exception {
    for (String flag : List.of("--bogus", "--collector.processes.top=many", "--web.listen-address=nowhere", "--path.procfs=/no/such")) {
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
