package io.vmwatch.exporter.source;

/**
 * One process (thread group) as read in one scrape.
 *
 * @param pid thread group id
 * @param ppid parent's thread group id
 * @param uid effective uid, or {@link #UID_UNREAD} in a partial sample (see {@link #partial()})
 * @param state state letter as in field 3 of {@code /proc/PID/stat}
 * @param threads number of threads
 * @param rssBytes resident set size; in a partial sample the kernel's fast estimate (the rss field
 *     of {@code /proc/PID/stat}, which on kernels with per-CPU RSS counters may differ from VmRSS
 *     by a few hundred KiB), good for ranking, completed by {@link ProcessDetails} before export
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
    String name) {
  /** The uid of a partial sample, whose source did not read it. */
  public static final long UID_UNREAD = -1;

  /** True when the source left the uid unread and the RSS estimated. */
  public boolean partial() {
    return uid == UID_UNREAD;
  }
}
