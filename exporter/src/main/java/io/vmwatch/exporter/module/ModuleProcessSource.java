package io.vmwatch.exporter.module;

import io.vmwatch.exporter.source.ProcessSample;
import io.vmwatch.exporter.source.ProcessSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The whole process table from one read of {@code <procfs>/vmwatch_procs}. */
public final class ModuleProcessSource extends ModuleFileSource<List<ProcessSample>>
    implements ProcessSource {
  public static final String VERSION = "1";
  public static final String NAME = "vmwatch_procs";
  static final String COLUMNS =
      "pid ppid uid state threads rss_bytes vsize_bytes utime_ns stime_ns start_time_ns name";
  private static final int FIELDS = 11;

  public ModuleProcessSource(Path procfs) {
    super(procfs, NAME, VERSION, COLUMNS, FIELDS);
  }

  @Override
  public List<ProcessSample> read() throws IOException {
    return parse(readFile());
  }

  static List<ProcessSample> parse(ModuleFile module) throws ModuleFormatException {
    List<ProcessSample> processes = new ArrayList<>(module.recordCount());
    for (int i = 0; i < module.recordCount(); i++) {
      String state = module.text(i, 3);
      if (state.length() != 1 || !Character.isLetter(state.charAt(0))) {
        throw module.error(i, "state '" + state + "' is not one letter");
      }
      String escaped = module.text(i, 10);
      String name = NameEscape.decode(escaped);
      if (name == null) {
        throw module.error(
            i, "name '" + escaped + "' has a backslash not followed by three octal digits");
      }
      processes.add(
          new ProcessSample(
              intField(module, i, 0),
              intField(module, i, 1),
              uidField(module, i),
              state.charAt(0),
              intField(module, i, 4),
              module.number(i, 5),
              addExact(module, i, module.number(i, 7), module.number(i, 8)),
              module.number(i, 9),
              name));
      module.number(i, 6); // vsize_bytes: checked, not exported
    }
    return processes;
  }

  private static int intField(ModuleFile module, int index, int field)
      throws ModuleFormatException {
    long value = module.number(index, field);
    if (value > Integer.MAX_VALUE) {
      throw module.error(
          index, "field " + (field + 1) + " '" + module.text(index, field) + "' is out of range");
    }
    return (int) value;
  }

  private static long uidField(ModuleFile module, int index) throws ModuleFormatException {
    long value = module.number(index, 2);
    if (value > 0xffff_ffffL) {
      throw module.error(index, "uid '" + module.text(index, 2) + "' is out of range");
    }
    return value;
  }

  private static long addExact(ModuleFile module, int index, long a, long b)
      throws ModuleFormatException {
    long sum = a + b;
    if (sum < 0) {
      throw module.error(index, "cpu time out of range");
    }
    return sum;
  }
}
