package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.vmwatch.exporter.source.SourceKind;
import java.io.IOException;
import java.util.List;

/**
 * One collector of the {@link CollectorTable} (cpu, memory, processes), once built. Called by one
 * thread at a time.
 */
public interface FamilyCollector {
  /** Picks the source for this scrape (module file present or not) and reports it. */
  SourceKind chooseSource();

  /**
   * Builds fresh samples from the source picked by the last {@link #chooseSource()}; when that was
   * the module and its file is gone by the time it is read (module unloaded just then), reads
   * procfs instead.
   */
  List<MetricFamilySamples> collect() throws IOException;

  /** The source the last {@link #collect()} read (or tried to read). */
  SourceKind source();
}
