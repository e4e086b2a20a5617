package io.vmwatch.exporter.source;

import java.io.IOException;

/** Reads one family's numbers from one place: a vmwatch module file or procfs. */
public interface Source<T> {
  SourceKind kind();

  T read() throws IOException;
}
