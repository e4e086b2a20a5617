package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.codec.SampleColumns;

/**
 * The samples of one series in time order, values as their 64 bits (a raw row's NULL as Prometheus'
 * ordinary NaN, as remote read answers it). Grows as samples are added.
 */
public final class SeriesSamples extends SampleColumns {
  private final long seriesId;

  public SeriesSamples(long seriesId) {
    super(256);
    this.seriesId = seriesId;
  }

  public long seriesId() {
    return seriesId;
  }

  /** The value of sample i, or null where it is not finite (as a raw row holds it). */
  public Double finiteValue(int i) {
    double value = Double.longBitsToDouble(valueBits(i));
    return Double.isFinite(value) ? value : null;
  }

  /** Adds a raw row's value: NULL (NaN or +-Inf when written) as the ordinary NaN. */
  public void addRow(long timestamp, Double value) {
    add(timestamp, value == null ? ChunkStore.NORMAL_NAN_BITS : Double.doubleToRawLongBits(value));
  }
}
