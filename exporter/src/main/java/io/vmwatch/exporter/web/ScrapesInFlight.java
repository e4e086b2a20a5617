package io.vmwatch.exporter.web;

import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the metric requests being built or sent at once, now and at most since the exporter
 * started. Counted inside the metrics handler, behind {@link BoundedWork}: a peak at {@code
 * --web.max-threads} says scrapes have had to wait for a worker.
 */
final class ScrapesInFlight extends Collector {
  private final AtomicInteger now = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();

  void enter() {
    int inFlight = now.incrementAndGet();
    peak.accumulateAndGet(inFlight, Math::max);
  }

  void leave() {
    now.decrementAndGet();
  }

  @Override
  public List<MetricFamilySamples> collect() {
    return List.of(
        new GaugeMetricFamily(
            "vmwatch_exporter_scrapes_in_flight",
            "Metric requests being built or sent now, this one included.",
            now.get()),
        new GaugeMetricFamily(
            "vmwatch_exporter_scrapes_in_flight_peak",
            "Most metric requests built or sent at once since the exporter started.",
            peak.get()));
  }
}
