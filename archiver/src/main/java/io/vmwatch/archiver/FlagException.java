package io.vmwatch.archiver;

/** A bad command line: the message says what and the archiver exits with status 2. */
public final class FlagException extends Exception {
  private static final long serialVersionUID = 1L;

  public FlagException(String message) {
    super(message);
  }
}
