package io.vmwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vmwatch.exporter.TestFiles;
import io.vmwatch.exporter.module.ModuleFormatException;
import io.vmwatch.exporter.module.NameEscape;
import io.vmwatch.exporter.source.CpuMode;
import io.vmwatch.exporter.source.CpuTimes;
import io.vmwatch.exporter.source.MemoryInfo;
import io.vmwatch.exporter.source.ProcessSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ModuleGoldenTest {

  /** Parses a module file with the parser its name prefix selects. */
  static Object parseByPrefix(Path file) throws IOException {
    String name = file.getFileName().toString();
    if (name.startsWith(CpuCollector.MODULE.name())) {
      return CpuCollector.parseModule(CpuCollector.MODULE.read(file));
    }
    if (name.startsWith(MemoryCollector.MODULE.name())) {
      return MemoryCollector.parseModule(
          MemoryCollector.MODULE.read(file), new MemoryInfo(0, 0, 0, 0, 0, 0, 0));
    }
    if (name.startsWith(ProcessCollector.MODULE.name())) {
      return ProcessCollector.parseModule(ProcessCollector.MODULE.read(file));
    }
    throw new AssertionError(
        file + ": name does not start with vmwatch_cpu, vmwatch_mem or vmwatch_procs");
  }

  /** The golden resource parsed by {@link #parseByPrefix}, as the type its prefix gives. */
  @SuppressWarnings("unchecked")
  private static <T> T parsed(String resource) throws IOException {
    return (T) parseByPrefix(TestFiles.resource(resource));
  }

  private static Stream<Path> filesIn(String folder) throws IOException {
    Path dir = TestFiles.resource(folder);
    assertNotNull(dir, folder + " is missing from the test resources");
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(Files::isRegularFile).sorted().toList();
    }
    assertFalse(files.isEmpty(), folder + " holds no files");
    return files.stream();
  }

  /** A check of one golden file. */
  private interface FileCheck {
    void check(Path file) throws Throwable;
  }

  /** One dynamic test per file, named after it. */
  private static Stream<DynamicTest> eachFile(Stream<Path> files, FileCheck check) {
    return files.map(
        file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check.check(file)));
  }

  @TestFactory
  Stream<DynamicTest> everyGoodGoldenFileParses() throws IOException {
    return eachFile(filesIn("/golden/module"), file -> assertNotNull(parseByPrefix(file)));
  }

  /** Why each file of golden/malformed is rejected: the line and the reason after the file name. */
  private static final Map<String, String> MALFORMED_REASONS =
      Map.ofEntries(
          Map.entry(
              "vmwatch_cpu-columns-differ",
              ":2: column line differs from '" + CpuCollector.MODULE.columns() + "'"),
          Map.entry("vmwatch_cpu-double-space", ":3: expected 9 fields, got 10"),
          Map.entry("vmwatch_cpu-empty", ": empty file"),
          Map.entry("vmwatch_cpu-exponent", ":3: field 2 '1e3' is not an unsigned number"),
          Map.entry("vmwatch_cpu-no-end", ":3: cut short: no 'end' line"),
          Map.entry(
              "vmwatch_cpu-no-final-newline", ":4: cut short: last line has no newline (no 'end')"),
          Map.entry(
              "vmwatch_cpu-overflow",
              ":3: field 2 '99999999999999999999' is not an unsigned number"),
          Map.entry("vmwatch_cpu-signed-number", ":3: field 2 '-1' is not an unsigned number"),
          Map.entry("vmwatch_cpu-too-few-fields", ":3: expected 9 fields, got 8"),
          Map.entry("vmwatch_cpu-too-many-fields", ":3: expected 9 fields, got 10"),
          Map.entry(
              "vmwatch_cpu-unknown-version", ":1: format version '2' is not supported (only 1)"),
          Map.entry(
              "vmwatch_cpu-wrong-header", ":1: header 'vmwatch_mem 1' does not name vmwatch_cpu"),
          Map.entry("vmwatch_mem-missing-keys", ":4: key 'available_bytes' is missing"),
          Map.entry("vmwatch_mem-no-end", ":6: cut short: no 'end' line"),
          Map.entry("vmwatch_mem-three-fields", ":2: expected 2 fields, got 3"),
          Map.entry("vmwatch_mem-version-1", ":1: format version '1' is not supported (only 2)"),
          Map.entry(
              "vmwatch_procs-bad-escape",
              ":3: name 'sys\\tem' has a backslash not followed by three octal digits"),
          Map.entry(
              "vmwatch_procs-cut-mid-record", ":4: cut short: last line has no newline (no 'end')"),
          Map.entry(
              "vmwatch_procs-header-only",
              ":2: column line differs from '" + ProcessCollector.MODULE.columns() + "'"),
          Map.entry("vmwatch_procs-long-state", ":3: state 'SS' is not one letter"),
          Map.entry(
              "vmwatch_procs-old-columns",
              ":2: column line differs from '" + ProcessCollector.MODULE.columns() + "'"),
          Map.entry(
              "vmwatch_procs-raw-non-ascii",
              ":3: byte 0xc3 is not allowed (printable US-ASCII only)"),
          Map.entry(
              "vmwatch_procs-short-escape",
              ":3: name 'sys\\04' has a backslash not followed by three octal digits"),
          Map.entry("vmwatch_procs-unescaped-space", ":3: expected 11 fields, got 12"));

  @TestFactory
  Stream<DynamicTest> everyMalformedGoldenFileIsRejectedForItsReason() throws IOException {
    List<Path> files = filesIn("/golden/malformed").toList();
    assertEquals(
        new TreeSet<>(MALFORMED_REASONS.keySet()),
        files.stream()
            .map(file -> file.getFileName().toString())
            .collect(Collectors.toCollection(TreeSet::new)),
        "every malformed file has its expected reason here, and every reason its file");
    return eachFile(
        files.stream(),
        file ->
            assertEquals(
                file + MALFORMED_REASONS.get(file.getFileName().toString()),
                assertThrows(ModuleFormatException.class, () -> parseByPrefix(file)).getMessage()));
  }

  /** Files captured from a real kernel by the kernel-modules tests (a missing folder fails). */
  @TestFactory
  Stream<DynamicTest> everyKernelCapturedFileParses() throws IOException {
    return eachFile(
        filesIn("/golden/kernel"),
        file -> {
          Object parsed = parseByPrefix(file);
          if (parsed instanceof List<?> list
              && file.getFileName().toString().startsWith("vmwatch_cpu")) {
            assertFalse(list.isEmpty(), "a real kernel has at least one CPU");
          }
        });
  }

  @Test
  void kernelCapturedHostileNameDecodesToItsBytes() throws IOException {
    List<?> processes =
        (List<?>) parseByPrefix(TestFiles.resource("/golden/kernel/vmwatch_procs.txt"));
    assertTrue(
        processes.stream()
            .map(p -> ((ProcessSample) p).name())
            .anyMatch("vw a\tb\\c\nd\u00e9"::equals),
        "the kernel capture holds the name 'vw a<TAB>b\\c<LF>d\u00e9'");
  }

  @Test
  void cpuSpecExampleValues() throws IOException {
    List<CpuTimes> cpus = parsed("/golden/module/vmwatch_cpu-spec-example");
    assertEquals(2, cpus.size());
    assertEquals(1, cpus.get(1).cpu());
    assertEquals(1_234_500_000L, cpus.get(0).nanos(CpuMode.USER));
    assertEquals(51_410_000_000L, cpus.get(1).nanos(CpuMode.IDLE));
    assertEquals(2_000_000L, cpus.get(1).nanos(CpuMode.SOFTIRQ));
  }

  @Test
  void memorySpecExampleAndUnknownKeys() throws IOException {
    MemoryInfo spec =
        (MemoryInfo) parseByPrefix(TestFiles.resource("/golden/module/vmwatch_mem-spec-example"));
    assertEquals(
        new MemoryInfo(2062782464L, 1287004160L, 1652441088L, 28672000L, 402653184L, 0, 0), spec);
    assertEquals(spec, parseByPrefix(TestFiles.resource("/golden/module/vmwatch_mem-unknown-key")));
  }

  @Test
  void hostileNamesAreUnescapedToTheirBytes() throws IOException {
    List<ProcessSample> procs = parsed("/golden/module/vmwatch_procs-hostile-names");
    assertEquals(8, procs.size());
    assertEquals(
        List.of(
            "systemd",
            "kthreadd",
            "kworker/0:1-eve",
            "my daemon",
            "a) (b\nc",
            "\uFFFD(bad\uFFFD",
            "q\"x\\y",
            "tab\there"),
        procs.stream().map(ProcessSample::name).toList());
    ProcessSample p = procs.get(4);
    assertEquals(900, p.pid());
    assertEquals(812, p.ppid());
    assertEquals(1000, p.uid());
    assertEquals('R', p.state());
    assertEquals(2, p.threads());
    assertEquals(209_715_200L, p.rssBytes());
    assertEquals(50_003_000_000L + 1_202_000_000L, p.cpuNanos());
    assertEquals(5_000_000_000L, p.startTimeNanos());
  }

  @Test
  void nameEscapes() {
    assertEquals("a b", NameEscape.decode("a\\040b"));
    assertEquals("\\", NameEscape.decode("\\134"));
    assertEquals("é", NameEscape.decode("\\303\\251"));
    assertEquals(null, NameEscape.decode("x\\"));
    assertEquals(null, NameEscape.decode("x\\12"));
    assertEquals(null, NameEscape.decode("x\\400"));
    assertEquals(null, NameEscape.decode("x\\08a"));
  }

  @Test
  void errorNamesFileAndLine() {
    Path file = TestFiles.resource("/golden/malformed/vmwatch_cpu-too-few-fields");
    ModuleFormatException e = assertThrows(ModuleFormatException.class, () -> parseByPrefix(file));
    assertEquals(file + ":3: expected 9 fields, got 8", e.getMessage());
    Path cut = TestFiles.resource("/golden/malformed/vmwatch_procs-cut-mid-record");
    String message =
        assertThrows(ModuleFormatException.class, () -> parseByPrefix(cut)).getMessage();
    if (!message.contains("cut short")) {
      fail("expected a cut-short message, got " + message);
    }
  }
}
