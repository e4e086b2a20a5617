package io.vmwatch.archiver.codec;

/** A request body (or its decoded form) is above the configured limit: answered with 413. */
public final class TooLargeException extends Exception {
  private static final long serialVersionUID = 1L;

  public TooLargeException(String message) {
    super(message);
  }
}
