package io.vmwatch.archiver.codec;

import java.util.List;

/**
 * A decoded remote-read 1.0 request: its queries in order, and the response types the client
 * accepts (the numbers of {@code ReadRequest.ResponseType}: 0 SAMPLES, 1 STREAMED_XOR_CHUNKS; empty
 * means SAMPLES).
 */
public record ReadRequest(List<Query> queries, List<Integer> acceptedResponseTypes) {
  public static final int SAMPLES = 0;
  public static final int STREAMED_XOR_CHUNKS = 1;

  /** Samples with start <= ts <= end (milliseconds) of the series every matcher selects. */
  public record Query(long startMs, long endMs, List<LabelMatcher> matchers) {}

  /** Whether a SAMPLES response is acceptable to the client. */
  public boolean acceptsSamples() {
    return acceptedResponseTypes.isEmpty() || acceptedResponseTypes.contains(SAMPLES);
  }
}
