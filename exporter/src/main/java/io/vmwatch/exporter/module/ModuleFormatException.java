package io.vmwatch.exporter.module;

import java.io.IOException;
import java.nio.file.Path;

/** A module file that breaks the format of kernel-modules/FORMAT.md; it is rejected whole. */
public final class ModuleFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public ModuleFormatException(Path file, int line, String reason) {
    super(file + (line > 0 ? ":" + line : "") + ": " + reason);
  }
}
