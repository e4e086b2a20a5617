package io.vmwatch.exporter.source;

import java.io.IOException;

/**
 * Completes a partial {@link ProcessSample}: procfs mode reads the whole table from {@code
 * /proc/PID/stat} alone and reads {@code /proc/PID/status} only for the processes that get series.
 */
public interface ProcessDetails {
  /**
   * {@code sample} itself when it is complete; otherwise the sample with its effective uid and
   * exact resident size, or null when the process has exited.
   */
  ProcessSample complete(ProcessSample sample) throws IOException;
}
