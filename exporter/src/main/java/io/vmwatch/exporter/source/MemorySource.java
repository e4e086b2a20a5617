package io.vmwatch.exporter.source;

import java.io.IOException;

/** Reads system memory figures. */
public interface MemorySource {
  SourceKind kind();

  MemoryInfo read() throws IOException;
}
