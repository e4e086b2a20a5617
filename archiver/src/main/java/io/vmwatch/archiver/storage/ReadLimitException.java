package io.vmwatch.archiver.storage;

/** A remote read that would return more than a limit allows; {@link #reason()} names the limit. */
public final class ReadLimitException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String reason;

  public ReadLimitException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** too_many_series, too_many_samples or too_large (the metric label). */
  public String reason() {
    return reason;
  }
}
