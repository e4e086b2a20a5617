package io.vmwatch.exporter.source;

import java.io.IOException;
import java.util.List;

/** Reads the process table. */
public interface ProcessSource {
  SourceKind kind();

  List<ProcessSample> read() throws IOException;
}
