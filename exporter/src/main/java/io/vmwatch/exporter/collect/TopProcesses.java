package io.vmwatch.exporter.collect;

import io.vmwatch.exporter.source.ProcessSample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The processes that get series of their own: the union of the top N by recent CPU use and the top
 * N by resident memory, ties to the lower pid.
 */
final class TopProcesses {
  private TopProcesses() {}

  /** Marks the union of the top N by recent CPU and the top N by RSS. */
  static boolean[] of(List<ProcessSample> processes, double[] recentCpu, int top) {
    int n = processes.size();
    boolean[] chosen = new boolean[n];
    if (top <= 0 || n == 0) {
      return chosen;
    }
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    order.sort(
        Comparator.<Integer>comparingDouble(i -> -recentCpu[i])
            .thenComparingInt(i -> processes.get(i).pid()));
    for (int k = 0; k < Math.min(top, n); k++) {
      chosen[order.get(k)] = true;
    }
    order.sort(
        Comparator.<Integer>comparingLong(i -> -processes.get(i).rssBytes())
            .thenComparingInt(i -> processes.get(i).pid()));
    for (int k = 0; k < Math.min(top, n); k++) {
      chosen[order.get(k)] = true;
    }
    return chosen;
  }
}
