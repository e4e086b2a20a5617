package io.vmwatch.archiver.codec;

import java.util.List;

/**
 * One series of a remote-write request: its labels as sent and its float samples, as parallel
 * arrays (timestamps in milliseconds since the epoch). Native histograms are not stored; their
 * count is kept so that they can be reported as rejected.
 */
public record TimeSeries(
    List<Label> labels, long[] timestamps, double[] values, int histogramCount) {

  public int sampleCount() {
    return timestamps.length;
  }
}
