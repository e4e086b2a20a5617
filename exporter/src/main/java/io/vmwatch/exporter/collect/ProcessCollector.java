package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.vmwatch.exporter.cli.Options;
import io.vmwatch.exporter.module.ModuleFile;
import io.vmwatch.exporter.module.ModuleFileSource;
import io.vmwatch.exporter.module.ModuleFormat;
import io.vmwatch.exporter.module.ModuleFormatException;
import io.vmwatch.exporter.module.NameEscape;
import io.vmwatch.exporter.procfs.ProcfsProcesses;
import io.vmwatch.exporter.procfs.ProcfsStat;
import io.vmwatch.exporter.source.ProcessDetails;
import io.vmwatch.exporter.source.ProcessSample;
import io.vmwatch.exporter.source.Source;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The processes collector, from {@code <procfs>/vmwatch_procs} while the module is loaded (and
 * readable), else from {@code <procfs>/[pid]/stat} completed by {@code status} for the exported
 * processes: process counts by state, the thread total, and per-process series for the union of the
 * top N processes by recent CPU use and the top N by resident memory, plus their ancestors up to
 * pid 1 (bounded by depth) so that the exported processes form a connected tree, listed in tree
 * order by {@code vmwatch_process_tree_order}.
 *
 * <p>Recent CPU use of a process is the growth of its CPU seconds since the previous scrape. A
 * process not seen at the previous scrape (a new pid, a reused pid with another start time, or
 * every process at the very first scrape) is ranked by its cumulative CPU seconds, which is all it
 * used since it started.
 */
public final class ProcessCollector implements FamilySamples<List<ProcessSample>> {
  private static final String STATES = "RSDTtXZPI";

  /** cpu, rss, threads, start time, info and tree order; an ancestor has one more, its marker. */
  static final int SERIES_PER_PROCESS = 6;

  /** {@code <procfs>/vmwatch_procs}: the whole process table, one record per process. */
  public static final ModuleFormat MODULE =
      new ModuleFormat(
          "vmwatch_procs",
          "1",
          "pid ppid uid state threads rss_bytes vsize_bytes utime_ns stime_ns start_time_ns name",
          11);

  private final ProcfsStat stat;
  private final UserNames users;
  private final ProcessDetails details;
  private final int top;
  private final int ancestorDepth;
  private Map<Integer, History> histories = new HashMap<>();
  private long bootTimeSeconds = -1;

  /** What the collector remembers of a process between scrapes. */
  private static final class History {
    final long startNanos;
    final MonotonicCounter cpu = new MonotonicCounter();

    History(long startNanos) {
      this.startNanos = startNanos;
    }
  }

  /**
   * @param details completes the partial sample of an exported process
   * @param top N of the two top lists
   * @param ancestorDepth how many levels of ancestors each top process brings along (0: none)
   */
  public ProcessCollector(
      ProcfsStat stat, UserNames users, ProcessDetails details, int top, int ancestorDepth) {
    this.stat = stat;
    this.users = users;
    this.details = details;
    this.top = top;
    this.ancestorDepth = ancestorDepth;
  }

  static FamilyCollector create(Options options) {
    Path procfs = options.procfs();
    ProcfsProcesses table = new ProcfsProcesses(procfs);
    return SwitchingCollector.of(
        new ModuleFileSource<>(procfs, MODULE, ProcessCollector::parseModule),
        Source.procfs(table::read),
        new ProcessCollector(
            new ProcfsStat(procfs),
            new UserNames(options.passwd()),
            table,
            options.processesTop(),
            options.processesAncestorDepth()));
  }

  @Override
  public List<MetricFamilySamples> build(List<ProcessSample> processes, SourceKind kind)
      throws IOException {
    if (bootTimeSeconds < 0) {
      bootTimeSeconds = stat.bootTimeSeconds();
    }
    users.refresh();

    int n = processes.size();
    double[] cpuSeconds = new double[n];
    double[] recentCpu = new double[n];
    Map<Integer, History> seen = new HashMap<>(n * 2);
    Map<Character, Integer> byState = new TreeMap<>();
    for (char state : STATES.toCharArray()) {
      byState.put(state, 0);
    }
    long threads = 0;
    for (int i = 0; i < n; i++) {
      ProcessSample p = processes.get(i);
      byState.merge(p.state(), 1, Integer::sum);
      threads += p.threads();
      History history = histories.get(p.pid());
      // start times compared in whole ticks: the two sources agree to the tick
      long startTicks = p.startTimeNanos() / ProcfsStat.NANOS_PER_TICK;
      if (history == null || history.startNanos / ProcfsStat.NANOS_PER_TICK != startTicks) {
        history = new History(p.startTimeNanos());
      }
      double previous = history.cpu.last();
      cpuSeconds[i] = history.cpu.next(kind, p.cpuNanos() / 1e9);
      recentCpu[i] = Double.isNaN(previous) ? cpuSeconds[i] : cpuSeconds[i] - previous;
      seen.put(p.pid(), history);
    }
    histories = seen;

    GaugeMetricFamily states =
        new GaugeMetricFamily(
            "vmwatch_processes",
            "Number of processes by state letter of /proc/PID/stat.",
            List.of("state"));
    byState.forEach((state, count) -> states.addMetric(List.of(String.valueOf(state)), count));
    GaugeMetricFamily threadTotal =
        new GaugeMetricFamily("vmwatch_threads", "Number of threads of all processes.", threads);

    CounterMetricFamily cpu =
        new CounterMetricFamily(
            "vmwatch_process_cpu_seconds_total",
            "User plus system CPU seconds of the process since it started.",
            List.of("pid", "name"));
    GaugeMetricFamily rss =
        new GaugeMetricFamily(
            "vmwatch_process_resident_memory_bytes",
            "Resident set size of the process.",
            List.of("pid", "name"));
    GaugeMetricFamily threadCount =
        new GaugeMetricFamily(
            "vmwatch_process_threads", "Number of threads of the process.", List.of("pid", "name"));
    GaugeMetricFamily start =
        new GaugeMetricFamily(
            "vmwatch_process_start_time_seconds",
            "Start time of the process since the Unix epoch.",
            List.of("pid", "name"));
    GaugeMetricFamily info =
        new GaugeMetricFamily(
            "vmwatch_process_info",
            "Process identity; value always 1.",
            List.of("pid", "ppid", "name", "user", "state"));
    GaugeMetricFamily ancestor =
        new GaugeMetricFamily(
            "vmwatch_process_ancestor",
            "1 for a process exported only because it is an ancestor of a top process.",
            List.of("pid", "name"));
    GaugeMetricFamily tree =
        new GaugeMetricFamily(
            "vmwatch_process_tree_order",
            "Row of the process in tree order (each process under its parent, busiest branch first); "
                + "tree is the name indented by its depth.",
            List.of("pid", "name", "tree"));
    boolean[] chosen = TopProcesses.of(processes, recentCpu, top);
    boolean[] ancestors = Ancestors.of(processes, chosen, ancestorDepth);
    Exported exported = exported(processes, chosen, ancestors);
    long[] counts = new long[2];
    for (int k = 0; k < exported.indexes().length; k++) {
      int i = exported.indexes()[k];
      ProcessSample p = exported.samples().get(k);
      List<String> labels = List.of(Integer.toString(p.pid()), p.name());
      cpu.addMetric(labels, cpuSeconds[i]);
      rss.addMetric(labels, p.rssBytes());
      threadCount.addMetric(labels, p.threads());
      start.addMetric(labels, bootTimeSeconds + p.startTimeNanos() / 1e9);
      info.addMetric(
          List.of(
              Integer.toString(p.pid()),
              Integer.toString(p.ppid()),
              p.name(),
              users.nameOf(p.uid()),
              String.valueOf(p.state())),
          1);
      if (ancestors[i]) {
        ancestor.addMetric(labels, 1);
      }
      counts[ancestors[i] ? 1 : 0]++;
    }
    int row = 0;
    for (TreeOrder.Row r : TreeOrder.of(processes, exported.indexes(), recentCpu)) {
      // name and pid are the same in the partial and the complete sample
      ProcessSample p = processes.get(r.index());
      tree.addMetric(
          List.of(Integer.toString(p.pid()), p.name(), TreeOrder.indented(p.name(), r.depth())),
          ++row);
    }
    GaugeMetricFamily series =
        new GaugeMetricFamily(
            "vmwatch_process_series",
            "Per-process series of this scrape, by why the process is exported: top (top N by CPU or memory) "
                + "or ancestor (an ancestor of a top process).",
            List.of("reason"));
    series.addMetric(List.of("top"), counts[0] * SERIES_PER_PROCESS);
    series.addMetric(List.of("ancestor"), counts[1] * (SERIES_PER_PROCESS + 1));
    return List.of(states, threadTotal, cpu, rss, threadCount, start, info, ancestor, tree, series);
  }

  /** Indexes of the exported processes, in pid order, and the complete sample of each. */
  private record Exported(int[] indexes, List<ProcessSample> samples) {}

  /**
   * The chosen processes and their ancestors, each completed where its source left it partial; a
   * process that exited before that is left out.
   */
  private Exported exported(List<ProcessSample> processes, boolean[] chosen, boolean[] ancestors)
      throws IOException {
    int n = processes.size();
    List<ProcessSample> samples = new ArrayList<>();
    int[] exported = new int[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (!chosen[i] && !ancestors[i]) {
        continue;
      }
      ProcessSample complete = details.complete(processes.get(i));
      if (complete == null) {
        continue;
      }
      samples.add(complete);
      exported[count++] = i;
    }
    return new Exported(Arrays.copyOf(exported, count), samples);
  }

  /** The records of {@link #MODULE}, every sample complete. */
  public static List<ProcessSample> parseModule(ModuleFile module) throws ModuleFormatException {
    List<ProcessSample> processes = new ArrayList<>(module.recordCount());
    for (int i = 0; i < module.recordCount(); i++) {
      String state = module.text(i, 3);
      if (state.length() != 1 || !Character.isLetter(state.charAt(0))) {
        throw module.error(i, "state '" + state + "' is not one letter");
      }
      String escaped = module.text(i, 10);
      String name = NameEscape.decode(escaped);
      if (name == null) {
        throw module.error(
            i, "name '" + escaped + "' has a backslash not followed by three octal digits");
      }
      processes.add(
          new ProcessSample(
              intField(module, i, 0),
              intField(module, i, 1),
              uidField(module, i),
              state.charAt(0),
              intField(module, i, 4),
              module.number(i, 5),
              addExact(module, i, module.number(i, 7), module.number(i, 8)),
              module.number(i, 9),
              name));
      module.number(i, 6); // vsize_bytes: checked, not exported
    }
    return processes;
  }

  private static int intField(ModuleFile module, int index, int field)
      throws ModuleFormatException {
    long value = module.number(index, field);
    if (value > Integer.MAX_VALUE) {
      throw module.error(
          index, "field " + (field + 1) + " '" + module.text(index, field) + "' is out of range");
    }
    return (int) value;
  }

  private static long uidField(ModuleFile module, int index) throws ModuleFormatException {
    long value = module.number(index, 2);
    if (value > 0xffff_ffffL) {
      throw module.error(index, "uid '" + module.text(index, 2) + "' is out of range");
    }
    return value;
  }

  private static long addExact(ModuleFile module, int index, long a, long b)
      throws ModuleFormatException {
    long sum = a + b;
    if (sum < 0) {
      throw module.error(index, "cpu time out of range");
    }
    return sum;
  }
}
