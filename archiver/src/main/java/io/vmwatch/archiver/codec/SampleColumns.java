package io.vmwatch.archiver.codec;

import java.util.Arrays;

/**
 * Samples as two growing columns of primitives, in the order they are added: timestamps
 * (milliseconds) and the 64 bits of each value, so that a NaN keeps its bit pattern (Prometheus'
 * stale marker is one).
 */
public class SampleColumns {
  private long[] timestamps;
  private long[] valueBits;
  private int size;

  /** Room for initialCapacity samples before the columns grow (doubling). */
  public SampleColumns(int initialCapacity) {
    this.timestamps = new long[initialCapacity];
    this.valueBits = new long[initialCapacity];
  }

  public final void add(long timestamp, long bits) {
    if (size == timestamps.length) {
      timestamps = Arrays.copyOf(timestamps, size * 2);
      valueBits = Arrays.copyOf(valueBits, size * 2);
    }
    timestamps[size] = timestamp;
    valueBits[size] = bits;
    size++;
  }

  public final int size() {
    return size;
  }

  public final long timestamp(int i) {
    return timestamps[i];
  }

  public final long valueBits(int i) {
    return valueBits[i];
  }

  /** A copy of the timestamps, exactly size() long. */
  public final long[] timestamps() {
    return Arrays.copyOf(timestamps, size);
  }

  /** The values as doubles, exactly size() long. */
  public final double[] values() {
    double[] values = new double[size];
    for (int i = 0; i < size; i++) {
      values[i] = Double.longBitsToDouble(valueBits[i]);
    }
    return values;
  }
}
