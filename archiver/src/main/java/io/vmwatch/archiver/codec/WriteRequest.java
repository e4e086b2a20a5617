package io.vmwatch.archiver.codec;

import java.util.List;

/** A decoded remote-write 1.0 {@code prometheus.WriteRequest}. */
public record WriteRequest(List<TimeSeries> series) {

  public long sampleCount() {
    long count = 0;
    for (TimeSeries s : series) {
      count += s.sampleCount();
    }
    return count;
  }

  public long histogramCount() {
    long count = 0;
    for (TimeSeries s : series) {
      count += s.histogramCount();
    }
    return count;
  }
}
