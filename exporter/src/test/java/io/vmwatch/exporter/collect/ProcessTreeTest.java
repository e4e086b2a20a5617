package io.vmwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.exporter.Scrapes;
import io.vmwatch.exporter.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ancestors and tree order on a procfs tree written by the test: pid 1, a chain 100 → 139 forty
 * levels deep whose leaf 139 is the busiest process, pid 300 (the most memory) hanging off the
 * chain at 120, sixty idle processes beside them, and kernel threads under pid 2.
 */
class ProcessTreeTest {
  private static final Pattern INFO =
      Pattern.compile("vmwatch_process_info\\{pid=\"(\\d+)\",ppid=\"(\\d+)\",");
  private static final Pattern TREE =
      Pattern.compile(
          "vmwatch_process_tree_order\\{pid=\"(\\d+)\",name=\"[^\"]*\",tree=\"([^\"]*)\",}");
  private static final int LEAF = 139;
  private static final int BIG = 300;

  private static Path deepTree(Path dir) throws IOException {
    Path procfs = dir.resolve("procfs");
    Files.createDirectories(procfs);
    Files.copy(TestFiles.fixtureProcfs().resolve("stat"), procfs.resolve("stat"));
    process(procfs, 1, 0, "systemd", 30, 3000);
    process(procfs, 2, 0, "kthreadd", 1, 0);
    for (int pid = 3; pid < 10; pid++) {
      process(procfs, pid, 2, "kworker/" + pid, 2, 0);
    }
    for (int pid = 100; pid <= LEAF; pid++) {
      process(procfs, pid, pid == 100 ? 1 : pid - 1, pid == LEAF ? "busy leaf" : "sh", 5, 400);
    }
    process(procfs, LEAF, LEAF - 1, "busy leaf", 90_000, 500);
    process(procfs, BIG, 120, "big", 10, 1_000_000);
    for (int pid = 200; pid < 260; pid++) {
      process(procfs, pid, pid % 2 == 0 ? 1 : 100 + pid % 40, "idle", 3, 100);
    }
    return procfs;
  }

  private static void process(
      Path procfs, int pid, int ppid, String name, long utimeTicks, long rssPages)
      throws IOException {
    Path dir = procfs.resolve(Integer.toString(pid));
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("stat"),
        pid
            + " ("
            + name
            + ") S "
            + ppid
            + " "
            + pid
            + " "
            + pid
            + " 0 -1 4194560 100 0 0 0 "
            + utimeTicks
            + " 0 0 0 20 0 1 0 "
            + (1000 + pid)
            + " 9000000 "
            + rssPages
            + " 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
    Files.writeString(
        dir.resolve("status"),
        "Name:\t"
            + name
            + "\nUid:\t1000\t1000\t1000\t1000\n"
            + (rssPages > 0 ? "VmRSS:\t" + rssPages * 4 + " kB\n" : "")
            + "Threads:\t1\n");
  }

  private static Map<String, Double> scrape(Path procfs, int depth) throws Exception {
    return new Scrapes(
            procfs,
            "--no-collector.cpu",
            "--no-collector.memory",
            "--collector.processes.top=1",
            "--collector.processes.ancestors.depth=" + depth)
        .scrape();
  }

  /** pid → ppid of every exported process. */
  private static Map<Integer, Integer> exported(Map<String, Double> samples) {
    Map<Integer, Integer> parents = new TreeMap<>();
    for (String series : samples.keySet()) {
      Matcher m = INFO.matcher(series);
      if (m.lookingAt()) {
        parents.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
      }
    }
    return parents;
  }

  private static Set<Integer> ancestors(Map<String, Double> samples) {
    Set<Integer> pids = new TreeSet<>();
    for (String series : samples.keySet()) {
      if (series.startsWith("vmwatch_process_ancestor{pid=\"")) {
        pids.add(Integer.parseInt(series.substring(30, series.indexOf('"', 30))));
      }
    }
    return pids;
  }

  private static Set<Integer> range(int from, int to) {
    Set<Integer> pids = new TreeSet<>();
    for (int pid = from; pid <= to; pid++) {
      pids.add(pid);
    }
    return pids;
  }

  @Test
  void topProcessesAndTheirAncestorsFormATreeConnectedToPid1(@TempDir Path dir) throws Exception {
    Map<String, Double> s = scrape(deepTree(dir), 64);
    Map<Integer, Integer> parents = exported(s);
    for (Map.Entry<Integer, Integer> e : parents.entrySet()) {
      assertTrue(
          e.getValue() == 0 || parents.containsKey(e.getValue()),
          "pid " + e.getKey() + " has its parent " + e.getValue() + " exported");
    }
    Set<Integer> expectedAncestors = range(100, LEAF - 1);
    expectedAncestors.add(1);
    assertEquals(
        expectedAncestors, ancestors(s), "the chain above the busy leaf and above the big one");
    Set<Integer> expected = new TreeSet<>(expectedAncestors);
    expected.addAll(List.of(LEAF, BIG));
    assertEquals(expected, parents.keySet(), "no idle process, no kernel thread");
    assertEquals(2.0 * 6, s.get("vmwatch_process_series{reason=\"top\",}"));
    assertEquals(40.0 * 7, s.get("vmwatch_process_series{reason=\"ancestor\",}"));
    assertEquals(1.0, s.get("vmwatch_process_ancestor{pid=\"1\",name=\"systemd\",}"));
    assertFalse(
        s.containsKey("vmwatch_process_ancestor{pid=\"" + LEAF + "\",name=\"busy leaf\",}"));
  }

  @Test
  void treeOrderListsEachProcessUnderItsParentBusiestBranchFirst(@TempDir Path dir)
      throws Exception {
    Map<String, Double> s = scrape(deepTree(dir), 64);
    Map<Integer, Integer> parents = exported(s);
    Map<Integer, Integer> rowOf = new HashMap<>();
    Map<Integer, String> treeOf = new HashMap<>();
    for (Map.Entry<String, Double> e : s.entrySet()) {
      Matcher m = TREE.matcher(e.getKey());
      if (m.matches()) {
        rowOf.put(Integer.parseInt(m.group(1)), e.getValue().intValue());
        treeOf.put(Integer.parseInt(m.group(1)), m.group(2));
      }
    }
    assertEquals(parents.keySet(), rowOf.keySet());
    List<Integer> byRow = new ArrayList<>(rowOf.keySet());
    byRow.sort((a, b) -> Integer.compare(rowOf.get(a), rowOf.get(b)));
    List<Integer> expected = new ArrayList<>(List.of(1));
    expected.addAll(range(100, LEAF)); // the busy leaf's branch before the big process's
    expected.add(BIG);
    assertEquals(expected, byRow);
    assertEquals(range(1, parents.size()), new TreeSet<>(rowOf.values()), "rows 1..n");
    assertEquals("systemd", treeOf.get(1));
    assertEquals("\u2514 sh", treeOf.get(100));
    assertEquals("\u2502 ".repeat(39) + "\u2514 busy leaf", treeOf.get(LEAF));
    assertEquals("\u2502 ".repeat(21) + "\u2514 big", treeOf.get(BIG));
  }

  @Test
  void depthBoundsTheAncestorsOfEachTopProcess(@TempDir Path dir) throws Exception {
    Map<String, Double> s = scrape(deepTree(dir), 5);
    Set<Integer> expectedAncestors = range(LEAF - 5, LEAF - 1);
    expectedAncestors.addAll(range(116, 120));
    assertEquals(expectedAncestors, ancestors(s));
    assertEquals(12, exported(s).size());
    assertEquals(10.0 * 7, s.get("vmwatch_process_series{reason=\"ancestor\",}"));
    Map<String, Double> none = scrape(deepTree(dir.resolve("none")), 0);
    assertEquals(Set.of(LEAF, BIG), exported(none).keySet());
    assertEquals(0.0, none.get("vmwatch_process_series{reason=\"ancestor\",}"));
  }

  /** status is read only for exported processes: a broken one elsewhere is never seen. */
  @Test
  void statusIsReadOnlyForExportedProcesses(@TempDir Path dir) throws Exception {
    Path procfs = deepTree(dir);
    for (int pid = 200; pid < 260; pid++) {
      Files.writeString(procfs.resolve(pid + "/status"), "not a status file\n");
    }
    Map<String, Double> s = scrape(procfs, 64);
    assertEquals(1.0, s.get("vmwatch_scrape_collector_success{collector=\"processes\",}"));
    assertTrue(
        s.containsKey(
            "vmwatch_process_info{pid=\""
                + LEAF
                + "\",ppid=\"138\",name=\"busy leaf\",user=\"alice\",state=\"S\",}"),
        "the busy leaf with its user");
    Files.writeString(procfs.resolve(LEAF + "/status"), "not a status file\n");
    assertEquals(
        0.0, scrape(procfs, 64).get("vmwatch_scrape_collector_success{collector=\"processes\",}"));
  }
}
