package io.vmwatch.exporter.source;

/** System memory in bytes, with the meaning of the matching {@code /proc/meminfo} lines. */
public record MemoryInfo(
    long totalBytes,
    long freeBytes,
    long availableBytes,
    long buffersBytes,
    long cachedBytes,
    long swapTotalBytes,
    long swapFreeBytes) {}
