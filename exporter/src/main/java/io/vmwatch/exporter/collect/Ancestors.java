package io.vmwatch.exporter.collect;

import io.vmwatch.exporter.source.ProcessSample;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ancestors of the chosen processes, found by following ppid up to pid 1 (or up to a process
 * whose parent is pid 0 or not in the table), at most {@code maxDepth} levels above each chosen
 * process. With the ancestors, the chosen processes form a tree connected up to pid 1 whenever
 * their chains are no deeper than {@code maxDepth}; the bound keeps the series count at most {@code
 * chosen × maxDepth} extra processes whatever the table holds.
 */
final class Ancestors {
  private Ancestors() {}

  /** Indexes marked true are ancestors of a chosen process and not chosen themselves. */
  static boolean[] of(List<ProcessSample> processes, boolean[] chosen, int maxDepth) {
    int n = processes.size();
    boolean[] ancestor = new boolean[n];
    if (maxDepth <= 0) {
      return ancestor;
    }
    Map<Integer, Integer> indexByPid = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      indexByPid.put(processes.get(i).pid(), i);
    }
    // levels still allowed above each process when a walk passed it: a later walk goes on only
    // where it may climb further, so each process is passed at most maxDepth times in all
    int[] budgetSeen = new int[n];
    for (int start = 0; start < n; start++) {
      if (!chosen[start]) {
        continue;
      }
      int current = start;
      int budget = maxDepth;
      while (budget > 0) {
        ProcessSample p = processes.get(current);
        Integer parent = p.ppid() == 0 || p.ppid() == p.pid() ? null : indexByPid.get(p.ppid());
        if (parent == null || budgetSeen[parent] >= budget) {
          break;
        }
        budgetSeen[parent] = budget;
        if (!chosen[parent]) {
          ancestor[parent] = true;
        }
        current = parent;
        budget--;
      }
    }
    return ancestor;
  }
}
