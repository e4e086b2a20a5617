package io.vmwatch.exporter.procfs;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads small procfs files into one reused buffer, which avoids an allocation per file when
 * thousands of {@code /proc/PID} files are read per scrape. Not thread-safe: one per scraping
 * thread.
 */
public final class ProcFileReader {
  private byte[] buffer = new byte[4096];
  private int length;

  /**
   * Reads the whole file; afterwards {@link #bytes()} and {@link #length()} hold its content. A
   * read that returns fewer bytes than asked for ends the file: a regular file does that only at
   * its end, and a procfs file of this kind ({@code stat}, {@code status}: made whole at open,
   * handed out as asked) as well, so a file that fits the buffer costs one read, not two.
   */
  public void read(String path) throws IOException {
    try (FileInputStream in = new FileInputStream(path)) {
      length = 0;
      while (true) {
        int asked = buffer.length - length;
        int n = in.read(buffer, length, asked);
        if (n < 0) {
          return;
        }
        length += n;
        if (n < asked) {
          return;
        }
        buffer = Arrays.copyOf(buffer, buffer.length * 2);
      }
    }
  }

  public byte[] bytes() {
    return buffer;
  }

  public int length() {
    return length;
  }

  /**
   * True when the exception says the process went away between listing and reading: the file is
   * gone (ENOENT) or the task has exited (ESRCH).
   */
  public static boolean isVanished(IOException e) {
    if (e instanceof FileNotFoundException || e instanceof java.nio.file.NoSuchFileException) {
      return true;
    }
    String message = e.getMessage();
    return message != null && message.contains("No such process");
  }
}
