package io.vmwatch.exporter.module;

import io.vmwatch.exporter.source.Source;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A family read from one vmwatch module file, {@code <procfs>/<name>}, in one format version
 * (kernel-modules/FORMAT.md): subclasses turn the checked records into their type.
 */
public abstract class ModuleFileSource<T> implements Source<T> {
  private final Path file;
  private final String name;
  private final String version;
  private final String columns;
  private final int fields;

  /**
   * @param columns the exact column line, or null for a file without one
   * @param fields how many fields every record has
   */
  protected ModuleFileSource(Path procfs, String name, String version, String columns, int fields) {
    this.file = procfs.resolve(name);
    this.name = name;
    this.version = version;
    this.columns = columns;
    this.fields = fields;
  }

  public final Path file() {
    return file;
  }

  @Override
  public final SourceKind kind() {
    return SourceKind.MODULE;
  }

  /** The file, read in one go and checked against its header, columns and field count. */
  protected final ModuleFile readFile() throws IOException {
    return ModuleFile.read(file, name, version, columns, fields);
  }
}
