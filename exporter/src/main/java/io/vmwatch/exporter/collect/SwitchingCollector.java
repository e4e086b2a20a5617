package io.vmwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.vmwatch.exporter.module.ModuleFileSource;
import io.vmwatch.exporter.source.Source;
import io.vmwatch.exporter.source.SourceKind;
import io.vmwatch.exporter.source.SourceSwitch;
import java.io.IOException;
import java.util.List;

/** A collector whose samples are built from whichever source its switch picks at each scrape. */
public record SwitchingCollector<T>(SourceSwitch<T> sources, FamilySamples<T> samples)
    implements FamilyCollector {
  /** A collector that reads its module file while it exists, {@code procfs} otherwise. */
  static <T> SwitchingCollector<T> of(
      ModuleFileSource<T> module, Source<T> procfs, FamilySamples<T> samples) {
    return new SwitchingCollector<>(new SourceSwitch<>(module.file(), module, procfs), samples);
  }

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
