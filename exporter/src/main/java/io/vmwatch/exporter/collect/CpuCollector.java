package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CounterMetricFamily;
import io.vmwatch.exporter.source.CpuMode;
import io.vmwatch.exporter.source.CpuTimes;
import io.vmwatch.exporter.source.SourceKind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code vmwatch_cpu_seconds_total{cpu,mode}}. */
public final class CpuCollector implements FamilySamples<List<CpuTimes>> {
  private final Map<Long, MonotonicCounter> counters = new HashMap<>();

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public List<MetricFamilySamples> build(List<CpuTimes> cpus, SourceKind kind) {
    CounterMetricFamily seconds =
        new CounterMetricFamily(
            "vmwatch_cpu_seconds_total",
            "Seconds each CPU spent in each mode since boot.",
            List.of("cpu", "mode"));
    CpuMode[] modes = CpuMode.values();
    for (CpuTimes times : cpus) {
      String cpu = Integer.toString(times.cpu());
      for (CpuMode mode : modes) {
        long key = (long) times.cpu() * modes.length + mode.ordinal();
        double value =
            counters
                .computeIfAbsent(key, k -> new MonotonicCounter())
                .next(kind, times.nanos(mode) / 1e9);
        seconds.addMetric(List.of(cpu, mode.label()), value);
      }
    }
    return List.of(seconds);
  }
}
