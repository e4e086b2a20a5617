package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CounterMetricFamily;
import io.vmwatch.exporter.cli.Options;
import io.vmwatch.exporter.module.ModuleFile;
import io.vmwatch.exporter.module.ModuleFileSource;
import io.vmwatch.exporter.module.ModuleFormat;
import io.vmwatch.exporter.module.ModuleFormatException;
import io.vmwatch.exporter.procfs.ProcfsStat;
import io.vmwatch.exporter.source.CpuMode;
import io.vmwatch.exporter.source.CpuTimes;
import io.vmwatch.exporter.source.Source;
import io.vmwatch.exporter.source.SourceKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cpu collector: {@code vmwatch_cpu_seconds_total{cpu,mode}}, from {@code <procfs>/vmwatch_cpu}
 * while the module is loaded, else from the {@code cpuN} lines of {@code <procfs>/stat}.
 */
public final class CpuCollector implements FamilySamples<List<CpuTimes>> {
  /** {@code <procfs>/vmwatch_cpu}: a CPU number and nanoseconds per mode. */
  public static final ModuleFormat MODULE =
      new ModuleFormat(
          "vmwatch_cpu",
          "1",
          "cpu user_ns nice_ns system_ns idle_ns iowait_ns irq_ns softirq_ns steal_ns",
          1 + CpuMode.values().length);

  private final Map<Long, MonotonicCounter> counters = new HashMap<>();

  static FamilyCollector create(Options options) {
    return SwitchingCollector.of(
        new ModuleFileSource<>(options.procfs(), MODULE, CpuCollector::parseModule),
        Source.procfs(new ProcfsStat(options.procfs())::cpus),
        new CpuCollector());
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

  /** The records of {@link #MODULE}. */
  public static List<CpuTimes> parseModule(ModuleFile module) throws ModuleFormatException {
    List<CpuTimes> cpus = new ArrayList<>(module.recordCount());
    for (int i = 0; i < module.recordCount(); i++) {
      long cpu = module.number(i, 0);
      if (cpu > Integer.MAX_VALUE) {
        throw module.error(i, "cpu number " + cpu + " is out of range");
      }
      long[] nanos = new long[CpuMode.values().length];
      for (int m = 0; m < nanos.length; m++) {
        nanos[m] = module.number(i, m + 1);
      }
      cpus.add(new CpuTimes((int) cpu, nanos));
    }
    return cpus;
  }
}
