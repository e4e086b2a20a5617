package io.vmwatch.exporter.collect;

import java.util.List;

/** Shares the list of expected series with the integration tests. */
public final class CollectorsTestView {
  private CollectorsTestView() {}

  public static List<String> everyMetric() {
    return CollectorsTest.EVERY_METRIC;
  }
}
