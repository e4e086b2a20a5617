package io.vmwatch.archiver.chunk;

/** Chunk bytes that do not hold the samples their header promises. */
public final class MalformedChunkException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedChunkException(String message) {
    super(message);
  }
}
