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

  /** No accepted response type is one this archiver answers with. */
  public static final int NO_SUPPORTED_TYPE = -1;

  /**
   * The response type to answer with, by Prometheus' rule: the first accepted type the server
   * implements (SAMPLES or STREAMED_XOR_CHUNKS; others are skipped), SAMPLES when the list is
   * empty, {@link #NO_SUPPORTED_TYPE} when none is implemented.
   */
  public int responseType() {
    if (acceptedResponseTypes.isEmpty()) {
      return SAMPLES;
    }
    for (int type : acceptedResponseTypes) {
      if (type == SAMPLES || type == STREAMED_XOR_CHUNKS) {
        return type;
      }
    }
    return NO_SUPPORTED_TYPE;
  }
}
