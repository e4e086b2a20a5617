package io.vmwatch.exporter.collect;

import io.vmwatch.exporter.source.SourceKind;

/**
 * One counter series that stays monotonic when its source switches between module and procfs.
 *
 * <p>The two sources count the same kernel counter but round differently (procfs in whole 1/100 s
 * ticks, the module in nanoseconds), so right after a switch the new source may read a little lower
 * than the last value exported. At a switch the series keeps an offset: {@code offset = max(0,
 * lastExported - raw)}, and exports {@code raw + offset} until the next switch. The offset never
 * exceeds one rounding step per switch, and it goes back to 0 as soon as a switch lands on a raw
 * value at or above the last export. Within one source, values pass through unchanged (plus the
 * offset), so a genuine reset is still seen as one.
 */
public final class MonotonicCounter {
  private SourceKind source;
  private double offset;
  private double last;

  /** The value to export for a raw reading from {@code from}. */
  public double next(SourceKind from, double raw) {
    if (source != null && source != from) {
      offset = Math.max(0, last - raw);
    }
    source = from;
    last = raw + offset;
    return last;
  }

  /** The last value exported, or NaN before the first reading. */
  public double last() {
    return source == null ? Double.NaN : last;
  }
}
