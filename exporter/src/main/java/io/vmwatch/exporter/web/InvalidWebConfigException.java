package io.vmwatch.exporter.web;

/** A web configuration the exporter cannot serve with. */
public final class InvalidWebConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidWebConfigException(String message) {
    super(message);
  }
}
