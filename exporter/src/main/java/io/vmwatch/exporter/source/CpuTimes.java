package io.vmwatch.exporter.source;

import java.util.Arrays;

/**
 * Time one CPU spent in each mode since boot, in nanoseconds.
 *
 * @param cpu the CPU number
 * @param nanosByMode one value per {@link CpuMode}, indexed by ordinal
 */
public record CpuTimes(int cpu, long[] nanosByMode) {
  public CpuTimes {
    if (nanosByMode.length != CpuMode.values().length) {
      throw new IllegalArgumentException(
          "expected " + CpuMode.values().length + " modes, got " + nanosByMode.length);
    }
    nanosByMode = nanosByMode.clone();
  }

  public long nanos(CpuMode mode) {
    return nanosByMode[mode.ordinal()];
  }

  @Override
  public long[] nanosByMode() {
    return nanosByMode.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CpuTimes that
        && cpu == that.cpu
        && Arrays.equals(nanosByMode, that.nanosByMode);
  }

  @Override
  public int hashCode() {
    return 31 * cpu + Arrays.hashCode(nanosByMode);
  }

  @Override
  public String toString() {
    return "CpuTimes[cpu=" + cpu + ", nanosByMode=" + Arrays.toString(nanosByMode) + "]";
  }
}
