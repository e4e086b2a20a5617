package io.vmwatch.exporter.procfs;

import io.vmwatch.exporter.source.CpuSource;
import io.vmwatch.exporter.source.CpuTimes;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Per-CPU mode times from the {@code cpuN} lines of {@code <procfs>/stat}. */
public final class ProcfsCpuSource implements CpuSource {
  private final ProcfsStat stat;

  public ProcfsCpuSource(Path procfs) {
    this.stat = new ProcfsStat(procfs);
  }

  @Override
  public SourceKind kind() {
    return SourceKind.PROCFS;
  }

  @Override
  public List<CpuTimes> read() throws IOException {
    return stat.cpus();
  }
}
