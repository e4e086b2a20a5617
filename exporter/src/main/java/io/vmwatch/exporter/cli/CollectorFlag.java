package io.vmwatch.exporter.cli;

/**
 * A {@code --[no-]collector.NAME} flag, enabled unless turned off.
 *
 * @param name the collector's name
 * @param help what the collector serves
 */
public record CollectorFlag(String name, String help) {}
