package io.vmwatch.exporter.source;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Picks a family's source at every scrape: the module source while its file exists, procfs
 * otherwise, so loading or unloading a module while the exporter runs switches source.
 */
public final class SourceSwitch<S> {
  private final Path moduleFile;
  private final S moduleSource;
  private final S procfsSource;

  public SourceSwitch(Path moduleFile, S moduleSource, S procfsSource) {
    this.moduleFile = moduleFile;
    this.moduleSource = moduleSource;
    this.procfsSource = procfsSource;
  }

  public S current() {
    return Files.exists(moduleFile) ? moduleSource : procfsSource;
  }

  /** The procfs source, for a module file that disappeared between {@link #current()} and its read. */
  public S fallback() {
    return procfsSource;
  }
}
