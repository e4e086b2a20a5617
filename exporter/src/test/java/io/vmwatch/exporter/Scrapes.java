package io.vmwatch.exporter;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.vmwatch.exporter.cli.OptionParser;
import io.vmwatch.exporter.cli.Options;
import io.vmwatch.exporter.cli.UsageException;
import io.vmwatch.exporter.collect.CollectorTable;
import io.vmwatch.exporter.collect.ExporterCollector;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Scrapes the collectors in-process, as the HTTP handler does, and reads the text back. */
public final class Scrapes {
  private final CollectorRegistry registry = new CollectorRegistry();

  public Scrapes(Path procfs, String... extraFlags) throws UsageException {
    List<String> args =
        new ArrayList<>(
            List.of("--path.procfs=" + procfs, "--path.passwd=" + TestFiles.fixturePasswd()));
    args.addAll(List.of(extraFlags));
    Options options =
        ((OptionParser.Run) OptionParser.parse(args.toArray(String[]::new), CollectorTable.flags()))
            .options();
    registry.register(new ExporterCollector(CollectorTable.enabled(options), "test"));
  }

  public String text() {
    StringWriter out = new StringWriter();
    try {
      TextFormat.write004(out, registry.metricFamilySamples());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Sample lines of the exposition text as series (name and labels) to value. */
  public static Map<String, Double> samples(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return samples;
  }

  public Map<String, Double> scrape() {
    return samples(text());
  }
}
