package io.vmwatch.archiver.codec;

/** One label of a remote-write series: {@code name="value"}. */
public record Label(String name, String value) {}
