package io.vmwatch.archiver.codec;

/**
 * The body of a write request cannot be decoded or breaks the remote-write 1.0 rules: answered with
 * 400.
 */
public final class MalformedRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedRequestException(String message) {
    super(message);
  }

  public MalformedRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
