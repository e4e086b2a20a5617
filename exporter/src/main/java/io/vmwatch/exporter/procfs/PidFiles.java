package io.vmwatch.exporter.procfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Parsers for {@code /proc/PID/stat} and {@code /proc/PID/status}, working on the raw bytes. The
 * command name in {@code stat} may hold any byte but NUL, including spaces, parentheses and
 * newlines, so it is taken between the first '(' and the LAST ')'.
 */
public final class PidFiles {
  private PidFiles() {}

  /**
   * The fields of {@code stat} this exporter uses. {@code rssPages} is the same count as {@code
   * VmRSS} of {@code status} (both are the kernel's get_mm_rss()), in pages instead of KiB.
   */
  public record Stat(
      int pid,
      String name,
      char state,
      int ppid,
      long utimeTicks,
      long stimeTicks,
      int threads,
      long startTicks,
      long rssPages) {}

  /** The fields of {@code status} this exporter uses. */
  public record Status(long effectiveUid, int threads, long rssBytes) {}

  // indexes of the fields after the name: 0 is field 3 (state) of proc(5)
  private static final int STATE = 0;
  private static final int PPID = 1;
  private static final int UTIME = 11;
  private static final int STIME = 12;
  private static final int THREADS = 17;
  private static final int STARTTIME = 19;
  private static final int RSS = 21;

  public static Stat parseStat(String path, byte[] bytes, int length) throws IOException {
    int open = -1;
    for (int i = 0; i < length; i++) {
      if (bytes[i] == '(') {
        open = i;
        break;
      }
    }
    int close = -1;
    for (int i = length - 1; i > open; i--) {
      if (bytes[i] == ')') {
        close = i;
        break;
      }
    }
    if (open < 2 || close < 0 || close + 2 >= length) {
      throw new IOException(path + ": malformed stat, no '(name)'");
    }
    int pid = (int) number(path, bytes, 0, open - 1);
    String name = new String(bytes, open + 1, close - open - 1, StandardCharsets.UTF_8);
    long[] fields = new long[RSS + 1];
    char state = 0;
    int field = 0;
    int start = close + 2;
    for (int i = start; i <= length && field <= RSS; i++) {
      if (i == length || bytes[i] == ' ' || bytes[i] == '\n') {
        if (field == STATE) {
          if (i - start != 1) {
            throw new IOException(path + ": malformed stat, state is not one letter");
          }
          state = (char) bytes[start];
        } else {
          fields[field] = number(path, bytes, start, i);
        }
        field++;
        start = i + 1;
      }
    }
    if (field <= RSS) {
      throw new IOException(path + ": malformed stat, only " + (field + 2) + " fields");
    }
    return new Stat(
        pid,
        name,
        state,
        (int) fields[PPID],
        fields[UTIME],
        fields[STIME],
        (int) fields[THREADS],
        fields[STARTTIME],
        fields[RSS]);
  }

  public static Status parseStatus(String path, byte[] bytes, int length) throws IOException {
    long uid = -1;
    long threads = -1;
    long rssKib = 0; // kernel threads have no VmRSS line
    int lineStart = 0;
    for (int i = 0; i < length; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      if (startsWith(bytes, lineStart, "Uid:")) {
        uid = nthNumber(path, bytes, lineStart + 4, i, 1);
      } else if (startsWith(bytes, lineStart, "Threads:")) {
        threads = nthNumber(path, bytes, lineStart + 8, i, 0);
      } else if (startsWith(bytes, lineStart, "VmRSS:")) {
        rssKib = nthNumber(path, bytes, lineStart + 6, i, 0);
      }
      lineStart = i + 1;
    }
    if (uid < 0 || threads < 0) {
      throw new IOException(path + ": malformed status, no Uid or Threads line");
    }
    return new Status(uid, (int) threads, rssKib * 1024);
  }

  private static boolean startsWith(byte[] bytes, int at, String prefix) {
    if (at + prefix.length() > bytes.length) {
      return false;
    }
    for (int k = 0; k < prefix.length(); k++) {
      if (bytes[at + k] != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** The n-th (from 0) whitespace-separated unsigned number in bytes[from, to). */
  private static long nthNumber(String path, byte[] bytes, int from, int to, int n)
      throws IOException {
    int seen = 0;
    int i = from;
    while (i < to) {
      while (i < to && (bytes[i] == ' ' || bytes[i] == '\t')) {
        i++;
      }
      int start = i;
      while (i < to && bytes[i] != ' ' && bytes[i] != '\t') {
        i++;
      }
      if (start < i) {
        if (seen == n) {
          return number(path, bytes, start, i);
        }
        seen++;
      }
    }
    throw new IOException(path + ": malformed line, fewer than " + (n + 1) + " values");
  }

  /**
   * Parses bytes[from, to) as a decimal number; a leading '-' is allowed (some stat fields are
   * signed).
   */
  private static long number(String path, byte[] bytes, int from, int to) throws IOException {
    if (from >= to) {
      throw new IOException(path + ": malformed, empty number");
    }
    boolean negative = bytes[from] == '-';
    int i = negative ? from + 1 : from;
    if (i >= to || to - i > 19) {
      throw new IOException(path + ": malformed number");
    }
    long value = 0;
    for (; i < to; i++) {
      int d = bytes[i] - '0';
      if (d < 0 || d > 9) {
        throw new IOException(
            path
                + ": malformed, '"
                + new String(bytes, from, to - from, StandardCharsets.ISO_8859_1)
                + "' is not a number");
      }
      value = value * 10 + d;
    }
    return negative ? -value : value;
  }
}
