package io.vmwatch.exporter.source;

/** Reads system memory figures. */
public interface MemorySource extends Source<MemoryInfo> {}
