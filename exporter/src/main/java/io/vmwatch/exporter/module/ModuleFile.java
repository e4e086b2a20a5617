package io.vmwatch.exporter.module;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The parts every module file shares (kernel-modules/FORMAT.md): US-ASCII, a header naming the file
 * and its format version, an optional fixed column line, records of a fixed field count, and a
 * closing {@code end} line. Anything else is rejected, never guessed at.
 *
 * <p>Fields stay in the file's bytes and are parsed on demand, so reading a process table of
 * thousands of lines allocates little besides the names.
 */
public final class ModuleFile {
  private final Path path;
  private final byte[] bytes;
  private final int fieldCount;
  private final int records;
  private final int[] fieldStarts;
  private final int[] fieldEnds;
  private final int firstRecordLine;

  private ModuleFile(
      Path path,
      byte[] bytes,
      int fieldCount,
      int records,
      int[] fieldStarts,
      int[] fieldEnds,
      int firstRecordLine) {
    this.path = path;
    this.bytes = bytes;
    this.fieldCount = fieldCount;
    this.records = records;
    this.fieldStarts = fieldStarts;
    this.fieldEnds = fieldEnds;
    this.firstRecordLine = firstRecordLine;
  }

  /** Reads {@code path} and checks it against {@code format}. */
  public static ModuleFile read(Path path, ModuleFormat format) throws IOException {
    return parse(path, Files.readAllBytes(path), format);
  }

  static ModuleFile parse(Path path, byte[] bytes, ModuleFormat format)
      throws ModuleFormatException {
    String name = format.name();
    String version = format.version();
    String columns = format.columns();
    int fieldCount = format.fields();
    int lines = 0;
    for (byte b : bytes) {
      if (b == '\n') {
        lines++;
      } else if (b < 0x20 || b > 0x7e) {
        throw new ModuleFormatException(
            path,
            lines + 1,
            String.format("byte 0x%02x is not allowed (printable US-ASCII only)", b & 0xff));
      }
    }
    if (bytes.length == 0) {
      throw new ModuleFormatException(path, 0, "empty file");
    }
    if (bytes[bytes.length - 1] != '\n') {
      throw new ModuleFormatException(
          path, lines + 1, "cut short: last line has no newline (no 'end')");
    }
    int[] lineStarts = new int[lines + 1];
    for (int i = 0, line = 1; i < bytes.length - 1; i++) {
      if (bytes[i] == '\n') {
        lineStarts[line++] = i + 1;
      }
    }
    lineStarts[lines] = bytes.length;
    String header = text(bytes, lineStarts, 0);
    int space = header.indexOf(' ');
    if (space < 0 || !header.substring(0, space).equals(name)) {
      throw new ModuleFormatException(path, 1, "header '" + header + "' does not name " + name);
    }
    if (!header.substring(space + 1).equals(version)) {
      throw new ModuleFormatException(
          path,
          1,
          "format version '"
              + header.substring(space + 1)
              + "' is not supported (only "
              + version
              + ")");
    }
    int first = 1;
    if (columns != null) {
      if (lines < 2 || !text(bytes, lineStarts, 1).equals(columns)) {
        throw new ModuleFormatException(path, 2, "column line differs from '" + columns + "'");
      }
      first = 2;
    }
    int last = lines - 1;
    if (last < first || !text(bytes, lineStarts, last).equals("end")) {
      throw new ModuleFormatException(path, lines, "cut short: no 'end' line");
    }
    int records = last - first;
    int[] starts = new int[records * fieldCount];
    int[] ends = new int[records * fieldCount];
    for (int r = 0; r < records; r++) {
      int from = lineStarts[first + r];
      int to = lineStarts[first + r + 1] - 1;
      int field = 0;
      int start = from;
      for (int i = from; i <= to; i++) {
        if (i == to || bytes[i] == ' ') {
          if (field < fieldCount) {
            starts[r * fieldCount + field] = start;
            ends[r * fieldCount + field] = i;
          }
          field++;
          start = i + 1;
        }
      }
      if (field != fieldCount) {
        throw new ModuleFormatException(
            path, first + r + 1, "expected " + fieldCount + " fields, got " + field);
      }
    }
    return new ModuleFile(path, bytes, fieldCount, records, starts, ends, first + 1);
  }

  private static String text(byte[] bytes, int[] lineStarts, int line) {
    int end = lineStarts[line + 1] - 1;
    return new String(bytes, lineStarts[line], end - lineStarts[line], StandardCharsets.US_ASCII);
  }

  public int recordCount() {
    return records;
  }

  /** A field of a record as text. */
  public String text(int record, int field) {
    int at = record * fieldCount + field;
    return new String(
        bytes, fieldStarts[at], fieldEnds[at] - fieldStarts[at], StandardCharsets.US_ASCII);
  }

  /** An unsigned decimal field of a record, in the strict form the format allows. */
  public long number(int record, int field) throws ModuleFormatException {
    int at = record * fieldCount + field;
    int from = fieldStarts[at];
    int to = fieldEnds[at];
    if (from == to || to - from > 19) {
      throw error(
          record,
          "field " + (field + 1) + " '" + text(record, field) + "' is not an unsigned number");
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      int d = bytes[i] - '0';
      if (d < 0 || d > 9) {
        throw error(
            record,
            "field " + (field + 1) + " '" + text(record, field) + "' is not an unsigned number");
      }
      value = value * 10 + d;
    }
    if (value < 0) {
      throw error(
          record, "field " + (field + 1) + " '" + text(record, field) + "' is out of range");
    }
    return value;
  }

  public ModuleFormatException error(int record, String reason) {
    return new ModuleFormatException(path, firstRecordLine + record, reason);
  }
}
