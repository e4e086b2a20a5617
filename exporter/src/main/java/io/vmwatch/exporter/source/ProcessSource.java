package io.vmwatch.exporter.source;

import java.util.List;

/** Reads the process table. */
public interface ProcessSource extends Source<List<ProcessSample>> {}
