package io.vmwatch.exporter.module;

import io.vmwatch.exporter.procfs.ProcfsMemorySource;
import io.vmwatch.exporter.source.MemoryInfo;
import io.vmwatch.exporter.source.MemorySource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * System memory from {@code <procfs>/vmwatch_mem} (format version 2); unknown keys are ignored, as
 * the format allows. Version 2 has no swap (the kernel does not export its swap totals to modules),
 * so swap total and free come from {@code <procfs>/meminfo}, as FORMAT.md says.
 */
public final class ModuleMemorySource extends ModuleFileSource<MemoryInfo> implements MemorySource {
  public static final String VERSION = "2";
  public static final String NAME = "vmwatch_mem";
  private static final List<String> REQUIRED =
      List.of("total_bytes", "free_bytes", "available_bytes", "buffers_bytes", "cached_bytes");

  private final ProcfsMemorySource meminfo;

  public ModuleMemorySource(Path procfs) {
    super(procfs, NAME, VERSION, null, 2);
    this.meminfo = new ProcfsMemorySource(procfs);
  }

  @Override
  public MemoryInfo read() throws IOException {
    ModuleFile module = readFile();
    MemoryInfo swap = meminfo.read();
    return parse(module, swap.swapTotalBytes(), swap.swapFreeBytes());
  }

  /** The module's figures, with the swap figures read elsewhere. */
  static MemoryInfo parse(ModuleFile module, long swapTotalBytes, long swapFreeBytes)
      throws ModuleFormatException {
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
        swapTotalBytes,
        swapFreeBytes);
  }
}
