package io.vmwatch.exporter.cli;

/** A command line the exporter cannot run with: unknown flag or bad value. Exit status 2. */
public final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
