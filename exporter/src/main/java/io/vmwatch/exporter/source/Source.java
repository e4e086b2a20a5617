package io.vmwatch.exporter.source;

import java.io.IOException;

/** Reads one family's numbers from one place: a vmwatch module file or procfs. */
public interface Source<T> {
  SourceKind kind();

  T read() throws IOException;

  /** Reads a family's numbers; where from is up to the {@link Source} that holds it. */
  @FunctionalInterface
  interface Reader<T> {
    T read() throws IOException;
  }

  /** A procfs source that reads with {@code reader}. */
  static <T> Source<T> procfs(Reader<T> reader) {
    return new Procfs<>(reader);
  }

  /** Plain procfs files, read by a parser of the procfs package. */
  record Procfs<T>(Reader<T> reader) implements Source<T> {
    @Override
    public SourceKind kind() {
      return SourceKind.PROCFS;
    }

    @Override
    public T read() throws IOException {
      return reader.read();
    }
  }
}
