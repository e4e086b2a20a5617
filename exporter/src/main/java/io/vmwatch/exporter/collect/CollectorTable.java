package io.vmwatch.exporter.collect;

import io.vmwatch.exporter.cli.CollectorFlag;
import io.vmwatch.exporter.cli.Options;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every collector of the exporter, in scrape order. A row names the collector (its {@code
 * collector} label and its {@code --[no-]collector.NAME} flag), says what it serves (the flag's
 * help) and builds it from the options. Adding a collector is its file plus one row here.
 */
public final class CollectorTable {
  /**
   * One collector.
   *
   * @param name label value and flag name
   * @param help what the collector serves, for {@code --help}
   * @param factory builds the collector; called once at start when it is enabled
   */
  public record Entry(String name, String help, Function<Options, FamilyCollector> factory) {}

  public static final List<Entry> ALL =
      List.of(
          new Entry(
              "cpu",
              "CPU seconds per CPU and mode (vmwatch_cpu, else <procfs>/stat).",
              CpuCollector::create),
          new Entry(
              "memory",
              "RAM and swap figures (vmwatch_mem, else <procfs>/meminfo).",
              MemoryCollector::create),
          new Entry(
              "processes",
              "Process counts and the top processes with their ancestors"
                  + " (vmwatch_procs, else <procfs>/[pid]/stat).",
              ProcessCollector::create));

  private CollectorTable() {}

  /** The {@code --[no-]collector.NAME} flags, one per row. */
  public static List<CollectorFlag> flags() {
    return ALL.stream().map(entry -> new CollectorFlag(entry.name(), entry.help())).toList();
  }

  /** The collectors {@code options} enable, built, by name in table order. */
  public static Map<String, FamilyCollector> enabled(Options options) {
    Map<String, FamilyCollector> collectors = new LinkedHashMap<>();
    for (Entry entry : ALL) {
      if (options.collectors().contains(entry.name())) {
        collectors.put(entry.name(), entry.factory().apply(options));
      }
    }
    return collectors;
  }
}
