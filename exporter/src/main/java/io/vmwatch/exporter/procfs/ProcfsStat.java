package io.vmwatch.exporter.procfs;

import io.vmwatch.exporter.source.CpuMode;
import io.vmwatch.exporter.source.CpuTimes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parses {@code <procfs>/stat}: the {@code cpuN} lines and {@code btime}. */
public final class ProcfsStat {
  /** USER_HZ: procfs counts CPU time in ticks of 1/100 s. */
  public static final long NANOS_PER_TICK = 10_000_000L;

  private final Path file;

  public ProcfsStat(Path procfs) {
    this.file = procfs.resolve("stat");
  }

  public List<CpuTimes> cpus() throws IOException {
    List<CpuTimes> cpus = new ArrayList<>();
    for (String line : lines()) {
      if (!line.startsWith("cpu") || line.startsWith("cpu ")) {
        continue;
      }
      String[] fields = line.trim().split(" +");
      int modes = CpuMode.values().length;
      if (fields.length < 1 + modes) {
        throw new IOException(
            file + ": line '" + line + "' has fewer than " + modes + " mode columns");
      }
      try {
        int cpu = Integer.parseInt(fields[0].substring(3));
        long[] nanos = new long[modes];
        for (int m = 0; m < modes; m++) {
          nanos[m] = Math.multiplyExact(Long.parseLong(fields[m + 1]), NANOS_PER_TICK);
        }
        cpus.add(new CpuTimes(cpu, nanos));
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IOException(file + ": line '" + line + "' has a field that is not a number");
      }
    }
    if (cpus.isEmpty()) {
      throw new IOException(file + ": no cpuN lines");
    }
    return cpus;
  }

  /** Boot time in seconds since the Unix epoch. */
  public long bootTimeSeconds() throws IOException {
    for (String line : lines()) {
      if (line.startsWith("btime ")) {
        try {
          return Long.parseLong(line.substring(6).trim());
        } catch (NumberFormatException e) {
          throw new IOException(file + ": btime '" + line + "' is not a number");
        }
      }
    }
    throw new IOException(file + ": no btime line");
  }

  private List<String> lines() throws IOException {
    return List.of(new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).split("\n"));
  }
}
