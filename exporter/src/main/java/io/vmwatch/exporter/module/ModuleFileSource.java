package io.vmwatch.exporter.module;

import io.vmwatch.exporter.source.Source;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A family read from one vmwatch module file, {@code <procfs>/<name>}: the file is checked against
 * its {@link ModuleFormat}, then its records become the family's reading.
 */
public final class ModuleFileSource<T> implements Source<T> {
  /** Turns the checked records of a module file into a family's reading. */
  @FunctionalInterface
  public interface Records<T> {
    T parse(ModuleFile file) throws IOException;
  }

  private final Path file;
  private final ModuleFormat format;
  private final Records<T> records;

  public ModuleFileSource(Path procfs, ModuleFormat format, Records<T> records) {
    this.file = procfs.resolve(format.name());
    this.format = format;
    this.records = records;
  }

  public Path file() {
    return file;
  }

  @Override
  public SourceKind kind() {
    return SourceKind.MODULE;
  }

  @Override
  public T read() throws IOException {
    return records.parse(format.read(file));
  }
}
