package io.vmwatch.exporter.collect;

import io.vmwatch.exporter.source.ProcessSample;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exported processes as a tree, in the order a tree view lists them: each process right under
 * its parent, and among siblings the busiest branch first (the most recent CPU of the process and
 * its exported descendants together; then resident memory of the branch; then the lower pid). A
 * process whose parent is not exported is a root; roots are ordered the same way.
 */
final class TreeOrder {
  /** One exported process in tree order: its index in the table and its depth below its root. */
  record Row(int index, int depth) {}

  private TreeOrder() {}

  /** Tree order of {@code exported} (indexes into {@code processes}). */
  static List<Row> of(List<ProcessSample> processes, int[] exported, double[] recentCpu) {
    int m = exported.length;
    Map<Integer, Integer> slotByPid = new HashMap<>(m * 2);
    for (int s = 0; s < m; s++) {
      slotByPid.put(processes.get(exported[s]).pid(), s);
    }
    int[] parent = new int[m];
    for (int s = 0; s < m; s++) {
      ProcessSample p = processes.get(exported[s]);
      Integer up = p.ppid() == p.pid() ? null : slotByPid.get(p.ppid());
      parent[s] = up == null ? -1 : up;
    }
    // a parent chain that loops (a table read while pids were reused) is cut where it loops
    for (int s = 0; s < m; s++) {
      int steps = 0;
      for (int at = parent[s]; at >= 0 && steps <= m; at = parent[at]) {
        steps++;
        if (at == s) {
          parent[s] = -1;
          break;
        }
      }
    }
    double[] branchCpu = new double[m];
    double[] branchRss = new double[m];
    for (int s = 0; s < m; s++) {
      ProcessSample p = processes.get(exported[s]);
      double cpu = Math.max(0, recentCpu[exported[s]]);
      for (int at = s; at >= 0; at = parent[at]) {
        branchCpu[at] += cpu;
        branchRss[at] += p.rssBytes();
      }
    }
    List<List<Integer>> children = new ArrayList<>(m);
    List<Integer> roots = new ArrayList<>();
    for (int s = 0; s < m; s++) {
      children.add(new ArrayList<>());
    }
    for (int s = 0; s < m; s++) {
      (parent[s] < 0 ? roots : children.get(parent[s])).add(s);
    }
    Comparator<Integer> busiestFirst =
        Comparator.<Integer>comparingDouble(s -> -branchCpu[s])
            .thenComparingDouble(s -> -branchRss[s])
            .thenComparingInt(s -> processes.get(exported[s]).pid());
    List<Row> rows = new ArrayList<>(m);
    Deque<int[]> stack = new ArrayDeque<>();
    roots.sort(busiestFirst.reversed());
    for (int root : roots) {
      stack.push(new int[] {root, 0});
    }
    while (!stack.isEmpty()) {
      int[] top = stack.pop();
      rows.add(new Row(exported[top[0]], top[1]));
      List<Integer> kids = children.get(top[0]);
      kids.sort(busiestFirst.reversed());
      for (int kid : kids) {
        stack.push(new int[] {kid, top[1] + 1});
      }
    }
    return rows;
  }

  /** The name as a tree view shows it: one guide per level above, then the name. */
  static String indented(String name, int depth) {
    if (depth == 0) {
      return name;
    }
    return "\u2502 ".repeat(depth - 1) + "\u2514 " + name;
  }
}
