package io.vmwatch.archiver;

/** One label of a remote-write series: {@code name="value"}. */
public record Label(String name, String value) {}
