package io.vmwatch.archiver.http;

import io.vmwatch.archiver.ArchiverConfig;
import io.vmwatch.archiver.chunk.ChunkedReadResponseWriter;
import io.vmwatch.archiver.codec.RemoteWriteDecoder;

/**
 * The heap one write request may take, derived from the JVM's heap: what is left after a fixed base
 * (classes, the connection pool, metrics, buffers), a full series-id cache and the fixed budget of
 * each remote-read worker ({@link #READ_BYTES}), shared by the write workers that can decode at the
 * same time. Body, decoded body and decoded objects are counted against it ({@link
 * RemoteWriteDecoder.Limits}), so the workers together never take more than the heap has.
 */
public final class RequestBudget {
  static final long BASE_BYTES = 64L << 20;

  /** Heap of one series-id cache entry: fingerprint, its array, the boxed id, the map node. */
  static final long CACHE_ENTRY_BYTES = 160;

  /** Below this a worker could not take a normal request (2,000 samples need about 2 MB). */
  public static final long MIN_BYTES = 8L << 20;

  /**
   * Largest compressed remote-read request body (Prometheus sends a few hundred bytes a selector).
   */
  public static final long READ_BODY_BYTES = 256L << 10;

  /** Largest uncompressed remote-read request. */
  public static final long READ_DECODED_BYTES = 1L << 20;

  /**
   * Heap the selected series of one remote read may take (labels, estimated as on the write path).
   */
  public static final long READ_SERIES_BYTES = 10L << 20;

  /**
   * The fixed buffers of a streamed answer, the larger of its two kinds: SAMPLES takes 768 KiB (64
   * KiB pieces before and after snappy, the protobuf encoder's, the JDBC row buffer);
   * STREAMED_XOR_CHUNKS takes one frame's chunks (1 MiB), the held-back start of the answer (64
   * KiB), the protobuf encoders' and the same JDBC row buffer: 1.625 MiB.
   */
  static final long READ_ANSWER_BYTES =
      Math.max(
          768L << 10,
          ChunkedReadResponseWriter.MAX_FRAME_BYTES + ReadHandler.DEFERRED_BYTES + (576L << 10));

  /**
   * Heap of one remote-read worker, about 12.9 MiB: its request (body and decoded), its selected
   * series, and the buffers of its answer.
   */
  static final long READ_BYTES =
      READ_BODY_BYTES + READ_DECODED_BYTES + READ_SERIES_BYTES + READ_ANSWER_BYTES;

  private RequestBudget() {}

  /** Bytes of heap for one request, or a negative number when the heap is too small. */
  public static long perRequest(
      long maxHeapBytes, int workers, int readWorkers, long seriesCacheEntries) {
    return (maxHeapBytes
            - BASE_BYTES
            - readWorkers * READ_BYTES
            - seriesCacheEntries * CACHE_ENTRY_BYTES)
        / workers;
  }

  /** The limits of one request: the flags, and the heap budget above them. */
  public static RemoteWriteDecoder.Limits limits(ArchiverConfig config, long maxHeapBytes) {
    long budget =
        perRequest(
            maxHeapBytes,
            config.httpThreads(),
            config.readThreads(),
            config.seriesCacheMaxEntries());
    return new RemoteWriteDecoder.Limits(
        Math.min(config.maxDecodedBytes(), budget),
        config.maxSeriesPerRequest(),
        config.maxSamplesPerRequest(),
        budget);
  }
}
