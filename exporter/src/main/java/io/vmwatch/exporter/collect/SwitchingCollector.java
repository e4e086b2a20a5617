package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.vmwatch.exporter.source.SourceKind;
import io.vmwatch.exporter.source.SourceSwitch;
import java.io.IOException;
import java.util.List;

/** A collector whose samples are built from whichever source its switch picks at each scrape. */
public record SwitchingCollector<T>(SourceSwitch<T> sources, FamilySamples<T> samples)
    implements FamilyCollector {
  @Override
  public SourceKind chooseSource() {
    return sources.choose();
  }

  @Override
  public List<MetricFamilySamples> collect() throws IOException {
    T reading = sources.read();
    return samples.build(reading, sources.kind());
  }

  @Override
  public SourceKind source() {
    return sources.kind();
  }
}
