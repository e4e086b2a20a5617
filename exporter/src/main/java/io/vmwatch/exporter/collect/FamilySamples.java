package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.util.List;

/** Builds one collector's metric families from one reading of its source. */
public interface FamilySamples<T> {
  /** The samples for {@code reading}, which {@code source} answered. */
  List<MetricFamilySamples> build(T reading, SourceKind source) throws IOException;
}
