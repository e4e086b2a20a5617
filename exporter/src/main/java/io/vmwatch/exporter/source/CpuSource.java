package io.vmwatch.exporter.source;

import java.io.IOException;
import java.util.List;

/** Reads per-CPU mode times. */
public interface CpuSource {
  SourceKind kind();

  List<CpuTimes> read() throws IOException;
}
