package io.vmwatch.exporter.module;

import io.vmwatch.exporter.source.MemoryInfo;
import io.vmwatch.exporter.source.MemorySource;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** System memory from {@code <procfs>/vmwatch_mem}; unknown keys are ignored, as the format allows. */
public final class ModuleMemorySource implements MemorySource {
  public static final String NAME = "vmwatch_mem";
  private static final List<String> REQUIRED = List.of(
      "total_bytes", "free_bytes", "available_bytes", "buffers_bytes", "cached_bytes",
      "swap_total_bytes", "swap_free_bytes");

  private final Path file;

  public ModuleMemorySource(Path procfs) {
    this.file = procfs.resolve(NAME);
  }

  public Path file() {
    return file;
  }

  @Override
  public SourceKind kind() {
    return SourceKind.MODULE;
  }

  @Override
  public MemoryInfo read() throws IOException {
    return parse(ModuleFile.read(file, NAME, null, 2));
  }

  static MemoryInfo parse(ModuleFile module) throws ModuleFormatException {
    Map<String, Long> values = new HashMap<>();
    for (int i = 0; i < module.recordCount(); i++) {
      String key = module.text(i, 0);
      if (values.put(key, module.number(i, 1)) != null) {
        throw module.error(i, "key '" + key + "' appears twice");
      }
    }
    for (String key : REQUIRED) {
      if (!values.containsKey(key)) {
        throw module.error(module.recordCount(), "key '" + key + "' is missing");
      }
    }
    return new MemoryInfo(
        values.get("total_bytes"),
        values.get("free_bytes"),
        values.get("available_bytes"),
        values.get("buffers_bytes"),
        values.get("cached_bytes"),
        values.get("swap_total_bytes"),
        values.get("swap_free_bytes"));
  }
}
