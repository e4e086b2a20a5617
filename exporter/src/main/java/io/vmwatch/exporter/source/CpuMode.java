package io.vmwatch.exporter.source;

/** The CPU modes of {@code /proc/stat} and {@code vmwatch_cpu}, in file column order. */
public enum CpuMode {
  USER,
  NICE,
  SYSTEM,
  IDLE,
  IOWAIT,
  IRQ,
  SOFTIRQ,
  STEAL;

  /** The value of the {@code mode} label. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
