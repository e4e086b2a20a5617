package io.vmwatch.exporter.cli;

import java.nio.file.Path;
import java.util.Set;

/**
 * The exporter's settings, from the command line.
 *
 * @param listenHost host or address to bind, empty for every interface
 * @param listenPort TCP port, 0 for an ephemeral one
 * @param telemetryPath path that serves the metrics
 * @param procfs folder that holds the module files and procfs files
 * @param passwd the user database for uid to user name
 * @param webConfigFile exporter-toolkit web configuration, or null
 * @param processesTop N of the per-process top lists
 * @param processesAncestorDepth levels of ancestors exported above each top process
 * @param collectors names of the collectors that run
 * @param maxThreads size of the HTTP server's thread pool
 */
public record Options(
    String listenHost,
    int listenPort,
    String telemetryPath,
    Path procfs,
    Path passwd,
    Path webConfigFile,
    int processesTop,
    int processesAncestorDepth,
    Set<String> collectors,
    int maxThreads) {
  public Options {
    collectors = Set.copyOf(collectors);
  }
}
