package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.vmwatch.exporter.procfs.ProcfsStat;
import io.vmwatch.exporter.source.ProcessSample;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Process counts by state, the thread total, and per-process series for the union of the top N
 * processes by recent CPU use and the top N by resident memory.
 *
 * <p>Recent CPU use of a process is the growth of its CPU seconds since the previous scrape. A
 * process not seen at the previous scrape (a new pid, a reused pid with another start time, or
 * every process at the very first scrape) is ranked by its cumulative CPU seconds, which is all it
 * used since it started.
 */
public final class ProcessCollector implements FamilySamples<List<ProcessSample>> {
  private static final String STATES = "RSDTtXZPI";

  private final ProcfsStat stat;
  private final UserNames users;
  private final int top;
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

  public ProcessCollector(ProcfsStat stat, UserNames users, int top) {
    this.stat = stat;
    this.users = users;
    this.top = top;
  }

  @Override
  public String name() {
    return "processes";
  }

  @Override
  public List<MetricFamilySamples> build(List<ProcessSample> processes, SourceKind kind) throws IOException {
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

    GaugeMetricFamily states = new GaugeMetricFamily("vmwatch_processes",
        "Number of processes by state letter of /proc/PID/stat.", List.of("state"));
    byState.forEach((state, count) -> states.addMetric(List.of(String.valueOf(state)), count));
    GaugeMetricFamily threadTotal = new GaugeMetricFamily("vmwatch_threads",
        "Number of threads of all processes.", threads);

    CounterMetricFamily cpu = new CounterMetricFamily("vmwatch_process_cpu_seconds_total",
        "User plus system CPU seconds of the process since it started.", List.of("pid", "name"));
    GaugeMetricFamily rss = new GaugeMetricFamily("vmwatch_process_resident_memory_bytes",
        "Resident set size of the process.", List.of("pid", "name"));
    GaugeMetricFamily threadCount = new GaugeMetricFamily("vmwatch_process_threads",
        "Number of threads of the process.", List.of("pid", "name"));
    GaugeMetricFamily start = new GaugeMetricFamily("vmwatch_process_start_time_seconds",
        "Start time of the process since the Unix epoch.", List.of("pid", "name"));
    GaugeMetricFamily info = new GaugeMetricFamily("vmwatch_process_info",
        "Process identity; value always 1.", List.of("pid", "ppid", "name", "user", "state"));
    for (int i : selected(processes, recentCpu)) {
      ProcessSample p = processes.get(i);
      List<String> labels = List.of(Integer.toString(p.pid()), p.name());
      cpu.addMetric(labels, cpuSeconds[i]);
      rss.addMetric(labels, p.rssBytes());
      threadCount.addMetric(labels, p.threads());
      start.addMetric(labels, bootTimeSeconds + p.startTimeNanos() / 1e9);
      info.addMetric(List.of(Integer.toString(p.pid()), Integer.toString(p.ppid()), p.name(),
          users.nameOf(p.uid()), String.valueOf(p.state())), 1);
    }
    return List.of(states, threadTotal, cpu, rss, threadCount, start, info);
  }

  /** Indexes of the union of the top N by recent CPU and the top N by RSS, in pid order. */
  private int[] selected(List<ProcessSample> processes, double[] recentCpu) {
    int n = processes.size();
    if (top <= 0 || n == 0) {
      return new int[0];
    }
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    boolean[] chosen = new boolean[n];
    order.sort(Comparator.<Integer>comparingDouble(i -> -recentCpu[i]).thenComparingInt(i -> processes.get(i).pid()));
    for (int k = 0; k < Math.min(top, n); k++) {
      chosen[order.get(k)] = true;
    }
    order.sort(Comparator.<Integer>comparingLong(i -> -processes.get(i).rssBytes()).thenComparingInt(i -> processes.get(i).pid()));
    for (int k = 0; k < Math.min(top, n); k++) {
      chosen[order.get(k)] = true;
    }
    List<Integer> result = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (chosen[i]) {
        result.add(i);
      }
    }
    result.sort(Comparator.comparingInt(i -> processes.get(i).pid()));
    return result.stream().mapToInt(Integer::intValue).toArray();
  }
}
