package io.vmwatch.exporter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.exporter.collect.CollectorTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OptionParserTest {
  private static final List<CollectorFlag> COLLECTORS =
      List.of(
          new CollectorFlag("cpu", "cpu help"),
          new CollectorFlag("memory", "memory help"),
          new CollectorFlag("processes", "processes help"));

  private static OptionParser.Request parse(String... args) throws UsageException {
    return OptionParser.parse(args, COLLECTORS);
  }

  private static Options run(String... args) throws UsageException {
    return ((OptionParser.Run) parse(args)).options();
  }

  @Test
  void defaults() throws UsageException {
    Options o = run();
    assertEquals("", o.listenHost());
    assertEquals(9717, o.listenPort());
    assertEquals("/metrics", o.telemetryPath());
    assertEquals(Path.of("/proc"), o.procfs());
    assertEquals(Path.of("/etc/passwd"), o.passwd());
    assertEquals(10, o.processesTop());
    assertEquals(32, o.processesAncestorDepth());
    assertEquals(Set.of("cpu", "memory", "processes"), o.collectors());
    assertEquals(null, o.webConfigFile());
  }

  @Test
  void bothFlagStylesAndCollectorSwitches() throws UsageException {
    Options o =
        run(
            "--web.listen-address",
            "127.0.0.1:0",
            "--web.telemetry-path=/m",
            "--collector.processes.top=3",
            "--no-collector.cpu",
            "--collector.memory=false",
            "--no-collector.processes",
            "--collector.processes");
    assertEquals("127.0.0.1", o.listenHost());
    assertEquals(0, o.listenPort());
    assertEquals("/m", o.telemetryPath());
    assertEquals(3, o.processesTop());
    assertEquals(0, run("--collector.processes.ancestors.depth=0").processesAncestorDepth());
    assertEquals(Set.of("processes"), o.collectors());
    assertEquals("::1", run("--web.listen-address=[::1]:9717").listenHost());
  }

  @Test
  void helpAndVersion() throws UsageException {
    assertInstanceOf(OptionParser.Help.class, parse("--web.listen-address=:1", "--help"));
    assertInstanceOf(OptionParser.Version.class, parse("--version"));
    assertTrue(OptionParser.usage(COLLECTORS).contains("--web.config.file"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--bogus",
        "--web.listen-address=9717",
        "--web.listen-address=:70000",
        "--web.listen-address=:x",
        "--web.listen-address=[::1:9717",
        "--web.listen-address=::1]:9717",
        "--collector.processes.top=-1",
        "--collector.processes.top=ten",
        "--path.procfs=/no/such/dir",
        "--collector.processes.ancestors.depth=-1",
        "--collector.processes.ancestors.depth=1001",
        "--web.telemetry-path=metrics",
        "--web.telemetry-path=/",
        "--no-collector.cpu=true",
        "--collector.cpu=yes",
        "--no-web.listen-address",
        "-x",
        "plain",
        "--web.config.file=/no/such/file.yml",
        "--web.max-threads=0",
        "--collector.disk",
        "--",
        "--collector.processes.top"
      })
  void badFlagsAreRejectedWithOneMessage(String flag) {
    UsageException e = assertThrows(UsageException.class, () -> parse(flag));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--bogus=1|unknown flag --bogus (see --help)",
        "--no-web.listen-address|unknown flag --no-web.listen-address (see --help)",
        "-x|unexpected argument '-x' (flags start with --; see --help)",
        "plain|unexpected argument 'plain' (flags start with --; see --help)",
        "--|unexpected argument '--' (flags start with --; see --help)",
        "--no-collector.cpu=true|flag --no-collector.cpu takes no value",
        "--help=x|flag --help takes no value",
        "-hx|unexpected argument '-hx' (flags start with --; see --help)",
        "--collector.cpu=yes|bad --collector.cpu 'yes': expected true or false",
        "--collector.processes.top=ten|bad --collector.processes.top 'ten': not a whole number",
        "--web.max-threads=65|bad --web.max-threads '65': must be between 1 and 64",
        "--web.listen-address=9717|bad --web.listen-address '9717': expected HOST:PORT or :PORT",
        "--web.telemetry-path=/|bad --web.telemetry-path '/': must start with / and not be / or"
            + " /-/healthy",
        "--path.procfs=/no/such/dir|bad --path.procfs '/no/such/dir': not a directory",
      })
  void errorMessagesNameTheFlagAndTheProblem(String flag, String message) {
    assertEquals(message, assertThrows(UsageException.class, () -> parse(flag)).getMessage());
  }

  @Test
  void collectorSwitchesInEveryForm() throws UsageException {
    assertEquals(Set.of("memory", "processes"), run("--no-collector.cpu").collectors());
    assertEquals(Set.of("memory", "processes"), run("--collector.cpu=false").collectors());
    assertEquals(
        Set.of("cpu", "memory", "processes"),
        run("--collector.cpu=false", "--collector.cpu").collectors());
    assertEquals(Set.of("cpu", "memory", "processes"), run("--collector.cpu=true").collectors());
    // the last of several values wins, as before
    assertEquals(
        5, run("--collector.processes.top=3", "--collector.processes.top=5").processesTop());
  }

  /** The flags of --help and of the README's flag table are the same. */
  @Test
  void helpAndReadmeListTheSameFlags() throws IOException {
    String readme =
        Files.readString(Path.of(System.getProperty("vmwatch.root"), "exporter", "README.md"));
    int from = readme.indexOf("\n## Flags\n");
    int to = readme.indexOf("\n#", from + 2);
    Set<String> inReadme = new TreeSet<>();
    for (String line : readme.substring(from, to).split("\n")) {
      if (line.startsWith("| `-")) {
        Matcher flag = Pattern.compile("`(-[^`= ]+)").matcher(line.split("\\|")[1]);
        while (flag.find()) {
          inReadme.add(flag.group(1));
        }
      }
    }
    Set<String> inHelp = new TreeSet<>();
    Matcher flag =
        Pattern.compile("(?m)^ +(?:(-\\w), )? *(--(?:\\[no-])?[\\w.-]+)")
            .matcher(OptionParser.usage(CollectorTable.flags()));
    while (flag.find()) {
      if (flag.group(1) != null) {
        inHelp.add(flag.group(1));
      }
      inHelp.add(flag.group(2));
    }
    assertTrue(inHelp.contains("--[no-]collector.cpu"), inHelp.toString());
    assertEquals(inHelp, inReadme);
  }

  @Test
  void missingValue() {
    UsageException e = assertThrows(UsageException.class, () -> parse("--path.procfs"));
    assertEquals("flag --path.procfs needs a value", e.getMessage());
  }
}
