package io.vmwatch.exporter.procfs;

import io.vmwatch.exporter.source.MemoryInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** System memory from {@code <procfs>/meminfo} (KiB there, bytes here). */
public final class ProcfsMeminfo {
  private final Path file;

  public ProcfsMeminfo(Path procfs) {
    this.file = procfs.resolve("meminfo");
  }

  public MemoryInfo read() throws IOException {
    Map<String, Long> kib = new HashMap<>();
    for (String line :
        new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).split("\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String[] value = line.substring(colon + 1).trim().split(" +");
      try {
        kib.put(line.substring(0, colon), Long.parseLong(value[0]));
      } catch (NumberFormatException e) {
        throw new IOException(file + ": line '" + line + "' has no number");
      }
    }
    return new MemoryInfo(
        bytes(kib, "MemTotal"),
        bytes(kib, "MemFree"),
        bytes(kib, "MemAvailable"),
        bytes(kib, "Buffers"),
        bytes(kib, "Cached"),
        bytes(kib, "SwapTotal"),
        bytes(kib, "SwapFree"));
  }

  private long bytes(Map<String, Long> kib, String key) throws IOException {
    Long value = kib.get(key);
    if (value == null) {
      throw new IOException(file + ": no " + key + " line");
    }
    return value * 1024;
  }
}
