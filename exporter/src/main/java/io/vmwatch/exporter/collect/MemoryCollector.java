package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.GaugeMetricFamily;
import io.vmwatch.exporter.source.MemoryInfo;
import io.vmwatch.exporter.source.SourceKind;
import java.util.List;

/** {@code vmwatch_memory_*_bytes}. */
public final class MemoryCollector implements FamilySamples<MemoryInfo> {
  @Override
  public String name() {
    return "memory";
  }

  @Override
  public List<MetricFamilySamples> build(MemoryInfo m, SourceKind source) {
    return List.of(
        gauge("total", "Usable RAM (MemTotal).", m.totalBytes()),
        gauge(
            "available",
            "RAM available for new work without swapping (MemAvailable).",
            m.availableBytes()),
        gauge("free", "RAM not used at all (MemFree).", m.freeBytes()),
        gauge("buffers", "RAM in block device buffers (Buffers).", m.buffersBytes()),
        gauge("cached", "RAM in the page cache (Cached).", m.cachedBytes()),
        gauge("swap_total", "Swap space (SwapTotal).", m.swapTotalBytes()),
        gauge("swap_free", "Unused swap space (SwapFree).", m.swapFreeBytes()));
  }

  private static GaugeMetricFamily gauge(String what, String help, long bytes) {
    return new GaugeMetricFamily("vmwatch_memory_" + what + "_bytes", help, bytes);
  }
}
