package io.vmwatch.exporter.module;

import io.vmwatch.exporter.source.CpuMode;
import io.vmwatch.exporter.source.CpuSource;
import io.vmwatch.exporter.source.CpuTimes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Per-CPU mode times from {@code <procfs>/vmwatch_cpu}. */
public final class ModuleCpuSource extends ModuleFileSource<List<CpuTimes>> implements CpuSource {
  public static final String VERSION = "1";
  public static final String NAME = "vmwatch_cpu";
  static final String COLUMNS =
      "cpu user_ns nice_ns system_ns idle_ns iowait_ns irq_ns softirq_ns steal_ns";

  public ModuleCpuSource(Path procfs) {
    super(procfs, NAME, VERSION, COLUMNS, 1 + CpuMode.values().length);
  }

  @Override
  public List<CpuTimes> read() throws IOException {
    return parse(readFile());
  }

  static List<CpuTimes> parse(ModuleFile module) throws ModuleFormatException {
    List<CpuTimes> cpus = new ArrayList<>(module.recordCount());
    for (int i = 0; i < module.recordCount(); i++) {
      long cpu = module.number(i, 0);
      if (cpu > Integer.MAX_VALUE) {
        throw module.error(i, "cpu number " + cpu + " is out of range");
      }
      long[] nanos = new long[CpuMode.values().length];
      for (int m = 0; m < nanos.length; m++) {
        nanos[m] = module.number(i, m + 1);
      }
      cpus.add(new CpuTimes((int) cpu, nanos));
    }
    return cpus;
  }
}
