package io.vmwatch.exporter.source;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Picks a family's source at every scrape: the module source while its file exists, procfs
 * otherwise, so loading or unloading a module while the exporter runs switches source. One per
 * family, used by one thread at a time.
 */
public final class SourceSwitch<T> {
  private final Path moduleFile;
  private final Source<T> moduleSource;
  private final Source<T> procfsSource;
  private Source<T> current;

  /**
   * @param moduleFile the file whose presence picks {@code moduleSource}
   */
  public SourceSwitch(Path moduleFile, Source<T> moduleSource, Source<T> procfsSource) {
    this.moduleFile = moduleFile;
    this.moduleSource = moduleSource;
    this.procfsSource = procfsSource;
  }

  /** Picks the source for this scrape and reports it. */
  public SourceKind choose() {
    current = Files.exists(moduleFile) ? moduleSource : procfsSource;
    return current.kind();
  }

  /**
   * Reads the source picked by the last {@link #choose()}; when that was the module and its file is
   * gone by the time it is read (module unloaded just then) or refuses this reader (EACCES:
   * vmwatch_procs opens only to root and its group, outside containers; FORMAT.md), reads procfs
   * instead. The source reported is then procfs, so VmKernelModuleMissing tells the operator.
   */
  public T read() throws IOException {
    try {
      return current.read();
    } catch (NoSuchFileException | AccessDeniedException e) {
      if (current.kind() != SourceKind.MODULE) {
        throw e;
      }
      current = procfsSource;
      return current.read();
    }
  }

  /** The source the last {@link #read()} read (or tried to read), else the last one chosen. */
  public SourceKind kind() {
    return current.kind();
  }
}
