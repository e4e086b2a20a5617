package io.vmwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CounterMetricFamily;
import io.vmwatch.exporter.Scrapes;
import io.vmwatch.exporter.TestFiles;
import io.vmwatch.exporter.module.ModuleFileSource;
import io.vmwatch.exporter.procfs.ProcfsStat;
import io.vmwatch.exporter.source.Source;
import io.vmwatch.exporter.source.SourceKind;
import io.vmwatch.exporter.source.SourceSwitch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CollectorsTest {
  static final List<String> EVERY_METRIC =
      List.of(
          "vmwatch_cpu_seconds_total{cpu=\"1\",mode=\"steal\",}",
          "vmwatch_memory_total_bytes",
          "vmwatch_memory_available_bytes",
          "vmwatch_memory_free_bytes",
          "vmwatch_memory_buffers_bytes",
          "vmwatch_memory_cached_bytes",
          "vmwatch_processes{state=\"R\",}",
          "vmwatch_threads",
          "vmwatch_process_cpu_seconds_total{pid=\"900\",name=\"a) (b\\nc\",}",
          "vmwatch_process_resident_memory_bytes{pid=\"900\",name=\"a) (b\\nc\",}",
          "vmwatch_process_threads{pid=\"900\",name=\"a) (b\\nc\",}",
          "vmwatch_process_start_time_seconds{pid=\"900\",name=\"a) (b\\nc\",}",
          "vmwatch_process_info{pid=\"900\",ppid=\"812\",name=\"a) (b\\nc\",user=\"alice\",state=\"R\",}",
          "vmwatch_process_tree_order{pid=\"900\",name=\"a) (b\\nc\",tree=\"\u2502 \u2514 a) (b\\nc\",}",
          "vmwatch_process_series{reason=\"top\",}",
          "vmwatch_process_series{reason=\"ancestor\",}",
          "vmwatch_scrape_collector_success{collector=\"processes\",}",
          "vmwatch_scrape_collector_duration_seconds{collector=\"cpu\",}",
          "vmwatch_collector_source_info{collector=\"memory\",source=\"module\",}",
          "vmwatch_exporter_build_info{version=\"test\",}");

  @Test
  void fixtureServesEveryMetricWithEscapedLabels(@TempDir Path dir) throws Exception {
    Map<String, Double> s =
        new Scrapes(TestFiles.copyFixture(dir), "--collector.processes.top=100").scrape();
    for (String series : EVERY_METRIC) {
      assertTrue(s.containsKey(series), "missing " + series + " in " + s.keySet());
    }
    assertEquals(48.684, s.get("vmwatch_cpu_seconds_total{cpu=\"0\",mode=\"user\",}"), 1e-9);
    assertEquals(2014436.0 * 1024, s.get("vmwatch_memory_total_bytes"));
    assertEquals(4.0, s.get("vmwatch_processes{state=\"S\",}"));
    assertEquals(1.0, s.get("vmwatch_processes{state=\"Z\",}"));
    assertEquals(0.0, s.get("vmwatch_processes{state=\"T\",}"));
    assertEquals(14.0, s.get("vmwatch_threads"));
    assertEquals(
        51.205, s.get("vmwatch_process_cpu_seconds_total{pid=\"900\",name=\"a) (b\\nc\",}"), 1e-9);
    assertEquals(
        1764230400 + 5.0,
        s.get("vmwatch_process_start_time_seconds{pid=\"900\",name=\"a) (b\\nc\",}"));
    // quotes and backslashes escaped, non-UTF-8 bytes replaced, tab kept, unknown uid as number
    assertTrue(
        s.containsKey(
            "vmwatch_process_info{pid=\"902\",ppid=\"812\",name=\"q\\\"x\\\\y\",user=\"4242\",state=\"Z\",}"),
        s.keySet().toString());
    assertTrue(
        s.containsKey(
            "vmwatch_process_info{pid=\"901\",ppid=\"812\",name=\"\uFFFD(bad\uFFFD\",user=\"bob\",state=\"S\",}"));
    assertTrue(s.containsKey("vmwatch_process_threads{pid=\"903\",name=\"tab\there\",}"));
    assertTrue(
        s.containsKey(
            "vmwatch_process_info{pid=\"1\",ppid=\"0\",name=\"systemd\",user=\"root\",state=\"S\",}"));
    for (String collector : List.of("cpu", "memory", "processes")) {
      assertEquals(
          1.0,
          s.get("vmwatch_scrape_collector_success{collector=\"" + collector + "\",}"),
          collector);
    }
  }

  @Test
  void procfsModeWhenModuleFilesAreMissing(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    for (String name : List.of("vmwatch_cpu", "vmwatch_mem", "vmwatch_procs")) {
      Files.delete(procfs.resolve(name));
    }
    Map<String, Double> s = new Scrapes(procfs, "--collector.processes.top=100").scrape();
    for (String series : EVERY_METRIC) {
      String expected = series.replace("source=\"module\"", "source=\"procfs\"");
      assertTrue(s.containsKey(expected), "missing " + expected);
    }
    assertEquals(48.68, s.get("vmwatch_cpu_seconds_total{cpu=\"0\",mode=\"user\",}"), 1e-9);
  }

  @Test
  void countersNeverGoBackwardsWhenSourcesSwitch(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    Scrapes scrapes = new Scrapes(procfs, "--collector.processes.top=100");
    Map<String, Double> module = scrapes.scrape();
    Path saved = Files.createDirectory(dir.resolve("saved"));
    for (String name : List.of("vmwatch_cpu", "vmwatch_procs")) {
      Files.move(procfs.resolve(name), saved.resolve(name));
    }
    Map<String, Double> procfsMode = scrapes.scrape();
    assertEquals(
        1.0, procfsMode.get("vmwatch_collector_source_info{collector=\"cpu\",source=\"procfs\",}"));
    assertEquals(
        1.0,
        procfsMode.get(
            "vmwatch_collector_source_info{collector=\"processes\",source=\"procfs\",}"));
    assertEquals(
        1.0,
        procfsMode.get("vmwatch_collector_source_info{collector=\"memory\",source=\"module\",}"));
    assertNoCounterWentBack(module, procfsMode);
    // the raw procfs values are lower (whole ticks); the exported ones are held at the module's
    assertEquals(
        48.684, procfsMode.get("vmwatch_cpu_seconds_total{cpu=\"0\",mode=\"user\",}"), 1e-9);

    for (String name : List.of("vmwatch_cpu", "vmwatch_procs")) {
      Files.move(saved.resolve(name), procfs.resolve(name));
    }
    Map<String, Double> back = scrapes.scrape();
    assertEquals(
        1.0, back.get("vmwatch_collector_source_info{collector=\"cpu\",source=\"module\",}"));
    assertNoCounterWentBack(procfsMode, back);
    // back on the module: offset reset, values are the module's own again
    assertEquals(48.684, back.get("vmwatch_cpu_seconds_total{cpu=\"0\",mode=\"user\",}"), 1e-9);
  }

  private static void assertNoCounterWentBack(
      Map<String, Double> before, Map<String, Double> after) {
    int compared = 0;
    for (Map.Entry<String, Double> e : before.entrySet()) {
      if (e.getKey().contains("_total{") && after.containsKey(e.getKey())) {
        assertTrue(
            after.get(e.getKey()) >= e.getValue(),
            e.getKey() + " went from " + e.getValue() + " to " + after.get(e.getKey()));
        compared++;
      }
    }
    assertTrue(compared >= 16 + 8, "compared " + compared + " counters");
  }

  @Test
  void moduleFileGoneBetweenCheckAndReadFallsBackToProcfs(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    Path unloaded = Files.createDirectory(dir.resolve("unloaded"));
    // the switch sees a file that exists; the module source then finds its file gone
    FamilyCollector cpu =
        new SwitchingCollector<>(
            new SourceSwitch<>(
                procfs.resolve("vmwatch_cpu"),
                new ModuleFileSource<>(unloaded, CpuCollector.MODULE, CpuCollector::parseModule),
                Source.procfs(new ProcfsStat(procfs)::cpus)),
            new CpuCollector());
    assertEquals(SourceKind.MODULE, cpu.chooseSource());
    CounterMetricFamily seconds = (CounterMetricFamily) cpu.collect().get(0);
    assertEquals(SourceKind.PROCFS, cpu.source());
    assertEquals(48.68, seconds.samples.get(0).value, 1e-9);
  }

  @Test
  void malformedModuleFileFailsOnlyItsCollectorWithOneLogLine(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    String good = Files.readString(procfs.resolve("vmwatch_procs"));
    Files.writeString(
        procfs.resolve("vmwatch_procs"), good.replace("end\n", ""), StandardCharsets.US_ASCII);
    List<LogRecord> logged = new ArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            logged.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger logger = Logger.getLogger(ExporterCollector.class.getName());
    logger.addHandler(handler);
    try {
      Scrapes scrapes = new Scrapes(procfs);
      Map<String, Double> s = scrapes.scrape();
      scrapes.scrape();
      assertEquals(0.0, s.get("vmwatch_scrape_collector_success{collector=\"processes\",}"));
      assertEquals(1.0, s.get("vmwatch_scrape_collector_success{collector=\"cpu\",}"));
      assertEquals(1.0, s.get("vmwatch_scrape_collector_success{collector=\"memory\",}"));
      assertTrue(s.containsKey("vmwatch_memory_total_bytes"));
      assertFalse(
          s.keySet().stream().anyMatch(k -> k.startsWith("vmwatch_process_")),
          "no half process table");
      assertEquals(1, logged.size(), "one line for two failing scrapes");
      assertTrue(
          logged.get(0).getMessage().contains("collector=processes source=module failed:")
              && logged.get(0).getMessage().contains("no 'end'"),
          logged.get(0).getMessage());

      Files.writeString(procfs.resolve("vmwatch_procs"), good, StandardCharsets.US_ASCII);
      assertEquals(
          1.0, scrapes.scrape().get("vmwatch_scrape_collector_success{collector=\"processes\",}"));
      assertEquals(2, logged.size());
      assertTrue(logged.get(1).getMessage().contains("recovered"));
    } finally {
      logger.removeHandler(handler);
    }
  }

  @Test
  void rankingByCpuComparesWithThePreviousScrape(@TempDir Path dir) throws Exception {
    Path procfs = TestFiles.copyFixture(dir);
    Scrapes scrapes =
        new Scrapes(
            procfs, "--collector.processes.top=1", "--collector.processes.ancestors.depth=0");
    Map<String, Double> first = scrapes.scrape();
    // first scrape: by cumulative CPU pid 900 (51 s); by RSS pid 903
    assertEquals(List.of("900", "903"), pids(first));
    // pid 1 now uses 2 s of CPU, pid 900 none: pid 1 leads by recent use despite less in total
    Path file = procfs.resolve("vmwatch_procs");
    Files.writeString(
        file,
        Files.readString(file)
            .replace(
                "1 0 0 S 1 11939840 168796160 353000000 ",
                "1 0 0 S 1 11939840 168796160 2353000000 "));
    Map<String, Double> second = scrapes.scrape();
    assertEquals(List.of("1", "903"), pids(second));
    assertEquals(
        2.0 + 0.353 + 0.912,
        second.get("vmwatch_process_cpu_seconds_total{pid=\"1\",name=\"systemd\",}"),
        1e-9);
  }

  @Test
  void topZeroAndDisabledCollectors(@TempDir Path dir) throws Exception {
    Map<String, Double> s =
        new Scrapes(
                TestFiles.copyFixture(dir),
                "--collector.processes.top=0",
                "--no-collector.cpu",
                "--collector.memory=false")
            .scrape();
    assertTrue(pids(s).isEmpty());
    assertTrue(s.containsKey("vmwatch_threads"));
    assertFalse(
        s.keySet().stream()
            .anyMatch(k -> k.startsWith("vmwatch_cpu_") || k.startsWith("vmwatch_memory_")));
    assertFalse(s.containsKey("vmwatch_scrape_collector_success{collector=\"cpu\",}"));
  }

  private static List<String> pids(Map<String, Double> samples) {
    return samples.keySet().stream()
        .filter(k -> k.startsWith("vmwatch_process_info{"))
        .map(k -> k.substring(k.indexOf("pid=\"") + 5, k.indexOf("\",ppid")))
        .sorted((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)))
        .toList();
  }
}
