package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.GaugeMetricFamily;
import io.vmwatch.exporter.cli.Options;
import io.vmwatch.exporter.module.ModuleFile;
import io.vmwatch.exporter.module.ModuleFileSource;
import io.vmwatch.exporter.module.ModuleFormat;
import io.vmwatch.exporter.module.ModuleFormatException;
import io.vmwatch.exporter.procfs.ProcfsMeminfo;
import io.vmwatch.exporter.source.MemoryInfo;
import io.vmwatch.exporter.source.Source;
import io.vmwatch.exporter.source.SourceKind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory collector: {@code vmwatch_memory_*_bytes}, from {@code <procfs>/vmwatch_mem} while the
 * module is loaded, else from {@code <procfs>/meminfo}. Swap always comes from {@code meminfo}:
 * {@code vmwatch_mem} format 2 has none (the kernel does not export its swap totals to modules).
 */
public final class MemoryCollector implements FamilySamples<MemoryInfo> {
  /** {@code <procfs>/vmwatch_mem}: key and value records; unknown keys are ignored. */
  public static final ModuleFormat MODULE = new ModuleFormat("vmwatch_mem", "2", null, 2);

  private static final List<String> REQUIRED =
      List.of("total_bytes", "free_bytes", "available_bytes", "buffers_bytes", "cached_bytes");

  static FamilyCollector create(Options options) {
    ProcfsMeminfo meminfo = new ProcfsMeminfo(options.procfs());
    return SwitchingCollector.of(
        new ModuleFileSource<>(
            options.procfs(), MODULE, module -> parseModule(module, meminfo.read())),
        Source.procfs(meminfo::read),
        new MemoryCollector());
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

  /** The records of {@link #MODULE}, with the swap figures of {@code swap}. */
  public static MemoryInfo parseModule(ModuleFile module, MemoryInfo swap)
      throws ModuleFormatException {
    Map<String, Long> values = new HashMap<>();
    for (int i = 0; i < module.recordCount(); i++) {
      String key = module.text(i, 0);
      if (values.put(key, module.number(i, 1)) != null) {
        throw module.error(i, "key '" + key + "' appears twice");
      }
    }
    for (String key : REQUIRED) {
      if (!values.containsKey(key)) {
        throw module.error(module.recordCount(), "key '" + key + "' is missing");
      }
    }
    return new MemoryInfo(
        values.get("total_bytes"),
        values.get("free_bytes"),
        values.get("available_bytes"),
        values.get("buffers_bytes"),
        values.get("cached_bytes"),
        swap.swapTotalBytes(),
        swap.swapFreeBytes());
  }
}
