package io.vmwatch.exporter.source;

/** Where a family's numbers come from: a vmwatch kernel-module file or plain procfs. */
public enum SourceKind {
  MODULE("module"),
  PROCFS("procfs");

  private final String label;

  SourceKind(String label) {
    this.label = label;
  }

  /** The value of the {@code source} label. */
  public String label() {
    return label;
  }
}
