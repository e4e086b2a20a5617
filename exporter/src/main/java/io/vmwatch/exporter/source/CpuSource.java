package io.vmwatch.exporter.source;

import java.util.List;

/** Reads per-CPU mode times. */
public interface CpuSource extends Source<List<CpuTimes>> {}
