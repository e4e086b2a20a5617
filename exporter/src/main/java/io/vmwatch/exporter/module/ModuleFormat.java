package io.vmwatch.exporter.module;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What one vmwatch module file must look like (kernel-modules/FORMAT.md).
 *
 * @param name the file name, which the header must carry, e.g. {@code vmwatch_cpu}
 * @param version the one format version of that file this reader knows, e.g. {@code 1}
 * @param columns the exact column line, or null for a file without one
 * @param fields how many fields every record has
 */
public record ModuleFormat(String name, String version, String columns, int fields) {
  /** Reads {@code file} in one go and checks it against this format. */
  public ModuleFile read(Path file) throws IOException {
    return ModuleFile.read(file, this);
  }
}
