package io.vmwatch.exporter.module;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts every module file shares (kernel-modules/FORMAT.md, version 1): US-ASCII, a header
 * naming the file and version, an optional fixed column line, records of a fixed field count,
 * and a closing {@code end} line. Anything else is rejected, never guessed at.
 */
public final class ModuleFile {
  public static final String VERSION = "1";

  private final Path path;
  private final List<String[]> records;
  private final int firstRecordLine;

  private ModuleFile(Path path, List<String[]> records, int firstRecordLine) {
    this.path = path;
    this.records = records;
    this.firstRecordLine = firstRecordLine;
  }

  /**
   * Reads and checks {@code path}.
   *
   * @param name the file name the header must carry, e.g. {@code vmwatch_cpu}
   * @param columns the exact column line, or null for files without one
   * @param fieldCount fields every record must have
   */
  public static ModuleFile read(Path path, String name, String columns, int fieldCount) throws IOException {
    return parse(path, Files.readAllBytes(path), name, columns, fieldCount);
  }

  static ModuleFile parse(Path path, byte[] bytes, String name, String columns, int fieldCount)
      throws ModuleFormatException {
    int line = 1;
    for (byte b : bytes) {
      if (b == '\n') {
        line++;
      } else if (b < 0x20 || b > 0x7e) {
        throw new ModuleFormatException(path, line, String.format("byte 0x%02x is not allowed (printable US-ASCII only)", b & 0xff));
      }
    }
    if (bytes.length == 0) {
      throw new ModuleFormatException(path, 0, "empty file");
    }
    if (bytes[bytes.length - 1] != '\n') {
      throw new ModuleFormatException(path, line, "cut short: last line has no newline (no 'end')");
    }
    String[] lines = new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII).split("\n", -1);
    String[] header = lines[0].split(" ", -1);
    if (header.length != 2 || !header[0].equals(name)) {
      throw new ModuleFormatException(path, 1, "header '" + lines[0] + "' does not name " + name);
    }
    if (!header[1].equals(VERSION)) {
      throw new ModuleFormatException(path, 1, "format version '" + header[1] + "' is not supported (only " + VERSION + ")");
    }
    int first = 1;
    if (columns != null) {
      if (lines.length < 2 || !lines[1].equals(columns)) {
        throw new ModuleFormatException(path, 2, "column line differs from '" + columns + "'");
      }
      first = 2;
    }
    int last = lines.length - 1;
    if (last < first || !lines[last].equals("end")) {
      throw new ModuleFormatException(path, lines.length, "cut short: no 'end' line");
    }
    List<String[]> records = new ArrayList<>(last - first);
    for (int i = first; i < last; i++) {
      String[] fields = lines[i].split(" ", -1);
      if (fields.length != fieldCount) {
        throw new ModuleFormatException(path, i + 1, "expected " + fieldCount + " fields, got " + fields.length);
      }
      records.add(fields);
    }
    return new ModuleFile(path, records, first + 1);
  }

  public List<String[]> records() {
    return records;
  }

  /** An unsigned decimal field of record {@code index}, in the strict form the format allows. */
  public long number(int index, String[] record, int field) throws ModuleFormatException {
    String text = record[field];
    if (text.isEmpty() || text.length() > 19) {
      throw error(index, "field " + (field + 1) + " '" + text + "' is not an unsigned number");
    }
    long value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        throw error(index, "field " + (field + 1) + " '" + text + "' is not an unsigned number");
      }
      value = value * 10 + (c - '0');
    }
    if (value < 0) {
      throw error(index, "field " + (field + 1) + " '" + text + "' is out of range");
    }
    return value;
  }

  public ModuleFormatException error(int index, String reason) {
    return new ModuleFormatException(path, firstRecordLine + index, reason);
  }
}
