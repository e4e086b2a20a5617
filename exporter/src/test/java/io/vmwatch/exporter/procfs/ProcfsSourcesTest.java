package io.vmwatch.exporter.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.exporter.TestFiles;
import io.vmwatch.exporter.collect.CpuCollector;
import io.vmwatch.exporter.collect.MemoryCollector;
import io.vmwatch.exporter.collect.ProcessCollector;
import io.vmwatch.exporter.module.ModuleFileSource;
import io.vmwatch.exporter.source.CpuMode;
import io.vmwatch.exporter.source.CpuTimes;
import io.vmwatch.exporter.source.ProcessSample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcfsSourcesTest {
  private final Path fixture = TestFiles.fixtureProcfs();

  @Test
  void hostileCommInStatIsTakenUpToTheLastParenthesis() throws IOException {
    byte[] bytes = Files.readAllBytes(fixture.resolve("900/stat"));
    PidFiles.Stat stat = PidFiles.parseStat("900/stat", bytes, bytes.length);
    assertEquals(new PidFiles.Stat(900, "a) (b\nc", 'R', 812, 5000, 120, 2, 500, 51200), stat);
    byte[] bad = Files.readAllBytes(fixture.resolve("901/stat"));
    assertEquals("\uFFFD(bad\uFFFD", PidFiles.parseStat("901/stat", bad, bad.length).name());
  }

  @Test
  void statusOfKernelThreadHasNoRss() throws IOException {
    byte[] bytes = Files.readAllBytes(fixture.resolve("2/status"));
    assertEquals(
        new PidFiles.Status(0, 1, 0), PidFiles.parseStatus("2/status", bytes, bytes.length));
    byte[] user = Files.readAllBytes(fixture.resolve("903/status"));
    assertEquals(
        new PidFiles.Status(65534, 4, 307200L * 1024),
        PidFiles.parseStatus("903/status", user, user.length));
  }

  @Test
  void malformedStatIsAnError() {
    byte[] noParen = "12 systemd S 1 2 3\n".getBytes(StandardCharsets.US_ASCII);
    assertThrows(IOException.class, () -> PidFiles.parseStat("x", noParen, noParen.length));
    byte[] shortStat = "12 (sh) S 1 2 3\n".getBytes(StandardCharsets.US_ASCII);
    IOException e =
        assertThrows(IOException.class, () -> PidFiles.parseStat("x", shortStat, shortStat.length));
    assertTrue(e.getMessage().contains("malformed"), e.getMessage());
    byte[] letters =
        "12 (sh) S 1 2 3 4 5 6 7 8 9 x 11 12 13 14 15 16 17 18 19 20 21 22\n"
            .getBytes(StandardCharsets.US_ASCII);
    assertThrows(IOException.class, () -> PidFiles.parseStat("x", letters, letters.length));
  }

  @Test
  void procfsAndModuleAgreeOnTheFixture() throws IOException {
    ProcfsProcesses procfsSource = new ProcfsProcesses(fixture, 4096);
    List<ProcessSample> procfs = procfsSource.read();
    List<ProcessSample> module =
        new ModuleFileSource<>(fixture, ProcessCollector.MODULE, ProcessCollector::parseModule)
            .read();
    // pid 4000 is listed but its files are gone: it is left out, not an error
    assertEquals(
        module.stream().map(ProcessSample::pid).toList(),
        procfs.stream().map(ProcessSample::pid).toList());
    for (int i = 0; i < module.size(); i++) {
      ProcessSample m = module.get(i);
      assertTrue(procfs.get(i).partial(), "procfs leaves uid and exact RSS to be read on demand");
      ProcessSample p = procfsSource.complete(procfs.get(i));
      assertEquals(m.name(), p.name());
      assertEquals(m.ppid(), p.ppid());
      assertEquals(m.uid(), p.uid());
      assertEquals(m.state(), p.state());
      assertEquals(m.threads(), p.threads());
      assertEquals(m.rssBytes(), p.rssBytes());
      assertEquals(m.startTimeNanos(), p.startTimeNanos());
      assertTrue(
          m.cpuNanos() - p.cpuNanos() >= 0
              && m.cpuNanos() - p.cpuNanos() < 2 * ProcfsStat.NANOS_PER_TICK,
          "module ns round down to procfs ticks for pid " + m.pid());
    }
    ProcfsMeminfo meminfo = new ProcfsMeminfo(fixture);
    assertEquals(
        new ModuleFileSource<>(
                fixture,
                MemoryCollector.MODULE,
                m -> MemoryCollector.parseModule(m, meminfo.read()))
            .read(),
        meminfo.read());
    List<CpuTimes> cpus = new ProcfsStat(fixture).cpus();
    List<CpuTimes> moduleCpus =
        new ModuleFileSource<>(fixture, CpuCollector.MODULE, CpuCollector::parseModule).read();
    assertEquals(2, cpus.size());
    assertEquals(4868 * ProcfsStat.NANOS_PER_TICK, cpus.get(0).nanos(CpuMode.USER));
    assertEquals(
        moduleCpus.get(1).nanos(CpuMode.STEAL) - 4_000_000, cpus.get(1).nanos(CpuMode.STEAL));
    assertEquals(1764230400L, new ProcfsStat(fixture).bootTimeSeconds());
  }

  @Test
  void processVanishingBetweenListingAndStatIsLeftOut(@TempDir Path dir) throws IOException {
    Path procfs = TestFiles.copyFixture(dir);
    Files.delete(procfs.resolve("812/stat"));
    ProcfsProcesses source = new ProcfsProcesses(procfs);
    List<ProcessSample> processes = source.read();
    assertEquals(
        List.of(1, 2, 15, 900, 901, 902, 903), processes.stream().map(ProcessSample::pid).toList());
    Files.delete(procfs.resolve("901/status"));
    assertNull(source.complete(processes.get(4)), "gone before its status was read");
  }

  /**
   * What the source gave before it read status only on demand: stat and status for every process.
   */
  private static ProcessSample statAndStatus(Path procfs, int pid) throws IOException {
    byte[] stat = Files.readAllBytes(procfs.resolve(pid + "/stat"));
    PidFiles.Stat s = PidFiles.parseStat("stat", stat, stat.length);
    byte[] status = Files.readAllBytes(procfs.resolve(pid + "/status"));
    PidFiles.Status t = PidFiles.parseStatus("status", status, status.length);
    return new ProcessSample(
        s.pid(),
        s.ppid(),
        t.effectiveUid(),
        s.state(),
        t.threads(),
        t.rssBytes(),
        (s.utimeTicks() + s.stimeTicks()) * ProcfsStat.NANOS_PER_TICK,
        s.startTicks() * ProcfsStat.NANOS_PER_TICK,
        s.name());
  }

  /**
   * The table from stat alone, completed from status, equals stat and status read for every
   * process.
   */
  @Test
  void completedSamplesEqualStatAndStatus() throws IOException {
    ProcfsProcesses source = new ProcfsProcesses(fixture, 4096);
    for (ProcessSample p : source.read()) {
      assertEquals(statAndStatus(fixture, p.pid()), source.complete(p), "pid " + p.pid());
      assertEquals(p.threads(), source.complete(p).threads(), "stat's thread count is status's");
      // the fixture is a quiet machine: the estimate in stat is exact
      assertEquals(source.complete(p).rssBytes(), p.rssBytes(), "rss of " + p.pid());
    }
  }

  /** The same on the real /proc, for a sleeping process. */
  @Test
  void completedSampleEqualsStatAndStatusOnTheRealProc() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      int pid = (int) sleeper.pid();
      Path proc = Path.of("/proc");
      ProcfsProcesses source = new ProcfsProcesses(proc);
      // until sleep has settled: exec done, the same status twice in a row
      ProcessSample expected = null;
      ProcessSample before = null;
      for (int attempt = 0;
          attempt < 100 && (expected == null || !expected.equals(before));
          attempt++) {
        Thread.sleep(50);
        before = expected;
        expected = statAndStatus(proc, pid);
      }
      ProcessSample partial =
          source.read().stream().filter(p -> p.pid() == pid).findFirst().orElseThrow();
      assertTrue(partial.partial());
      assertTrue(expected.rssBytes() > 0, "sleep has resident pages");
      assertEquals(expected, source.complete(partial));
      // the estimate is off by at most the per-CPU batches of the kernel's counters
      assertTrue(
          Math.abs(partial.rssBytes() - expected.rssBytes()) < 4L << 20,
          partial + " vs " + expected);
    } finally {
      sleeper.destroy();
    }
  }

  @Test
  void realProcHasThisProcess() throws IOException {
    long self = ProcessHandle.current().pid();
    List<ProcessSample> processes = new ProcfsProcesses(Path.of("/proc")).read();
    assertTrue(processes.size() > 1);
    ProcessSample me = processes.stream().filter(p -> p.pid() == self).findFirst().orElseThrow();
    assertTrue(me.threads() > 1 && me.rssBytes() > 0, me.toString());
    assertTrue(new ProcfsStat(Path.of("/proc")).cpus().size() >= 1);
    assertTrue(new ProcfsMeminfo(Path.of("/proc")).read().totalBytes() > 0);
  }
}
