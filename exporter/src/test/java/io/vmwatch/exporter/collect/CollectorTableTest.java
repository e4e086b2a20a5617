package io.vmwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vmwatch.exporter.Scrapes;
import io.vmwatch.exporter.TestFiles;
import io.vmwatch.exporter.cli.OptionParser;
import io.vmwatch.exporter.cli.Options;
import io.vmwatch.exporter.cli.UsageException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The table of collectors, the collector classes, the flags and the served labels agree. */
class CollectorTableTest {
  private static final Pattern HELP_SWITCH = Pattern.compile("--\\[no-]collector\\.([a-z_]+)");
  private static final Pattern COLLECTOR_LABEL =
      Pattern.compile("vmwatch_scrape_collector_success\\{collector=\"([a-z_]+)\",}");

  private static Options options(String... flags) throws UsageException {
    List<String> args = new ArrayList<>(List.of("--path.procfs=" + TestFiles.fixtureProcfs()));
    args.addAll(List.of(flags));
    return ((OptionParser.Run)
            OptionParser.parse(args.toArray(String[]::new), CollectorTable.flags()))
        .options();
  }

  private static Set<String> tableNames() {
    return CollectorTable.ALL.stream()
        .map(CollectorTable.Entry::name)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** A class that builds a collector's families but has no row has no flag and never runs. */
  @Test
  void everyCollectorClassHasItsRow() throws Exception {
    Set<Class<?>> classes = new HashSet<>();
    for (String name : classNamesOfThisPackage()) {
      Class<?> type = Class.forName(FamilySamples.class.getPackageName() + "." + name);
      if (FamilySamples.class.isAssignableFrom(type) && !type.isInterface()) {
        classes.add(type);
      }
    }
    assertFalse(classes.isEmpty(), "found no FamilySamples classes");
    Set<Class<?>> built = new HashSet<>();
    for (FamilyCollector collector : CollectorTable.enabled(options()).values()) {
      built.add(((SwitchingCollector<?>) collector).samples().getClass());
    }
    assertEquals(classes, built, "the FamilySamples classes and what the table builds");
  }

  private static List<String> classNamesOfThisPackage() throws IOException, URISyntaxException {
    Path folder =
        Path.of(FamilySamples.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve(FamilySamples.class.getPackageName().replace('.', '/'));
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".class") && !name.contains("$"))
          .map(name -> name.substring(0, name.length() - ".class".length()))
          .toList();
    }
  }

  @Test
  void everyRowHasOneSwitchThatTurnsOffItAlone() throws UsageException {
    Set<String> names = tableNames();
    assertEquals(CollectorTable.ALL.size(), names.size(), "names are unique");
    Set<String> inHelp = new TreeSet<>();
    Matcher m = HELP_SWITCH.matcher(OptionParser.usage(CollectorTable.flags()));
    while (m.find()) {
      inHelp.add(m.group(1));
    }
    assertEquals(names, inHelp, "--[no-]collector.NAME in --help");
    assertEquals(names, options().collectors(), "every collector on by default");
    for (String name : names) {
      Set<String> others = new TreeSet<>(names);
      others.remove(name);
      Options off = options("--no-collector." + name);
      assertEquals(others, off.collectors(), "--no-collector." + name);
      assertEquals(others, CollectorTable.enabled(off).keySet(), "built without " + name);
    }
  }

  @Test
  void servedCollectorLabelsAreTheRowNames() throws Exception {
    Set<String> labels = new TreeSet<>();
    Matcher m = COLLECTOR_LABEL.matcher(new Scrapes(TestFiles.fixtureProcfs()).text());
    while (m.find()) {
      labels.add(m.group(1));
    }
    assertEquals(tableNames(), labels);
  }
}
