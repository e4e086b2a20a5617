package io.vmwatch.exporter.procfs;

import io.vmwatch.exporter.source.ProcessDetails;
import io.vmwatch.exporter.source.ProcessSample;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The process table from a walk of {@code <procfs>/[pid]/stat}, one file per process: state, ppid,
 * CPU times, threads, start time and an estimate of the resident pages are all there. The samples
 * are partial: {@code status}, with the effective uid and the exact VmRSS, is read on demand
 * ({@link #complete}) for the processes that get series. A process that exits between the listing
 * and the reading of its files (ENOENT or ESRCH) is left out: that is the normal life of a process
 * table, not an error. Any other malformed file fails the read.
 */
public final class ProcfsProcesses implements ProcessDetails {
  private final File procfs;
  private final long pageBytes;
  private final ProcFileReader reader = new ProcFileReader();

  public ProcfsProcesses(Path procfs) {
    this(procfs, PageSize.ofThisMachine());
  }

  public ProcfsProcesses(Path procfs, long pageBytes) {
    this.procfs = procfs.toFile();
    this.pageBytes = pageBytes;
  }

  /** The whole table, every sample partial. */
  public synchronized List<ProcessSample> read() throws IOException {
    String[] entries = procfs.list();
    if (entries == null) {
      throw new IOException(procfs + ": cannot list directory");
    }
    int[] pids = new int[entries.length];
    int count = 0;
    for (String entry : entries) {
      int pid = pidOf(entry);
      if (pid > 0) {
        pids[count++] = pid;
      }
    }
    Arrays.sort(pids, 0, count);
    List<ProcessSample> processes = new ArrayList<>(count);
    String base = procfs.getPath() + File.separator;
    for (int i = 0; i < count; i++) {
      ProcessSample sample = readOne(base + pids[i]);
      if (sample != null) {
        processes.add(sample);
      }
    }
    return processes;
  }

  /** Reads {@code <procfs>/PID/status} for the uid, VmRSS and thread count of a partial sample. */
  @Override
  public synchronized ProcessSample complete(ProcessSample sample) throws IOException {
    if (!sample.partial()) {
      return sample;
    }
    String statusPath = procfs.getPath() + File.separator + sample.pid() + "/status";
    try {
      reader.read(statusPath);
    } catch (IOException e) {
      if (ProcFileReader.isVanished(e)) {
        return null;
      }
      throw e;
    }
    PidFiles.Status status = PidFiles.parseStatus(statusPath, reader.bytes(), reader.length());
    return new ProcessSample(
        sample.pid(),
        sample.ppid(),
        status.effectiveUid(),
        sample.state(),
        status.threads(),
        status.rssBytes(),
        sample.cpuNanos(),
        sample.startTimeNanos(),
        sample.name());
  }

  private ProcessSample readOne(String dir) throws IOException {
    PidFiles.Stat stat;
    String statPath = dir + "/stat";
    try {
      reader.read(statPath);
      stat = PidFiles.parseStat(statPath, reader.bytes(), reader.length());
    } catch (IOException e) {
      if (ProcFileReader.isVanished(e)) {
        return null;
      }
      throw e;
    }
    return new ProcessSample(
        stat.pid(),
        stat.ppid(),
        ProcessSample.UID_UNREAD,
        stat.state(),
        stat.threads(),
        Math.max(0, stat.rssPages()) * pageBytes,
        (stat.utimeTicks() + stat.stimeTicks()) * ProcfsStat.NANOS_PER_TICK,
        stat.startTicks() * ProcfsStat.NANOS_PER_TICK,
        stat.name());
  }

  private static int pidOf(String entry) {
    if (entry.isEmpty() || entry.length() > 9) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < entry.length(); i++) {
      char c = entry.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
