package io.vmwatch.exporter.source;

/**
 * One process (thread group) as read in one scrape.
 *
 * @param pid thread group id
 * @param ppid parent's thread group id
 * @param uid effective uid
 * @param state state letter as in field 3 of {@code /proc/PID/stat}
 * @param threads number of threads
 * @param rssBytes resident set size
 * @param cpuNanos user plus system CPU time since the process started
 * @param startTimeNanos start time in nanoseconds since boot
 * @param name command name, decoded from bytes as UTF-8 with replacement
 */
public record ProcessSample(
    int pid,
    int ppid,
    long uid,
    char state,
    int threads,
    long rssBytes,
    long cpuNanos,
    long startTimeNanos,
    String name) {}
