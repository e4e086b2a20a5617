package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Runs every enabled collector at each scrape, one scrape at a time. A collector that fails reports
 * success 0 and logs one line when it starts failing (or fails differently), and one when it
 * recovers; the others still answer.
 */
public final class ExporterCollector extends Collector {
  private static final Logger LOG = Logger.getLogger(ExporterCollector.class.getName());

  private final Map<String, FamilyCollector> collectors;
  private final String version;
  private final Map<String, String> lastFailure = new HashMap<>();

  /**
   * @param collectors the enabled collectors by name, in scrape order
   */
  public ExporterCollector(Map<String, FamilyCollector> collectors, String version) {
    this.collectors = new LinkedHashMap<>(collectors);
    this.version = version;
  }

  @Override
  public synchronized List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    GaugeMetricFamily success =
        new GaugeMetricFamily(
            "vmwatch_scrape_collector_success",
            "1 when the collector answered this scrape, 0 when it failed.",
            List.of("collector"));
    GaugeMetricFamily duration =
        new GaugeMetricFamily(
            "vmwatch_scrape_collector_duration_seconds",
            "Time the collector took in this scrape.",
            List.of("collector"));
    GaugeMetricFamily source =
        new GaugeMetricFamily(
            "vmwatch_collector_source_info",
            "Where the collector read from in this scrape: module or procfs; value always 1.",
            List.of("collector", "source"));
    for (Map.Entry<String, FamilyCollector> entry : collectors.entrySet()) {
      String name = entry.getKey();
      FamilyCollector family = entry.getValue();
      long started = System.nanoTime();
      family.chooseSource();
      boolean ok;
      try {
        out.addAll(family.collect());
        ok = true;
        if (lastFailure.remove(name) != null) {
          LOG.info("collector=" + name + " source=" + family.source().label() + " recovered");
        }
      } catch (Exception e) {
        ok = false;
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        if (!message.equals(lastFailure.put(name, message))) {
          LOG.warning(
              "collector=" + name + " source=" + family.source().label() + " failed: " + message);
        }
      }
      success.addMetric(List.of(name), ok ? 1 : 0);
      duration.addMetric(List.of(name), (System.nanoTime() - started) / 1e9);
      source.addMetric(List.of(name, family.source().label()), 1);
    }
    out.add(success);
    out.add(duration);
    out.add(source);
    out.add(
        new GaugeMetricFamily(
                "vmwatch_exporter_build_info",
                "Version of the vmwatch exporter; value always 1.",
                List.of("version"))
            .addMetric(List.of(version), 1));
    return out;
  }
}
