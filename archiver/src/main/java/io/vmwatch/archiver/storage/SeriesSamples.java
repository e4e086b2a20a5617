package io.vmwatch.archiver.storage;

import java.util.Arrays;

/**
 * The samples of one series in time order, values as their 64 bits (a raw row's NULL as Prometheus'
 * ordinary NaN, as remote read answers it). Grows as samples are added.
 */
public final class SeriesSamples {
  private final long seriesId;
  private long[] timestamps = new long[256];
  private long[] valueBits = new long[256];
  private int size;

  public SeriesSamples(long seriesId) {
    this.seriesId = seriesId;
  }

  public long seriesId() {
    return seriesId;
  }

  public int size() {
    return size;
  }

  public long timestamp(int i) {
    return timestamps[i];
  }

  public long valueBits(int i) {
    return valueBits[i];
  }

  /** The value of sample i, or null where it is not finite (as a raw row holds it). */
  public Double finiteValue(int i) {
    double value = Double.longBitsToDouble(valueBits[i]);
    return Double.isFinite(value) ? value : null;
  }

  public void add(long timestamp, long bits) {
    if (size == timestamps.length) {
      timestamps = Arrays.copyOf(timestamps, size * 2);
      valueBits = Arrays.copyOf(valueBits, size * 2);
    }
    timestamps[size] = timestamp;
    valueBits[size] = bits;
    size++;
  }

  /** Adds a raw row's value: NULL (NaN or +-Inf when written) as the ordinary NaN. */
  public void addRow(long timestamp, Double value) {
    add(timestamp, value == null ? ChunkStore.NORMAL_NAN_BITS : Double.doubleToRawLongBits(value));
  }
}
